// Every statement the queues run. Times come from Postgres's clock (`now()`), the one clock all
// hosts share. A message is eligible for delivery when `visible_at` has passed: sending sets it
// (plus any delay), a lease pushes it to the lease's end, a retry to the retry's delay. So one
// index (queue, visible_at, seq) serves leasing in best-effort FIFO order, next-wake times and
// expired leases alike; `lease_id` says who may settle the message, and stays set after a lease
// expires until someone else leases it, so a late ack of an unclaimed message still counts.
import { sql } from "../db/client.ts";
import { type ContentType, QUEUES_CHANNEL } from "./constants.ts";
import type { QueueConsumer } from "./schemas.ts";

/** A leased message (MESSAGE_FIELDS); `seq` is bigint (a string), `sent_ms` epoch ms. */
export interface MessageRow {
  id: string;
  content_type: ContentType;
  body: Uint8Array;
  attempts: number;
  seq: string;
  sent_ms: number;
}

/** One queue in the operator view; the bigint counters are read as float8. */
interface OverviewRow {
  id: string;
  tenant: string;
  name: string;
  dead_lettered: number;
  dropped: number;
  depth: number;
  in_flight: number;
  delayed: number;
  oldest_age_seconds: number | null;
}

/** A message as the browser shows it: the start of its body, and whether it is leased, delayed or ready. */
export interface BrowsedRow {
  id: string;
  seq: string;
  content_type: ContentType;
  preview: Uint8Array;
  size: number;
  attempts: number;
  sent_ms: number;
  visible_ms: number;
  state: "leased" | "delayed" | "ready";
}

/** Settling statements return how many messages they settled. */
type Settled = { n: number };

/** A consumer of a serving version; `settings` is the jsonb the deploy stored (bindings.queueConsumers). */
export interface ConsumerRow {
  worker: string;
  tenant: string;
  version_id: string;
  settings: QueueConsumer;
  queue_id: string;
  dlq_id: string | null;
}

/** Message ids as Cloudflare shows them: 32 hex digits. Postgres reads them back as uuids. */
const MESSAGE_FIELDS = `replace(m.id::text, '-', '') AS id, m.content_type, m.body, m.attempts, m.seq,
  (extract(epoch FROM m.sent_at) * 1000)::float8 AS sent_ms`;

/**
 * Consumer-side writes (leases, renewals, acks, retries, dead-lettering) commit without waiting
 * for the WAL flush: should Postgres itself crash and lose one, the message is delivered again,
 * which at-least-once delivery allows. Sends stay synchronous: send() returning means stored.
 */
const ASYNC_COMMIT = "async_commit AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) AS off)";

/** (id, lease) pairs of messages being settled: $2 ids, $3 leases. */
const HELD = "unnest($2::uuid[], $3::uuid[]) AS held(id, lease)";

