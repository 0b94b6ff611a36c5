// What a deploy does for queues: the queues a version names are created in the deploy's
// transaction (the registry's create, binding.ts); a queue consumed by another worker of the
// tenant is refused (runner/control/deploy.ts calls refuseTakenQueues).
import { database, type Statement } from "../db/client.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import type { QueueConsumer, QueueProducer } from "./schemas.ts";
import { QUEUE_SQL } from "./sql.ts";

/** The deploy body's `queues` field. */
export type QueuesField = { producers: Record<string, QueueProducer>; consumers: QueueConsumer[] } | undefined;

function queueNames(queues: QueuesField): string[] {
  const names = new Set<string>();
  for (const producer of Object.values(queues?.producers ?? {})) names.add(producer.queue);
  for (const consumer of queues?.consumers ?? []) {
    names.add(consumer.queue);
    if (consumer.deadLetterQueue) names.add(consumer.deadLetterQueue);
  }
  return [...names];
}

/** Creates the queues the version names (a no-op for existing ones); part of the deploy's transaction. */
export function createQueues(tenant: string, queues: QueuesField): Statement {
  return { text: QUEUE_SQL.createQueues, params: [tenant, queueNames(queues)] };
}

/** A queue has one consumer (as on Cloudflare): another worker consuming it is a conflict. */
export async function refuseTakenQueues(env: Env, tenant: string, worker: string, queues: QueuesField): Promise<void> {
  const consumed = (queues?.consumers ?? []).map((consumer) => consumer.queue);
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
