import { WorkerEntrypoint } from "cloudflare:workers";
import { z } from "zod/v4";
import type { Env } from "../env.ts";
import { argumentParser } from "../errors.ts";
import { storageStep, tenantFacing } from "../tenant-errors.ts";
import { D1_ERROR } from "./constants.ts";
import type { D1Answer, D1Props, D1QueryOptions, D1Runner } from "./contract.ts";
import { d1Object } from "./owner.ts";
import { recordSize, sizeLimit } from "./size.ts";
import { limitRefusal } from "./validate.ts";

// The trust boundary: shapes are checked here, D1's limits in validate.ts, SQL by the object.
const ValueSchema = z.union([z.number(), z.string(), z.null(), z.instanceof(Uint8Array)]);
const QueriesSchema = z.array(z.object({ sql: z.string(), params: z.array(ValueSchema) }).strict());
const OptionsSchema = z.object({ bookmark: z.boolean().optional() }).strict().default({});

const arg = argumentParser("D1");

/** The D1 binding's server side: the database is the one in props, never an argument. */
export class D1 extends WorkerEntrypoint<Env, D1Props> implements D1Runner {
  async query(queries: unknown, options?: unknown): Promise<D1Answer> {
    const parsed = arg(QueriesSchema, queries);
    const { bookmark } = arg(OptionsSchema, options);
    const refusal = limitRefusal(parsed);
    if (refusal) return refusal;
    const { tenant, databaseId, invocation } = this.ctx.props;
    const background = (work: Promise<unknown>) => this.ctx.waitUntil(work);
    const maxSize = await sizeLimit(this.env, tenant, databaseId, background);
    const asked: D1QueryOptions = { ...(bookmark ? { bookmark } : {}), ...(maxSize === undefined ? {} : { maxSize }) };
    const answer = await storageStep("D1 database", () => d1Object(this.env, databaseId, invocation).query(parsed, asked));
    const size = answer.ok ? answer.results.at(-1)?.meta.size_after : undefined;
    if (size !== undefined) recordSize(this.env, tenant, databaseId, size, background);
    return answer;
  }
}

// An object that failed (its process lost, its storage failing) is not the tenant's SQL: the
// tenant gets D1's error for an internal failure, the log the real one.
tenantFacing<D1Props>(D1, {
  binding: "D1",
  operation: () => "query",
  internal: () => new Error(`${D1_ERROR}: Internal error in D1 DB storage caused object to be reset.`),
});
