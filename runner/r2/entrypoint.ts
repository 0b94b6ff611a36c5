import { WorkerEntrypoint } from "cloudflare:workers";
import { z } from "zod/v4";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { type Sql, database } from "../db/client.ts";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import { fromHex, randomHex, toHex } from "../encoding.ts";
import { compareBytes, prefixEnd, successor } from "../key-range.ts";
import { BlobGone, type BlobStore, blobStore, concatInto } from "../blobs/store.ts";
import { CHECKSUMS, type ChecksumName, R2_LIMITS, STORAGE_CLASSES, type StorageClass } from "./constants.ts";
import { R2Error, badDigest } from "./errors.ts";
import { MAX_PRESIGN_SECONDS, PRESIGN_METHODS, signPresigned } from "./presign.ts";
import { R2_SQL, type ObjectRow, type PartRow, type SavedObjectRow, type UploadRow } from "./sql.ts";
import { BLOB_SQL, PENDING_BLOB_GRACE } from "../blobs/sql.ts";
import { deleteBlobs } from "../blobs/sweep.ts";
import { QuotaExceeded } from "../quota/resources.ts";
import { writeBlob } from "./write-blob.ts";
import { signingKey } from "../vault/signing.ts";
import { type Conditional, checkCustomMetadata, checkListLimit, checkMetadataText, conditionHolds, keyBytes, resolveRange } from "./validate.ts";
import { argumentParser } from "../errors.ts";
import type { GetObjectResult, ListObjectsResult, ObjectMeta, R2Props, R2Runner, UploadedPart } from "./contract.ts";
import { StorageUnavailable, storageDb, storageStep, tenantFacing } from "../tenant-errors.ts";

/** How createUpload names uploads. */
const UPLOAD_ID = /^[0-9a-f]{64}$/;

/** Reads of an object replaced while being read (see getObject) before giving up. */
const GET_ATTEMPTS = 3;

// Shapes at the trust boundary; the shim sends exactly these.
// Not z.record: it reads `input.constructor`, so metadata with a key "constructor" (any key is
// valid in R2) would be refused.
const Strings = z.custom<Record<string, string>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === "string"),
  "metadata is an object of strings",
);
const ConditionalSchema = z
  .object({
    etagMatches: z.array(z.string()).optional(),
    etagDoesNotMatch: z.array(z.string()).optional(),
    uploadedBefore: z.number().optional(),
    uploadedAfter: z.number().optional(),
    secondsGranularity: z.boolean().optional(),
  })
  .strict();
const GetSchema = z
  .object({
    range: z.object({ offset: z.number().int().optional(), length: z.number().int().optional(), suffix: z.number().int().optional() }).strict().optional(),
    onlyIf: ConditionalSchema.optional(),
  })
  .strict();
const PutSchema = z
  .object({
    httpMetadata: Strings.optional(),
    customMetadata: Strings.optional(),
    checksum: z
      .object({ name: z.enum(Object.keys(CHECKSUMS) as [ChecksumName]), hex: z.string().regex(/^[0-9a-f]+$/) })
      .strict()
      .optional(),
    onlyIf: ConditionalSchema.optional(),
    storageClass: z.enum(STORAGE_CLASSES).optional(),
  })
  .strict();
const ListSchema = z
  .object({
    prefix: z.string().optional(),
    delimiter: z.string().optional(),
    cursor: z.string().optional(),
    startAfter: z.string().optional(),
    limit: z.number().optional(),
    include: z.array(z.enum(["httpMetadata", "customMetadata"])).optional(),
  })
  .strict();
const PresignSchema = z.object({ method: z.enum(PRESIGN_METHODS).optional(), expiresIn: z.number().int().min(1).max(MAX_PRESIGN_SECONDS).optional() }).strict();
const Value = z.union([z.instanceof(ReadableStream), z.instanceof(Uint8Array)]);

