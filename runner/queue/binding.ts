// Queues in the binding registry (runner/bindings/registry.ts): deploy field `queues`, stored as
// `queueProducers` (binding name → queue, Cloudflare's `[[queues.producers]]`) and
// `queueConsumers` (`[[queues.consumers]]`); every queue named is created on deploy; producers
// are minted as the Queue entrypoint (bind.ts).
import type { BindingKind } from "../bindings/kind.ts";
import { queueProducerProps } from "./bind.ts";
import { createQueues } from "./deploy.ts";
import { type QueueConsumer, type QueueProducer, QueuesDeploySchema } from "./schemas.ts";

const QueuesFieldSchema = QueuesDeploySchema.optional();

export interface QueueBindings {
  /** binding name → the queue (within the tenant) it sends to */
  queueProducers?: Record<string, QueueProducer>;
  /** queues whose messages this worker consumes, with their settings, by queue name */
  queueConsumers?: QueueConsumer[];
}

export const QUEUE_BINDING: BindingKind<typeof QueuesFieldSchema, QueueBindings> = {
  schema: QueuesFieldSchema,
  store: ({ producers, consumers } = { producers: {}, consumers: [] }) => ({
    ...(Object.keys(producers).length > 0 ? { queueProducers: producers } : {}),
    ...(consumers.length > 0 ? { queueConsumers: [...consumers].sort((a, b) => (a.queue < b.queue ? -1 : 1)) } : {}),
  }),
  create: createQueues,
  env: {
    label: "queue",
    shim: "queue",
    names: ({ queueProducers = {} }) => Object.keys(queueProducers),
    async mint({ env, exports, tenant, worker, compatibilityDate, compatibilityFlags }, { queueProducers = {} }) {
      const props = await queueProducerProps(env, tenant, worker, queueProducers, compatibilityDate, compatibilityFlags);
      return props.map(([binding, producer]) => [binding, exports.Queue({ props: producer })]);
    },
  },
};
