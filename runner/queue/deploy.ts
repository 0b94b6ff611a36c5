// What a deploy does for queues and crons (runner/control/deploy.ts calls these): the version's
// bindings record producers, consumers and crons; the queues they name are created in the
// deploy's transaction; a queue consumed by another worker of the tenant is refused.
import { database, type Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import type { QueueConsumer, QueueProducer } from "./schemas.ts";
import { QUEUE_SQL } from "./sql.ts";

export interface QueuesInput {
  queues?: { producers: Record<string, QueueProducer>; consumers: QueueConsumer[] } | undefined;
  crons?: string[] | undefined;
}

export interface QueueBindings {
  queueProducers?: Record<string, QueueProducer>;
  queueConsumers?: QueueConsumer[];
  crons?: string[];
}

/** The version's queue and cron bindings; absent when unused, so older versions hash alike. */
export function queueBindings(input: QueuesInput): QueueBindings {
  const bindings: QueueBindings = {};
  const producers = input.queues?.producers ?? {};
  const consumers = input.queues?.consumers ?? [];
  if (Object.keys(producers).length > 0) bindings.queueProducers = producers;
  if (consumers.length > 0) bindings.queueConsumers = [...consumers].sort((a, b) => (a.queue < b.queue ? -1 : 1));
  if ((input.crons ?? []).length > 0) bindings.crons = [...new Set(input.crons)].sort();
  return bindings;
}

function queueNames(input: QueuesInput): string[] {
  const names = new Set<string>();
  for (const producer of Object.values(input.queues?.producers ?? {})) names.add(producer.queue);
  for (const consumer of input.queues?.consumers ?? []) {
    names.add(consumer.queue);
    if (consumer.deadLetterQueue) names.add(consumer.deadLetterQueue);
  }
  return [...names];
}

/** Creates the queues the version names (a no-op for existing ones); part of the deploy's transaction. */
export function createQueues(tenant: string, input: QueuesInput): Statement {
  return { text: QUEUE_SQL.createQueues, params: [tenant, queueNames(input)] };
}

/** A queue has one consumer (as on Cloudflare): another worker consuming it is a conflict. */
export async function refuseTakenQueues(env: Env, tenant: string, worker: string, input: QueuesInput): Promise<void> {
  const consumed = (input.queues?.consumers ?? []).map((consumer) => consumer.queue);
  if (consumed.length === 0) return;
  const [taken] = await database(env).query(QUEUE_SQL.consumedElsewhere, [tenant, worker, consumed]);
  if (taken) {
    throw new PlatformError(
      "ERR_CONFLICT",
      409,
      `Queue ${taken.queue} already has a consumer, worker ${taken.worker}; a queue has one consumer. Remove it there first.`,
    );
  }
}