const arg = argumentParser("R2");
const decoder = new TextDecoder();

/**
 * The R2 binding's server side. Object bytes stream through (no whole-object buffering);
 * metadata changes only after a blob was written whole.
 */
export class R2 extends WorkerEntrypoint<Env, R2Props> implements R2Runner {
  async headObject(key: string): Promise<ObjectMeta | null> {
    const row = await this.#row("head", key);
    return row ? meta(row) : null;
  }

  /** null: no object. `body` null: a precondition failed (Cloudflare returns the object without body). */
  async getObject(key: string, options?: unknown): Promise<GetObjectResult> {
    const { range, onlyIf } = arg(GetSchema, options ?? {});
    // A put or delete elsewhere may replace the object (and delete its blob) between reading the
    // metadata and opening the blob: then the object is read again, as it now is.
    for (let attempt = 1; ; attempt++) {
      const row = await this.#row("get", key);
      if (!row) return null;
      const object = meta(row);
      if (!conditionHolds(onlyIf as Conditional | undefined, object)) return { meta: object, body: null };
      const resolved = resolveRange(range, object.size);
      const span = resolved ?? { offset: 0, length: object.size };
      try {
        const body = await this.#blobCall(() => this.#read(row.blobs, row.part_sizes.map(Number), span.offset, span.length));
        return { meta: resolved ? { ...object, range: resolved } : object, body };
      } catch (error) {
        if (!(error instanceof BlobGone) || attempt >= GET_ATTEMPTS) throw error instanceof BlobGone ? new StorageUnavailable("blob store", error) : error;
      }
    }
  }

