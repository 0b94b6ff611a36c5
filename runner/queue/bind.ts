import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { QueueProps } from "./contract.ts";
import type { QueueProducer } from "./schemas.ts";
import { QUEUE_SQL } from "./sql.ts";
import { exposesErrorCodes } from "./validate.ts";

/**
 * The props of each producer binding of a version (runner/dispatch/loader.ts mints the stubs):
 * the queue id within the version's tenant, fixed here and never taken from tenant input.
 */
export async function queueProducerProps(
  env: Env,
  tenant: string,
  worker: string,
  producers: Record<string, QueueProducer>,
  compatibilityDate: string,
  compatibilityFlags: string[],
): Promise<[string, QueueProps][]> {
  const entries = Object.entries(producers);
  if (entries.length === 0) return [];
  const rows = await database(env).query(QUEUE_SQL.idsByName, [tenant, entries.map(([, producer]) => producer.queue)]);
  const ids = new Map(rows.map((row) => [row.name, row.id]));
  const errorCodes = exposesErrorCodes(compatibilityDate, compatibilityFlags);
  return entries.map(([binding, producer]) => {
    const queueId = ids.get(producer.queue);
    if (!queueId) throw new Error(`queue ${producer.queue} of tenant ${tenant} is missing`);
    return [binding, { tenant, worker, binding, queueId, queue: producer.queue, deliveryDelay: producer.deliveryDelay ?? 0, errorCodes }];
  });
}
