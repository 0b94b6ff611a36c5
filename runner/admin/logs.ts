// `GET /v1/workers/:name/logs` (stored invocations, newest first, a page at a time) and
// `GET /v1/workers/:name/tail` (those stored from now on, as NDJSON while the client stays). A
// tenant token reaches its own workers only: another tenant's is a 404, as on every worker route.
import { Hono } from "hono";
import { z } from "zod/v4";
import { getWorker } from "../control/versions.ts";
import { LEVEL_RANKS } from "../logs/invocation.ts";
import { type LogEvent, type WorkerOfLogs, newestId, readAfter, readLogs } from "../logs/read.ts";
import type { AdminEnv } from "./auth.ts";
import { StoredTextSchema, WorkerNameSchema } from "./names.ts";
import { parse } from "./parse.ts";

export const LOG_API_LIMITS = {
  DEFAULT_EVENTS: 50,
  MAX_EVENTS: 500,
  MAX_SEARCH_CHARS: 256,
  /** How often a tail looks for newly stored invocations. */
  TAIL_POLL_MS: 200,
  /** Invocations sent per look at most. */
  TAIL_BATCH: 100,
  /** A tail ends after this; `outpost tail` reconnects with `after`. */
  TAIL_MAX_MS: 60 * 60_000,
} as const;

const ID = z.string().regex(/^(0|[1-9][0-9]{0,18})$/, "Expected the id of a stored invocation (decimal).");

/** An ISO 8601 time or milliseconds since the epoch. */
const InstantSchema = z.string().transform((text, ctx) => {
  const ms = /^[0-9]{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) ctx.addIssue({ code: "custom", message: "Expected an ISO 8601 time or milliseconds since the epoch." });
  return ms;
});

const FILTERS = {
  level: z.enum(Object.keys(LEVEL_RANKS) as [keyof typeof LEVEL_RANKS]).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  outcome: z
    .string()
    .regex(/^[A-Za-z]{1,32}$/, "Expected an outcome such as ok, exception, exceededCpu, or error (any outcome but ok).")
    .optional(),
  search: StoredTextSchema.min(1).max(LOG_API_LIMITS.MAX_SEARCH_CHARS).optional(),
  method: z
    .string()
    .regex(/^[A-Za-z]{1,16}$/, "Expected an HTTP method.")
    .transform((method) => method.toUpperCase())
    .optional(),
  /** `name` (the header is present) or `name:value` (it has that value). */
  header: StoredTextSchema.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}(:.{0,256})?$/s, "Expected a header name, or name:value.")
    .transform((text) => {
      const colon = text.indexOf(":");
      if (colon === -1) return { name: text.toLowerCase(), value: null };
      return { name: text.slice(0, colon).toLowerCase(), value: text.slice(colon + 1).trim() };
    })
    .optional(),
  /** The client's address as the runner stored it (IPv4, or IPv6 as the runner wrote it). */
  ip: z
    .string()
    .regex(/^[0-9A-Fa-f:.]{2,45}$/, "Expected an IP address.")
    .optional(),
};

export const LogsQuerySchema = z
  .object({
    ...FILTERS,
    since: InstantSchema.optional(),
    until: InstantSchema.optional(),
    limit: z.coerce.number().int().min(1).max(LOG_API_LIMITS.MAX_EVENTS).default(LOG_API_LIMITS.DEFAULT_EVENTS),
    cursor: z
      .string()
      .regex(/^[0-9]{1,15}_[0-9]{1,19}$/, "Expected the cursor of the previous page, unchanged.")
      .optional(),
  })
  .strict();

export const TailQuerySchema = z.object({ ...FILTERS, after: ID.optional() }).strict();

export const logs = new Hono<AdminEnv>();

async function workerOf(c: { env: AdminEnv["Bindings"]; var: AdminEnv["Variables"] }, name: string): Promise<WorkerOfLogs> {
  const worker = await getWorker(c.env, c.var.scope, parse(WorkerNameSchema, name, "name"));
  return { tenant: worker.tenant, name: worker.name };
}

logs.get("/workers/:name/logs", async (c) => {
  const { limit, cursor, ...filters } = parse(LogsQuerySchema, c.req.query(), "query");
  const worker = await workerOf(c, c.req.param("name"));
  return c.json(await readLogs(c.env, worker, filters, { cursor, limit }));
});

logs.get("/workers/:name/tail", async (c) => {
  const { after, ...filters } = parse(TailQuerySchema, c.req.query(), "query");
  const worker = await workerOf(c, c.req.param("name"));
  let last = after ?? (await newestId(c.env, worker));
  const endsAt = Date.now() + LOG_API_LIMITS.TAIL_MAX_MS;
  const encoder = new TextEncoder();
  let cancelled = false;
  // Pulled: the next look happens only once the client has taken what was sent, and a client gone is a cancel.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let events: LogEvent[] = [];
      while (!cancelled && events.length === 0 && Date.now() < endsAt) {
        events = await readAfter(c.env, worker, filters, last, LOG_API_LIMITS.TAIL_BATCH);
        if (events.length === 0) await scheduler.wait(LOG_API_LIMITS.TAIL_POLL_MS);
      }
      if (events.length === 0) return controller.close();
      last = events.at(-1)?.id ?? last;
      controller.enqueue(encoder.encode(events.map((event) => `${JSON.stringify(event)}\n`).join("")));
    },
    cancel() {
      cancelled = true;
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" } });
});