  /** null when `onlyIf` does not hold (nothing is written). */
  async putObject(key: string, value: unknown, options?: unknown): Promise<ObjectMeta | null> {
    const bytes = keyBytes("put", arg(z.string(), key));
    const body = arg(Value, value);
    const { httpMetadata = {}, customMetadata = {}, checksum, onlyIf, storageClass = "Standard" } = arg(PutSchema, options ?? {});
    checkCustomMetadata("put", customMetadata);
    for (const metadata of [httpMetadata, customMetadata]) checkMetadataText("put", metadata);
    const condition = onlyIf as Conditional | undefined;
    // Checked before the upload so a failing condition costs no transfer; checked again, atomically, at commit.
    if (condition && !conditionHolds(condition, await this.#current("put", key))) return null;
    const algorithms: ChecksumName[] = checksum && checksum.name !== "md5" ? ["md5", checksum.name] : ["md5"];
    await this.#fitsQuota(bytes, body);
    const { blob, size, digests } = await this.#newBlob("put", body, algorithms);
    if (checksum && digests[checksum.name] !== checksum.hex) {
      await this.#collect([blob]);
      throw badDigest("put", CHECKSUMS[checksum.name], checksum.hex, digests[checksum.name] ?? "");
    }
    const params = [
      bytes,
      randomHex(),
      size,
      digests.md5 ?? "",
      JSON.stringify(digests),
      JSON.stringify(httpMetadata),
      JSON.stringify(customMetadata),
      [blob],
      [size],
      storageClass,
    ];
    const row = await this.#refusable([blob], async () => (condition ? await this.#putIf(key, condition, params) : (await this.#query(R2_SQL.put, params))[0]));
    if (!row) {
      await this.#collect([blob]);
      if (condition) return null;
      throw new R2Error("put", "INTERNAL");
    }
    await this.#collect(row.replaced);
    return meta(row);
  }

  /**
   * Writes only while `condition` holds for the object being replaced: a compare-and-swap on the
   * version it was judged on, re-judged whenever another write got in between. undefined: the
   * condition failed and nothing was written.
   */
  async #putIf(key: string, condition: Conditional, params: unknown[]): Promise<SavedObjectRow | undefined> {
    for (;;) {
      const current = await this.#current("put", key);
      if (!conditionHolds(condition, current)) return undefined;
      const [row] = current ? await this.#query(R2_SQL.putIfVersion, [...params, current.version]) : await this.#query(R2_SQL.putIfAbsent, params);
      if (row) return row;
    }
  }

  async deleteObjects(keys: unknown): Promise<void> {
    const names = arg(z.array(z.string()).max(1000), keys);
    if (names.length === 0) return;
    const rows = await this.#query(R2_SQL.delete, [names.map((name) => toHex(keyBytes("delete", name)))]);
    await this.#collect(rows.flatMap((row) => row.blobs));
  }

  async listObjects(options?: unknown): Promise<ListObjectsResult> {
    const { prefix = "", delimiter: givenDelimiter, cursor, startAfter, limit: rawLimit, include = [] } = arg(ListSchema, options ?? {});
    // An empty delimiter is no delimiter, as in R2.
    const delimiter = givenDelimiter || undefined;
    const limit = checkListLimit(rawLimit);
    const prefixBytes = keyBytes("list", prefix);
    const end = prefixEnd(prefixBytes);
    const scope = { namespaceId: `r2:${this.ctx.props.bucketId}`, prefix: `${prefix}\n${delimiter ?? ""}` };
    const signer = await this.#signer();
    const invalidCursor = () => new TypeError("list: Invalid cursor. Pass the cursor from the previous list() result unchanged.");
    // `from` is the inclusive lower bound still to list; null once the range is exhausted.
    let from: Uint8Array | null = cursor ? await decodeCursor(signer, scope, cursor, invalidCursor) : prefixBytes;
    if (!cursor && startAfter !== undefined) from = maxBytes(prefixBytes, successor(keyBytes("list", startAfter)));

    const objects: ObjectMeta[] = [];
    const delimitedPrefixes: string[] = [];
    const room = () => limit - objects.length - delimitedPrefixes.length;
    batches: while (from && room() > 0) {
      const wanted = room();
      const rows = await this.#query(R2_SQL.list, [from, end, wanted]);
      for (const row of rows) {
        const key = row.key;
        const name = decoder.decode(key);
        const cut = delimiter === undefined ? -1 : name.indexOf(delimiter, prefix.length);
        if (cut !== -1) {
          // Every key under a common prefix counts once: list it, then continue after all of them.
          const common = name.slice(0, cut + (delimiter as string).length);
          delimitedPrefixes.push(common);
          from = prefixEnd(new TextEncoder().encode(common));
          continue batches;
        }
        objects.push(listed(meta(row), include));
        from = successor(key);
      }
      if (rows.length < wanted) from = null;
    }
    const truncated = from !== null && (await this.#query(R2_SQL.list, [from, end, 1])).length > 0;
    if (!truncated || !from) return { objects, truncated: false, delimitedPrefixes };
    return { objects, truncated: true, cursor: await encodeCursor(signer, scope, from), delimitedPrefixes };
  }

  async createUpload(key: string, options?: unknown): Promise<string> {
    const bytes = keyBytes("createMultipartUpload", arg(z.string(), key));
    const { httpMetadata = {}, customMetadata = {}, storageClass = "Standard" } = arg(PutSchema, options ?? {});
    checkCustomMetadata("createMultipartUpload", customMetadata);
    for (const metadata of [httpMetadata, customMetadata]) checkMetadataText("createMultipartUpload", metadata);
    const uploadId = randomHex() + randomHex();
    await this.#query(R2_SQL.createUpload, [uploadId, bytes, JSON.stringify(httpMetadata), JSON.stringify(customMetadata), storageClass]);
    return uploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, value: unknown): Promise<UploadedPart> {
    const bytes = keyBytes("uploadPart", arg(z.string(), key));
    const number = arg(z.number().int().min(1).max(R2_LIMITS.MAX_PARTS), partNumber);
    await this.#upload("uploadPart", arg(z.string(), uploadId), bytes);
    const body = arg(Value, value);
    await this.#fitsQuota(null, body);
    const { blob, size, digests } = await this.#newBlob("uploadPart", body, ["md5"]);
    const etag = randomHex();
    const [row] = await this.#refusable([blob], () => this.#query(R2_SQL.putPart, [uploadId, number, etag, digests.md5 ?? "", size, blob]));
    if (!row) {
      await this.#collect([blob]);
      throw new R2Error("uploadPart", "NO_SUCH_UPLOAD");
    }
    if (row.replaced) await this.#collect([row.replaced]);
    return { partNumber: number, etag };
  }

  async completeUpload(key: string, uploadId: string, parts: unknown): Promise<ObjectMeta> {
    const bytes = keyBytes("completeMultipartUpload", arg(z.string(), key));
    const wanted = arg(z.array(z.object({ partNumber: z.number().int(), etag: z.string() })).min(1), parts);
    const upload = await this.#upload("completeMultipartUpload", arg(z.string(), uploadId), bytes);
    const partRows = await this.#query(R2_SQL.parts, [uploadId]);
    // A completion or abort may have ended the upload since it was looked up.
    if (partRows.length === 0) throw new R2Error("completeMultipartUpload", "NO_SUCH_UPLOAD");
    const stored = new Map(partRows.filter((row): row is PartRow => row.part_number !== null).map((row) => [row.part_number, row]));
    // In the order given, as R2 joins them.
    const chosen = wanted.map((part) => {
      const row = stored.get(part.partNumber);
      if (!row || row.etag !== part.etag) throw new R2Error("completeMultipartUpload", "INVALID_PART");
      return row;
    });
    if (chosen.slice(0, -1).some((row) => Number(row.size) < R2_LIMITS.MIN_PART_BYTES)) throw new R2Error("completeMultipartUpload", "ENTITY_TOO_SMALL");
    const sizes = chosen.map((row) => Number(row.size));
    const partMd5s = chosen.map((row) => row.md5).join("");
    const etag = `${toHex(new Uint8Array(await crypto.subtle.digest("MD5", fromHex(partMd5s))))}-${chosen.length}`;
    const used = new Set(chosen.map((row) => row.blob));
    const params = [
      bytes,
      randomHex(),
      sizes.reduce((a, b) => a + b, 0),
      etag,
      JSON.stringify({}),
      JSON.stringify(upload.http_metadata),
      JSON.stringify(upload.custom_metadata),
      [...used],
      sizes,
      upload.storage_class,
    ];
    // Ending the upload and writing the object commit together, so an upload completes once: a
    // completion or abort that got in first leaves no row here, and nothing is written. The lock
    // holds part writes off, so the chosen parts, checked under it, cannot be replaced (their
    // blobs freed) before the object points at them.
    const bucketId = this.ctx.props.bucketId;
    const [, , ended, [row] = []] = await this.#db()
      .transaction([
        { text: R2_SQL.lockUpload, params: [bucketId, uploadId], requireRow: NO_SUCH_UPLOAD },
        { text: R2_SQL.partsKept, params: [bucketId, uploadId, [...used]], requireRow: PART_REPLACED },
        { text: R2_SQL.endUpload, params: [bucketId, uploadId] },
        { text: R2_SQL.put, params: [bucketId, ...params] },
      ])
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : "";
        if (message === NO_SUCH_UPLOAD) throw new R2Error("completeMultipartUpload", "NO_SUCH_UPLOAD");
        // Its etag changed with it: the part asked for is no longer there.
        if (message === PART_REPLACED) throw new R2Error("completeMultipartUpload", "INVALID_PART");
        throw error;
      });
    if (!row) throw new R2Error("completeMultipartUpload", "INTERNAL");
    const unused = partBlobs(ended).filter((blob) => !used.has(blob));
    await this.#collect([...row.replaced, ...unused]);
    return meta(row);
  }