export const QUEUE_SQL = {
  createQueues: "INSERT INTO queues (tenant, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",

  idsByName: sql<{ id: string; name: string }>("SELECT id::text AS id, name FROM queues WHERE tenant = $1 AND name = ANY($2::text[])"),

  // $2 is every body concatenated, $3 their lengths; one statement however many messages.
  send: `WITH input AS (
           SELECT ord, len, content_type, delay, (sum(len) OVER (ORDER BY ord) - len)::int AS start
             FROM unnest($3::int[], $4::text[], $5::int[]) WITH ORDINALITY AS t(len, content_type, delay, ord)
         ), sent AS (
           INSERT INTO queue_messages (id, queue_id, content_type, body, size, sent_at, visible_at)
           SELECT gen_random_uuid(), $1, content_type, substring($2::bytea FROM start + 1 FOR len), len, now(),
                  now() + delay * interval '1 second'
             FROM input ORDER BY ord
           RETURNING 1
         )
         SELECT count(*)::int AS sent FROM sent`,

  // Run after a send commits, on its own: a transaction that NOTIFYs holds a database-wide lock
  // through its commit, so notifying inside the (synchronously committed) insert would queue
  // every send behind the previous one's WAL flush. This one commits without waiting for it.
  notify: `SELECT set_config('synchronous_commit', 'off', true) AS off, pg_notify('${QUEUES_CHANNEL}', $1::text) AS notified`,

  metrics: sql<{
    backlog_count: number;
    backlog_bytes: number;
    oldest_ms: number | null;
  }>(`SELECT count(*)::int AS backlog_count, COALESCE(sum(size), 0)::float8 AS backlog_bytes,
                   (extract(epoch FROM min(sent_at)) * 1000)::float8 AS oldest_ms
              FROM queue_messages WHERE queue_id = $1`),

  // SKIP LOCKED: hosts never wait on each other, and no message is handed out twice while its
  // lease holds (see leaseStatement).
  lease: leaseStatement(false),

  // With max_concurrency: taken first in the same transaction, so the count the lease statement
  // then reads (a fresh snapshot) includes every batch another host leased before us.
  lockQueue: "SELECT id FROM queues WHERE id = $1 FOR UPDATE",
  leaseBounded: leaseStatement(true),

  // Milliseconds until the earliest message becomes eligible (negative: eligible already).
  nextDue: sql<{ due_ms: number | null }>(`SELECT (extract(epoch FROM min(visible_at) - now()) * 1000)::float8 AS due_ms
              FROM queue_messages WHERE queue_id = $1`),

  renew: `WITH ${ASYNC_COMMIT}
          UPDATE queue_messages SET visible_at = now() + $2 * interval '1 millisecond' FROM async_commit WHERE lease_id = $1`,

  // Settling: each statement touches only messages still held under the given lease.
  ack: sql<Settled>(`WITH ${ASYNC_COMMIT}, gone AS (
          DELETE FROM queue_messages m USING ${HELD}, async_commit
           WHERE m.queue_id = $1 AND m.id = held.id AND m.lease_id = held.lease RETURNING 1)
        SELECT count(*)::int AS n FROM gone`),

  retry: sql<Settled>(`WITH ${ASYNC_COMMIT}, again AS (
            UPDATE queue_messages m SET lease_id = NULL, visible_at = now() + r.delay * interval '1 second'
              FROM unnest($2::uuid[], $3::uuid[], $4::int[]) AS r(id, lease, delay), async_commit
             WHERE m.queue_id = $1 AND m.id = r.id AND m.lease_id = r.lease RETURNING 1)
          SELECT count(*)::int AS n, pg_notify('${QUEUES_CHANNEL}', $1::text) AS notified FROM again`),

  // Dead-lettered messages keep their id, timestamp and body; attempts start again.
  deadLetter: sql<Settled>(`WITH ${ASYNC_COMMIT}, moved AS (
                 UPDATE queue_messages m
                    SET queue_id = $4, lease_id = NULL, attempts = 0, visible_at = now(), seq = nextval('queue_message_seq')
                   FROM ${HELD}, async_commit
                  WHERE m.queue_id = $1 AND m.id = held.id AND m.lease_id = held.lease RETURNING 1
               ), counted AS (
                 UPDATE queues SET dead_lettered = dead_lettered + (SELECT count(*) FROM moved) WHERE id = $1 RETURNING 1
               )
               SELECT (SELECT count(*) FROM moved)::int AS n, (SELECT count(*) FROM counted)::int AS counted,
                      pg_notify('${QUEUES_CHANNEL}', $4::text) AS notified`),

  drop: sql<Settled>(`WITH ${ASYNC_COMMIT}, gone AS (
           DELETE FROM queue_messages m USING ${HELD}, async_commit
            WHERE m.queue_id = $1 AND m.id = held.id AND m.lease_id = held.lease RETURNING 1
         ), counted AS (
           UPDATE queues SET dropped = dropped + (SELECT count(*) FROM gone) WHERE id = $1 RETURNING 1
         )
         SELECT (SELECT count(*) FROM gone)::int AS n, (SELECT count(*) FROM counted)::int AS counted`),

  /** A pull lease's new end, $4 ms from now; only while the lease is still the message's. */
  setVisibility: sql<{ updated: number }>(`WITH ${ASYNC_COMMIT}
                  UPDATE queue_messages SET visible_at = now() + $4 * interval '1 millisecond' FROM async_commit
                   WHERE queue_id = $1 AND id = $2 AND lease_id = $3 RETURNING 1 AS updated`),

  /** The attempts of held messages (a nack decides between retry and dead letter with them). */
  held: sql<{ id: string; lease: string; attempts: number }>(`SELECT replace(m.id::text, '-', '') AS id, replace(m.lease_id::text, '-', '') AS lease, m.attempts
           FROM queue_messages m JOIN ${HELD} ON m.id = held.id AND m.lease_id = held.lease
          WHERE m.queue_id = $1`),

  purge: sql<{ purged: number }>(`WITH gone AS (DELETE FROM queue_messages WHERE queue_id = $1 RETURNING 1)
          SELECT count(*)::int AS purged FROM gone`),

  // The message browser: $2 the seq the page starts after, $3 the page size, $4 the bytes of each
  // body read. A plain read: nothing is leased. The page's ids are picked first, so only its
  // bodies are read.
  browse: sql<BrowsedRow>(`WITH page AS (SELECT id FROM queue_messages WHERE queue_id = $1 AND seq > $2 ORDER BY seq LIMIT $3)
          SELECT replace(m.id::text, '-', '') AS id, m.seq::text AS seq, m.content_type, substring(m.body FROM 1 FOR $4) AS preview, m.size,
                 m.attempts, (extract(epoch FROM m.sent_at) * 1000)::float8 AS sent_ms, (extract(epoch FROM m.visible_at) * 1000)::float8 AS visible_ms,
                 CASE WHEN m.visible_at <= now() THEN 'ready' WHEN m.lease_id IS NULL THEN 'delayed' ELSE 'leased' END AS state
            FROM queue_messages m JOIN page USING (id) ORDER BY m.seq`),

  // The operator view: one row per queue. $1: a tenant, or null for all.
  overview: sql<OverviewRow>(`SELECT q.id::text AS id, q.tenant, q.name, q.dead_lettered::float8 AS dead_lettered, q.dropped::float8 AS dropped,
                    count(m.id)::int AS depth,
                    (count(m.id) FILTER (WHERE m.lease_id IS NOT NULL AND m.visible_at > now()))::int AS in_flight,
                    (count(m.id) FILTER (WHERE m.lease_id IS NULL AND m.visible_at > now()))::int AS delayed,
                    (extract(epoch FROM now() - min(m.sent_at)))::float8 AS oldest_age_seconds
               FROM queues q LEFT JOIN queue_messages m ON m.queue_id = q.id
              WHERE $1::text IS NULL OR q.tenant = $1
              GROUP BY q.id ORDER BY q.tenant, q.name`),

  // Consumers of the serving versions, with their queue (and dead-letter queue) ids.
  // $1: one queue id, or null for all.
  consumers: sql<ConsumerRow>(`SELECT w.name AS worker, w.tenant, w.version_id, c.value AS settings, q.id::text AS queue_id, dlq.id::text AS dlq_id
                FROM workers w
                JOIN versions v ON v.id = w.version_id
                CROSS JOIN LATERAL jsonb_array_elements(COALESCE(v.bindings -> 'queueConsumers', '[]'::jsonb)) AS c(value)
                JOIN queues q ON q.tenant = w.tenant AND q.name = c.value ->> 'queue'
                LEFT JOIN queues dlq ON dlq.tenant = w.tenant AND dlq.name = c.value ->> 'deadLetterQueue'
               WHERE $1::bigint IS NULL OR q.id = $1`),

  // Another worker of the tenant whose serving version consumes one of the queues $3.
  consumedElsewhere: sql<{ queue: string; worker: string }>(`SELECT c.value ->> 'queue' AS queue, w.name AS worker
                        FROM workers w
                        JOIN versions v ON v.id = w.version_id
                        CROSS JOIN LATERAL jsonb_array_elements(COALESCE(v.bindings -> 'queueConsumers', '[]'::jsonb)) AS c(value)
                       WHERE w.tenant = $1 AND w.name <> $2 AND c.value ->> 'queue' = ANY($3::text[])
                       ORDER BY 1 LIMIT 1`),
};

