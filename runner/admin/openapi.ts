// The admin API's OpenAPI document, generated from the same zod schemas that validate requests.
import { z } from "zod/v4";
import { DeploySchema, DomainClaimSchema, RollbackSchema, RolloutSchema, SecretValueSchema, SecretsBulkSchema, TokenSchema } from "./schemas.ts";
import { IncidentSchema } from "./incidents.ts";
import { QuotasSchema } from "./quotas.ts";
import { ScheduledSchema } from "../cron/schemas.ts";
import { AckSchema, PublishSchema, PullSchema, VisibilitySchema } from "../queue/schemas.ts";
import { BulkDeleteSchema, BulkPutSchema, NamespaceCreateSchema } from "../kv/admin.ts";
import { BucketCreateSchema } from "../r2/admin.ts";
import { DatabaseCreateSchema, QuerySchema } from "../d1/admin.ts";

interface Operation {
  summary: string;
  body?: z.ZodType;
  ok: number;
  operator?: true;
  /** Answered without a token (outside `/v1`, before authentication). */
  open?: true;
}

const OPERATIONS: Record<string, Record<string, Operation>> = {
  "/healthz": { get: { summary: "Liveness: {ok: true} once the runner answers", ok: 200, open: true } },
  "/readyz": { get: { summary: "Readiness: whether this process reaches the database, and its latency (503 when not)", ok: 200, open: true } },
  "/openapi.json": { get: { summary: "This document", ok: 200, open: true } },
  "/metrics": { get: { summary: "The host's metrics in Prometheus's text format (docs/operations.md, Metrics)", ok: 200, operator: true } },
  "/v1/workers": { get: { summary: "List workers (a tenant token sees its own)", ok: 200 } },
  "/v1/workers/{name}": {
    put: { summary: "Deploy a version and point the worker at it (201 new, 200 unchanged)", body: DeploySchema, ok: 201 },
    get: { summary: "The worker: serving version, rollout, routes, suspension, per-invocation limit hits", ok: 200 },
    delete: { summary: "Delete the worker, its routes and versions (KV data stays)", ok: 204 },
  },
  "/v1/workers/{name}/versions": { get: { summary: "Stored versions, ascending deploy time", ok: 200 } },
  "/v1/workers/{name}/versions/{version}": { delete: { summary: "Delete a version (no-op if absent; refused while serving)", ok: 200 } },
  "/v1/workers/{name}/rollback": { post: { summary: "Point the worker at a stored version (default: the previous one)", body: RollbackSchema, ok: 200 } },
  "/v1/workers/{name}/rollout": { post: { summary: "Send a percentage of traffic to another stored version", body: RolloutSchema, ok: 200 } },
  "/v1/workers/{name}/rollout/promote": { post: { summary: "Make the rollout version serve all traffic", ok: 200 } },
  "/v1/workers/{name}/rollout/abort": { post: { summary: "Drop the rollout version", ok: 200 } },
  "/v1/workers/{name}/resume": { post: { summary: "Lift the worker's suspension (a tenant token: its own workers)", ok: 200 } },
  "/v1/workers/{name}/logs": {
    get: {
      summary:
        "Stored invocations of the worker, newest first, with their console lines and exceptions (?since=, ?until=, ?level=, ?status=, ?outcome=, ?method=, ?search=, ?limit= 1-500, default 50, ?cursor= the previous page's cursor); `dropped`: invocations not stored",
      ok: 200,
    },
  },
  "/v1/workers/{name}/tail": {
    get: {
      summary: "Invocations of the worker as they are stored, one JSON object a line (NDJSON; the filters of /logs, ?after= an id to resume from)",
      ok: 200,
    },
  },
  "/v1/routes": { get: { summary: "Route patterns, ordered by worker name", ok: 200 } },
  "/v1/domains": { get: { summary: "Registered domains (a tenant token sees its own)", ok: 200 } },
  "/v1/domains/{domain}": {
    put: {
      summary: "Register a domain or *.domain to a tenant (operators; tenants only with OUTPOST_DOMAIN_CLAIMS=open) (201 new, 200 already its own)",
      body: DomainClaimSchema,
      ok: 201,
    },
    delete: { summary: "Remove a domain (the owner or an operator; refused while the owner's routes use it)", ok: 204 },
  },
  "/v1/tokens": {
    post: { summary: "Create a token (the secret is returned only now)", body: TokenSchema, ok: 201, operator: true },
    get: { summary: "List tokens (no secrets)", ok: 200, operator: true },
  },
  "/v1/tokens/{id}": { delete: { summary: "Revoke a token", ok: 204, operator: true } },
  "/v1/workers/{name}/secrets": {
    get: { summary: "The worker's secret names (never values)", ok: 200 },
    put: { summary: "Set several secret bindings at once (name → value); the next request sees them all", body: SecretsBulkSchema, ok: 200 },
  },
  "/v1/workers/{name}/secrets/{secret}": {
    put: { summary: "Set a secret binding; the next request sees it", body: SecretValueSchema, ok: 204 },
    delete: { summary: "Delete a secret binding", ok: 204 },
  },
  "/v1/vault": { get: { summary: "The tenant vault's secret names (never values; ?tenant= for operators)", ok: 200 } },
  "/v1/vault/{secret}": {
    put: { summary: "Set a vault secret", body: SecretValueSchema, ok: 204 },
    delete: { summary: "Delete a vault secret", ok: 204 },
  },
  "/v1/secrets/rotate-key": { post: { summary: "Re-encrypt every secret under a new data key, without downtime", ok: 200, operator: true } },
  "/v1/assets/missing": { post: { summary: "Which asset hashes the tenant has not uploaded yet", ok: 200 } },
  "/v1/assets/{hash}": { put: { summary: "Upload one asset (the body; checked against its SHA-256)", ok: 204 } },
  "/v1/maintenance/sweep": { post: { summary: "Delete expired KV entries and unreferenced storage blobs now", ok: 200, operator: true } },
  "/v1/queues": {
    get: { summary: "Queues with depth, in-flight, delayed, oldest message age, dead-lettered and dropped counts, consumer (?tenant= for operators)", ok: 200 },
  },
  "/v1/queues/{name}/purge": { post: { summary: "Delete every message of the queue", ok: 200 } },
  "/v1/queues/{name}/messages": {
    get: {
      summary:
        "Browse the queue's messages in send order without leasing them (?limit= 1-100, default 50, ?cursor= the previous page's cursor): id, state (ready, delayed, leased), attempts, the first 1 KiB of the body",
      ok: 200,
    },
    post: { summary: "Publish messages (json, text or base64 bytes bodies)", body: PublishSchema, ok: 201 },
  },
  "/v1/queues/{name}/messages/pull": {
    post: { summary: "Lease up to batch_size (1-10) messages for visibility_timeout_ms (default 30 s)", body: PullSchema, ok: 200 },
  },
  "/v1/queues/{name}/messages/ack": { post: { summary: "Acknowledge and retry (nack) leased messages by lease_id; idempotent", body: AckSchema, ok: 200 } },
  "/v1/queues/{name}/messages/visibility": { post: { summary: "Move the end of a lease", body: VisibilitySchema, ok: 200 } },
  "/v1/kv/namespaces": {
    get: { summary: "KV namespaces (a tenant token sees its own; ?tenant= for operators)", ok: 200 },
    post: { summary: "Create a KV namespace (?tenant= for operators)", body: NamespaceCreateSchema, ok: 201 },
  },
  "/v1/kv/namespaces/{namespace}": { delete: { summary: "Delete a KV namespace and its keys (refused while a stored version binds it)", ok: 204 } },
  "/v1/kv/namespaces/{namespace}/keys": { get: { summary: "List keys (?prefix=, ?limit= 1-1000, ?cursor=), as a binding's list()", ok: 200 } },
  "/v1/kv/namespaces/{namespace}/values/{key}": {
    get: { summary: "A key's value (bytes; its metadata and expiration are in the key listing)", ok: 200 },
    put: { summary: "Write a key: the body is the value (?expiration_ttl=, ?expiration=, ?metadata= JSON)", ok: 204 },
    delete: { summary: "Delete a key (no error if absent)", ok: 204 },
  },
  "/v1/kv/namespaces/{namespace}/bulk": { put: { summary: "Write up to 10,000 pairs; all are checked before any is written", body: BulkPutSchema, ok: 200 } },
  "/v1/kv/namespaces/{namespace}/bulk/delete": { post: { summary: "Delete up to 10,000 keys", body: BulkDeleteSchema, ok: 200 } },
  "/v1/r2/buckets": {
    get: { summary: "R2 buckets (a tenant token sees its own; ?tenant= for operators)", ok: 200 },
    post: { summary: "Create an R2 bucket (?tenant= for operators)", body: BucketCreateSchema, ok: 201 },
  },
  "/v1/r2/buckets/{bucket}": { delete: { summary: "Delete an empty R2 bucket (refused while a stored version binds it)", ok: 204 } },
  "/v1/r2/buckets/{bucket}/objects": {
    get: { summary: "List objects (?prefix=, ?delimiter=, ?cursor=, ?startAfter=, ?limit= 1-1000), as a binding's list() with httpMetadata", ok: 200 },
  },
  "/v1/r2/buckets/{bucket}/objects/{key}": {
    get: { summary: "An object's bytes, with etag and HTTP metadata headers", ok: 200 },
    put: { summary: "Write an object: the body (streamed); content-type and the other HTTP metadata headers are kept", ok: 201 },
    delete: { summary: "Delete an object (no error if absent)", ok: 204 },
  },
  "/v1/d1/databases": {
    get: { summary: "D1 databases (a tenant token sees its own; ?tenant= for operators)", ok: 200 },
    post: { summary: "Create a D1 database (?tenant= for operators)", body: DatabaseCreateSchema, ok: 201 },
  },
  "/v1/d1/databases/{database}": {
    get: { summary: "A D1 database: its wrangler database_id, tables and file size", ok: 200 },
    delete: { summary: "Delete a D1 database and its tables (refused while a stored version binds it)", ok: 204 },
  },
  "/v1/d1/databases/{database}/query": {
    post: { summary: "Run SQL (several statements: one transaction, as batch()); each statement's rows and meta", body: QuerySchema, ok: 200 },
  },
  "/v1/d1/databases/{database}/export": {
    get: {
      summary:
        "A page of the database as SQL, {sql, cursor}: ?no_data=true, ?no_schema=true, ?table= (repeated); the next page with ?cursor= until cursor is null",
      ok: 200,
    },
  },
  "/v1/d1/databases/{database}/time-travel/bookmark": {
    get: { summary: "Time Travel: the database's bookmark now, or at ?timestamp= (RFC 3339 or Unix seconds, in the past): {bookmark, at}", ok: 200 },
  },
  "/v1/d1/databases/{database}/time-travel/restore": {
    post: {
      summary:
        "Time Travel: restore the database to ?bookmark= or ?timestamp= (one of them; or a JSON body {bookmark} or {timestamp}) → {bookmark, previous_bookmark, message}; previous_bookmark undoes it",
      ok: 200,
    },
  },
  "/v1/workers/{name}/scheduled": {
    get: { summary: "The worker's recent cron runs (?limit=, default 20), newest first, with outcome and attempts", ok: 200 },
    post: { summary: "Run the worker's scheduled() handler now, as a tick claimed once across hosts (retried like any tick)", body: ScheduledSchema, ok: 200 },
  },
  "/v1/audit": {
    get: {
      summary: "Audit log, newest first (?tenant=, ?limit= 1-500, default 50, ?before= the previous page's next); a tenant token reads its own tokens' entries",
      ok: 200,
    },
  },
  "/v1/usage": { get: { summary: "The acting tenant's usage and quota of each resource (?tenant= for operators)", ok: 200 } },
  "/v1/tenants/{tenant}/usage": { get: { summary: "The tenant's usage and quota of each resource (a tenant token: its own)", ok: 200 } },
  "/": { get: { summary: "The web dashboard (docs/dashboard.md)", ok: 200, open: true } },
  "/dashboard/{file}": { get: { summary: "The dashboard's script, style sheet and icon", ok: 200, open: true } },
  "/v1/session": {
    post: { summary: "Dashboard login: the bearer token becomes an HttpOnly session cookie; answers {tenant, csrf}", ok: 200 },
    get: { summary: "The session's tenant (a session's requests send its CSRF token as x-csrf-token)", ok: 200 },
    delete: { summary: "Log out: clears the session cookie", ok: 204 },
  },
  "/v1/incidents": { get: { summary: "The newest 100 incidents (a tenant token: those blamed on its workers)", ok: 200 } },
  "/v1/tenants/{tenant}/quotas": {
    put: { summary: "Set the tenant's quotas; resources not named return to their defaults", body: QuotasSchema, ok: 200, operator: true },
    patch: { summary: "Change the named quotas (null: back to the default)", body: QuotasSchema, ok: 200, operator: true },
  },
  "/v1/maintenance/incidents": {
    post: {
      summary: "Report a killed process and the invocations in flight on it; may suspend the worker blamed (201)",
      body: IncidentSchema,
      ok: 201,
      operator: true,
    },
  },
  "/v1/maintenance/metrics": { get: { summary: "This process's own counters as JSON, for the supervisor's /metrics", ok: 200, operator: true } },
  "/v1/maintenance/tick": {
    post: { summary: "Scheduler heartbeat: starts this host's queue delivery and cron timers, reports them", ok: 200, operator: true },
  },
  "/v1/maintenance/owners": {
    post: { summary: "Lease tick: renews this process's object leases when due, adopts its seat's orphans", ok: 200, operator: true },
  },
  "/v1/maintenance/owners/release": {
    post: { summary: "Lets go of this process's object leases before it stops (no new calls served here)", ok: 200, operator: true },
  },
};

const ERROR = {
  description: "Error",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: { error: { type: "object", properties: { code: { type: "string", pattern: "^ERR_" }, message: { type: "string" } } } },
      },
    },
  },
};

export function openApiDocument(): unknown {
  const paths: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    const parameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } }));
    paths[path] = Object.fromEntries(
      Object.entries(methods).map(([method, op]) => [
        method,
        {
          summary: op.operator ? `${op.summary} (operator token)` : op.summary,
          ...(op.open ? { security: [] } : {}),
          ...(parameters.length > 0 ? { parameters } : {}),
          ...(op.body
            ? { requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(op.body, { io: "input", unrepresentable: "any" }) } } } }
            : {}),
          responses: { [op.ok]: { description: "OK" }, "4XX": ERROR },
        },
      ]),
    );
  }
  return {
    openapi: "3.1.0",
    info: { title: "Outpost admin API", version: "1" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}
