import { WorkerEntrypoint } from "cloudflare:workers";
import { z } from "zod/v4";
import { type Sql, database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { BindingError, argumentParser } from "../errors.ts";
import { cached, invalidate, readToken, remember, slotKey } from "./cache.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { signingKey } from "../vault/signing.ts";
import { prefixEnd, successor } from "../key-range.ts";
import { KV_SQL } from "./sql.ts";
import { KV_LIMITS } from "./constants.ts";
import { randomHex, toHex } from "../encoding.ts";
import {
  validateBulkKeys,
  validateBulkType,
  validateCacheTtl,
  validateKey,
  validateKeyLength,
  validateListLimit,
  validatePutOptions,
  validateValueSize,
} from "./validate.ts";
import type { KvBulkEntry, KvBulkRunner, KvEntry, KvListResult, KvProps, KvRunner } from "./contract.ts";
import { storageDb, storageStep, tenantFacing } from "../tenant-errors.ts";

// The trust boundary: shapes are checked here, Cloudflare's semantic rules in validate.ts.
const KeySchema = z.string();
const ValueSchema = z.union([z.string(), z.instanceof(Uint8Array)]);
const NumberOption = z.number().optional();
const PutOptionsSchema = z.object({ expiration: NumberOption, expirationTtl: NumberOption, metadata: z.string().optional() }).strict().default({});
const BulkWriteSchema = z.array(z.object({ key: KeySchema, value: ValueSchema, options: PutOptionsSchema }).strict()).max(KV_LIMITS.MAX_BULK_WRITE_KEYS);
const ListOptionsSchema = z.object({ prefix: z.string().optional(), limit: NumberOption, cursor: z.string().optional() }).strict().default({});

const arg = argumentParser("KV");
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The KV binding's server side (its method names: see contract.ts). */
export class Kv extends WorkerEntrypoint<Env, KvProps> implements KvRunner, KvBulkRunner {
  async read(key: string, cacheTtl?: number): Promise<KvEntry | null> {
    const keyBytes = validateKey("KV GET", arg(KeySchema, key));
    validateCacheTtl("KV GET", arg(NumberOption, cacheTtl));
    const slot = this.#slot(keyBytes);
    const hit = cached(slot, now());
    if (hit !== undefined) return hit;
    const token = readToken();
    const [row] = await this.#query(KV_SQL.get, [keyBytes, now()]);
    const entry = row
      ? {
          value: row.value,
          metadata: row.metadata,
          expiration: row.expiration === null ? null : Number(row.expiration),
          version: row.version,
        }
      : null;
    remember(this.ctx.props.tenant, slot, entry, token);
    return entry;
  }

  /** Bulk get: entries in the order of `keys`, null where absent. */
  async readMany(keys: string[], type: string): Promise<(KvBulkEntry | null)[]> {
    const names = arg(z.array(KeySchema), keys);
    validateBulkKeys(names);
    validateBulkType(arg(z.string(), type));
    const hexKeys = names.map((name) => toHex(validateKey("KV GET_BULK", name)));
    const rows = await this.#query(KV_SQL.getMany, [hexKeys, now()]);
    const found = new Map(rows.map((row) => [toHex(row.key), row]));
    return hexKeys.map((hex) => {
      const row = found.get(hex);
      return row ? { value: row.value, metadata: row.metadata } : null;
    });
  }

  async exists(key: string): Promise<boolean> {
    const keyBytes = validateKey("KV GET", arg(KeySchema, key));
    const hit = cached(this.#slot(keyBytes), now());
    if (hit !== undefined) return hit !== null;
    return (await this.#query(KV_SQL.exists, [keyBytes, now()])).length > 0;
  }

  /** Returns the new entry's version. */
  async write(key: string, value: string | Uint8Array, options?: unknown): Promise<string> {
    const params = this.#putParams(key, value, options);
    const [row] = await this.#change(KV_SQL.put, [...params, randomHex()]);
    return row?.version as string;
  }

  /** Creates the entry only if no visible one exists; returns the new version, or null. */
  async writeIfAbsent(key: string, value: string | Uint8Array, options?: unknown): Promise<string | null> {
    const [row] = await this.#change(KV_SQL.putIfAbsent, [...this.#putParams(key, value, options), randomHex(), now()]);
    return row?.version ?? null;
  }

  /** Replaces the entry only if its version is still `version`; returns the new version, or null. */
  async writeIfVersion(key: string, value: string | Uint8Array, version: string, options?: unknown): Promise<string | null> {
    const expected = arg(z.string().regex(/^[0-9a-f]{32}$/, "version must be a version string returned by getWithVersion()"), version);
    const [keyBytes, valueBytes, metadata, expiration] = this.#putParams(key, value, options);
    const [row] = await this.#change(KV_SQL.putIfVersion, [keyBytes, now(), valueBytes, metadata, expiration, expected, randomHex()]);
    return row?.version ?? null;
  }

  async remove(key: string): Promise<void> {
    const keyBytes = validateKey("KV DELETE", arg(KeySchema, key));
    await this.#change(KV_SQL.delete, [keyBytes]);
  }

  async writeMany(entries: unknown): Promise<void> {
    const parsed = arg(BulkWriteSchema, entries);
    // By key, so a later duplicate replaces an earlier one (one statement cannot write a key twice).
    const rows = new Map<string, [string, string | null, number | null]>();
    for (const entry of parsed) {
      const [keyBytes, valueBytes, metadata, expiration] = this.#putParams(entry.key, entry.value, entry.options);
      rows.delete(toHex(keyBytes));
      rows.set(toHex(keyBytes), [toHex(valueBytes), metadata, expiration]);
    }
    const columns = [...rows.values()];
    await this.#changeMany(KV_SQL.putMany, [
      [...rows.keys()],
      columns.map((row) => row[0]),
      columns.map((row) => row[1]),
      columns.map((row) => row[2]),
      columns.map(() => randomHex()),
    ]);
  }

  async removeMany(keys: unknown): Promise<void> {
    const names = arg(z.array(KeySchema).max(KV_LIMITS.MAX_BULK_WRITE_KEYS), keys);
    const hexKeys = [...new Set(names.map((name) => toHex(validateKey("KV DELETE", name))))];
    await this.#changeMany(KV_SQL.deleteMany, [hexKeys]);
  }

  async list(options?: unknown): Promise<KvListResult> {
    const parsed = arg(ListOptionsSchema, options);
    const prefix = parsed.prefix ?? "";
    const prefixBytes = validateKeyLength("KV GET", prefix);
    const limit = validateListLimit(parsed.limit);
    const scope = { namespaceId: this.ctx.props.namespaceId, prefix };
    const signer = await storageStep("database", () => signingKey(this.env));
    const from = parsed.cursor ? successor(await decodeCursor(signer, scope, parsed.cursor)) : prefixBytes;
    const rows = await this.#query(KV_SQL.list, [from, now(), prefixEnd(prefixBytes), limit + 1]);
    const page = rows.slice(0, limit);
    const keys = page.map((row) => {
      const key: KvListResult["keys"][number] = { name: decoder.decode(row.key) };
      if (row.expiration !== null) key.expiration = Number(row.expiration);
      if (row.metadata !== null) key.metadata = JSON.parse(row.metadata);
      return key;
    });
    const last = page.at(-1);
    if (rows.length <= limit || !last) return { keys, list_complete: true };
    return { keys, list_complete: false, cursor: await encodeCursor(signer, scope, last.key) };
  }

  #putParams(key: string, value: string | Uint8Array, options: unknown): [Uint8Array, Uint8Array, string | null, number | null] {
    const keyBytes = validateKey("KV PUT", arg(KeySchema, key));
    const parsedValue = arg(ValueSchema, value);
    const valueBytes = typeof parsedValue === "string" ? encoder.encode(parsedValue) : parsedValue;
    validateValueSize(valueBytes.byteLength);
    const { expiration, metadata } = validatePutOptions(arg(PutOptionsSchema, options), now());
    return [keyBytes, valueBytes, metadata, expiration];
  }

  /**
   * A statement that changes the entry whose key is params[0]. This host's cache forgets the key
   * before the call returns (read-your-writes); other hosts hear of it through NOTIFY.
   */
  async #change<R>(text: Sql<R>, params: [Uint8Array, ...(Uint8Array | string | number | null)[]]) {
    const slot = this.#slot(params[0]);
    try {
      return await this.#query(text, params);
    } finally {
      invalidate(slot);
    }
  }

  /** A statement that changes the entries whose hex keys are params[0]; as #change, for each. */
  async #changeMany(text: Sql<unknown>, params: [string[], ...(string | number | null)[][]]) {
    try {
      await this.#query(text, params);
    } finally {
      for (const hex of params[0]) invalidate(slotKey(this.ctx.props.namespaceId, hex));
    }
  }

  #slot(keyBytes: Uint8Array): string {
    return slotKey(this.ctx.props.namespaceId, toHex(keyBytes));
  }

  // Every statement's $1 is the namespace from props: the one thing tenant input never sets.
  async #query<R>(text: Sql<R>, params: (Uint8Array | string | number | null | (string | number | null)[])[]): Promise<R[]> {
    return storageDb(database(this.env, this.ctx.props.tenant)).query(text, [this.ctx.props.namespaceId, ...params]);
  }
}

/** workerd's operation names in KV errors ("KV GET failed: …"); list() reports as GET too. */
const KV_OPERATIONS: Record<string, string> = {
  read: "GET",
  readMany: "GET_BULK",
  exists: "GET",
  list: "GET",
  write: "PUT",
  writeIfAbsent: "PUT",
  writeIfVersion: "PUT",
  remove: "DELETE",
  writeMany: "PUT",
  removeMany: "DELETE",
};

// workerd words a failed KV call "KV <operation> failed: <status> <status text>".
tenantFacing<KvProps>(Kv, {
  binding: "KV",
  operation: (method) => KV_OPERATIONS[method] ?? method,
  internal: (operation) => new BindingError(`KV ${operation}`, 500, "Internal Server Error"),
});

export function now(): number {
  return Math.floor(Date.now() / 1000);
}