/**
 * Leases up to $2 eligible messages for $4 ms under lease $3, but only when the batch is full or
 * its oldest message has waited $5 ms (max_batch_timeout); with `bounded`, only while fewer than
 * $6 batches of the queue are leased (max_concurrency).
 */
function leaseStatement(bounded: boolean) {
  const active = bounded
    ? `, active AS (
            SELECT count(DISTINCT lease_id) AS batches FROM queue_messages
             WHERE queue_id = $1 AND lease_id IS NOT NULL AND visible_at > now()
          )`
    : "";
  return sql<MessageRow>(`WITH ${ASYNC_COMMIT}${active}, picked AS (
            SELECT id, visible_at FROM queue_messages
             WHERE queue_id = $1 AND visible_at <= now()${bounded ? " AND (SELECT batches FROM active) < $6" : ""}
             ORDER BY visible_at, seq LIMIT $2
             FOR UPDATE SKIP LOCKED
          ), ready AS (
            SELECT count(*) >= $2 OR min(visible_at) <= now() - $5 * interval '1 millisecond' AS go FROM picked
          )
          UPDATE queue_messages m
             SET lease_id = $3, visible_at = now() + $4 * interval '1 millisecond', attempts = m.attempts + 1
            FROM picked, async_commit
           WHERE m.id = picked.id AND (SELECT go FROM ready)
          RETURNING ${MESSAGE_FIELDS}`);
}