  /** A presigned URL for one key (see presign.ts). */
  async presign(key: string, options?: unknown): Promise<string> {
    keyBytes("createPresignedUrl", arg(z.string(), key));
    const { method = "GET", expiresIn = 3600 } = arg(PresignSchema, options ?? {});
    const claims = { bucketId: this.ctx.props.bucketId, tenant: this.ctx.props.tenant, key, method, expires: Math.floor(Date.now() / 1000) + expiresIn };
    return `${this.env.CONFIG.storageOrigin}/${await signPresigned(await this.#signer(), claims)}`;
  }

  async abortUpload(key: string, uploadId: string): Promise<void> {
    const bytes = keyBytes("abortMultipartUpload", arg(z.string(), key));
    await this.#upload("abortMultipartUpload", arg(z.string(), uploadId), bytes);
    // Only the parts this abort ended: an upload completed meanwhile keeps its object's blobs.
    const bucketId = this.ctx.props.bucketId;
    const [, ended] = await this.#db().transaction([
      { text: R2_SQL.lockUpload, params: [bucketId, uploadId] },
      { text: R2_SQL.endUpload, params: [bucketId, uploadId] },
    ]);
    await this.#collect(partBlobs(ended));
  }

  async #row(operation: string, key: string): Promise<ObjectRow | undefined> {
    const [row] = await this.#query(R2_SQL.head, [keyBytes(operation, arg(z.string(), key))]);
    return row;
  }

  async #current(operation: string, key: string): Promise<ObjectMeta | undefined> {
    const row = await this.#row(operation, key);
    return row ? meta(row) : undefined;
  }

  async #upload(operation: string, uploadId: string, key: Uint8Array): Promise<UploadRow> {
    // Only ids createUpload made can name an upload; anything else (a NUL, say) is not looked up.
    const [row] = UPLOAD_ID.test(uploadId) ? await this.#query(R2_SQL.upload, [uploadId, key]) : [];
    if (!row) throw new R2Error(operation, "NO_SUCH_UPLOAD");
    return row;
  }

  /**
   * The object's bytes in [offset, offset + length). The first blob read starts before this RPC
   * returns, and joining several (multipart) is kept alive with waitUntil: a stream handed back
   * over RPC is read after the call has ended.
   */
  async #read(blobs: string[], sizes: number[], offset: number, length: number): Promise<ReadableStream<Uint8Array>> {
    const store = this.#blobs();
    const pieces: (() => Promise<ReadableStream<Uint8Array>>)[] = [];
    let start = 0;
    blobs.forEach((blob, i) => {
      const size = sizes[i] ?? 0;
      const from = Math.max(offset, start);
      const to = Math.min(offset + length, start + size);
      const within = from - start;
      if (to > from || (length === 0 && i === 0)) pieces.push(() => store.get(blob, within, Math.max(0, to - from)));
      start += size;
    });
    const [only] = pieces;
    if (pieces.length === 1 && only) return only();
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.ctx.waitUntil(concatInto(pieces, writable));
    return readable;
  }

  /**
   * A blob store call. A store failure (S3 down, disk error) is the platform's (tenant-errors.ts);
   * the body's own errors (too large, its stream failed) and a blob gone (read again) are not.
   */
  #blobCall<T>(call: () => Promise<T>): Promise<T> {
    return storageStep("blob store", call, (error) => error instanceof R2Error || error instanceof TypeError || error instanceof BlobGone);
  }

  /**
   * Writes `body` to a fresh blob, listed in the intent log before anything is written under it
   * (see migration 0007): a crash mid-write leaves a row for the sweep, never an unlisted file,
   * and a write that fails (body too large, sender gone, store down) is collected at once.
   * Blobs are named by bucket so an operator can tell whose bytes a file holds.
   */
  async #newBlob(operation: string, body: ReadableStream | Uint8Array, algorithms: ChecksumName[]) {
    const blob = `${this.ctx.props.bucketId}-${crypto.randomUUID()}`;
    await this.#db().query(BLOB_SQL.pending, [blob, PENDING_BLOB_GRACE]);
    try {
      return { blob, ...(await this.#blobCall(() => writeBlob(this.#blobs(), blob, body, algorithms, operation))) };
    } catch (error) {
      await this.#collect([blob]).catch(() => {});
      throw error;
    }
  }

  #blobs(): BlobStore {
    return blobStore(this.env);
  }

  /** Refuses a write that cannot fit the tenant's r2_bytes quota before any of its bytes are stored. */
  async #fitsQuota(key: Uint8Array | null, body: ReadableStream | Uint8Array): Promise<void> {
    await this.#query(R2_SQL.fitsQuota, [key, this.ctx.props.tenant, body instanceof Uint8Array ? body.byteLength : 0]);
  }

  /** A write the database refused for a quota rolled back, so its new blobs are unreferenced: collected now. */
  async #refusable<T>(blobs: string[], write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof QuotaExceeded) await this.#collect(blobs).catch(() => {});
      throw error;
    }
  }

  /** Deletes blobs nothing points at any more (recorded first, so a crash leaves a note, not a leak). */
  async #collect(blobs: string[]): Promise<void> {
    if (blobs.length === 0) return;
    await this.#db().query(BLOB_SQL.garbage, [blobs]);
    // Listed now: whatever this deletion cannot finish (store or database down), the sweep does.
    await deleteBlobs(this.env, blobs).catch(() => {});
  }

  /** The key of list cursors and presigned URLs (read from Postgres until rotations are heard). */
  #signer(): Promise<CryptoKey> {
    return storageStep("database", () => signingKey(this.env));
  }

  // $1 of every statement is the bucket from props: the one thing tenant input never sets.
  async #query<R>(text: Sql<R>, params: unknown[]): Promise<R[]> {
    return this.#db().query(text, [this.ctx.props.bucketId, ...params] as never[]);
  }

  #db(): Db {
    return storageDb(database(this.env, this.ctx.props.tenant));
  }
}

/** The R2 binding's operation names, as its errors start ("get: …"). */
const R2_OPERATIONS: Record<string, string> = {
  headObject: "head",
  getObject: "get",
  putObject: "put",
  deleteObjects: "delete",
  listObjects: "list",
  createUpload: "createMultipartUpload",
  uploadPart: "uploadPart",
  completeUpload: "completeMultipartUpload",
  abortUpload: "abortMultipartUpload",
  presign: "createPresignedUrl",
};

tenantFacing<R2Props>(R2, {
  binding: "R2",
  operation: (method) => R2_OPERATIONS[method] ?? method,
  internal: (operation) => new R2Error(operation, "INTERNAL"),
});

/** The message a completion's transaction is refused with when its upload is gone. */
const NO_SUCH_UPLOAD = "upload gone";
/** …and when a part it chose was re-uploaded after it read the parts. */
const PART_REPLACED = "part replaced";

/** The blobs of the parts an ended upload had (endUpload's rows). */
function partBlobs(rows: { blob: string | null }[] | undefined): string[] {
  return (rows ?? []).flatMap((row) => (row.blob === null ? [] : [row.blob]));
}

function meta(row: ObjectRow): ObjectMeta {
  return {
    key: decoder.decode(row.key),
    version: row.version,
    size: Number(row.size),
    etag: row.etag,
    checksums: row.checksums,
    httpMetadata: row.http_metadata,
    customMetadata: row.custom_metadata,
    uploaded: row.uploaded,
    storageClass: row.storage_class,
  };
}

function listed(object: ObjectMeta, include: string[]): ObjectMeta {
  return {
    ...object,
    httpMetadata: include.includes("httpMetadata") ? object.httpMetadata : {},
    customMetadata: include.includes("customMetadata") ? object.customMetadata : {},
  };
}

function maxBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) >= 0 ? a : b;
}
