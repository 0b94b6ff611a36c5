// env.BUCKET in tenant isolates: Cloudflare's R2Bucket over the runner's R2 entrypoint.
import { fromHex, toHex } from "../runner/encoding.ts";
import { CHECKSUMS, type ChecksumName, STORAGE_CLASSES, type StorageClass } from "../runner/r2/constants.ts";
import type {
  GetObjectOptions,
  ListObjectsOptions,
  ObjectBody,
  ObjectMeta,
  PutObjectOptions,
  R2Runner,
  UploadOptions,
  UploadedPart,
  WireConditional,
  WireRange,
} from "../runner/r2/contract.ts";
import { checkRange } from "../runner/r2/validate.ts";
import { byteStream } from "./byte-stream.ts";

type Value = ReadableStream | ArrayBuffer | ArrayBufferView | string | null | Blob;
type Conditional = { etagMatches?: string; etagDoesNotMatch?: string; uploadedBefore?: Date; uploadedAfter?: Date; secondsGranularity?: boolean };

const encoder = new TextEncoder();
const HEX_LENGTH: Record<ChecksumName, number> = { md5: 32, sha1: 40, sha256: 64, sha384: 96, sha512: 128 };

export class R2Checksums {
  readonly md5?: ArrayBuffer;
  readonly sha1?: ArrayBuffer;
  readonly sha256?: ArrayBuffer;
  readonly sha384?: ArrayBuffer;
  readonly sha512?: ArrayBuffer;

  constructor(hex: Partial<Record<ChecksumName, string>>) {
    for (const [name, value] of Object.entries(hex)) if (value) (this as unknown as Record<string, ArrayBuffer>)[name] = fromHex(value).buffer as ArrayBuffer;
  }

  /** Hex strings, every algorithm named (undefined where absent), as workerd's R2Checksums. */
  toJSON(): Record<ChecksumName, string | undefined> {
    const json = {} as Record<ChecksumName, string | undefined>;
    for (const name of Object.keys(CHECKSUMS) as ChecksumName[]) {
      const value = this[name];
      json[name] = value ? toHex(new Uint8Array(value)) : undefined;
    }
    return json;
  }
}

export class R2Object {
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  readonly httpEtag: string;
  readonly checksums: R2Checksums;
  readonly uploaded: Date;
  readonly httpMetadata: R2HTTPMetadata;
  readonly customMetadata: Record<string, string>;
  readonly range?: { offset: number; length: number };
  readonly storageClass: string;

  constructor(meta: ObjectMeta) {
    this.key = meta.key;
    this.version = meta.version;
    this.size = meta.size;
    this.etag = meta.etag;
    this.httpEtag = `"${meta.etag}"`;
    this.checksums = new R2Checksums({ md5: meta.etag.includes("-") ? undefined : meta.etag, ...meta.checksums } as Record<ChecksumName, string>);
    this.uploaded = new Date(meta.uploaded);
    const { cacheExpiry, ...rest } = meta.httpMetadata;
    this.httpMetadata = cacheExpiry === undefined ? rest : { ...rest, cacheExpiry: new Date(cacheExpiry) };
    this.customMetadata = meta.customMetadata;
    if (meta.range) this.range = meta.range;
    this.storageClass = meta.storageClass;
  }

  writeHttpMetadata(headers: Headers): void {
    const m = this.httpMetadata;
    if (m.contentType) headers.set("content-type", m.contentType);
    if (m.contentLanguage) headers.set("content-language", m.contentLanguage);
    if (m.contentDisposition) headers.set("content-disposition", m.contentDisposition);
    if (m.contentEncoding) headers.set("content-encoding", m.contentEncoding);
    if (m.cacheControl) headers.set("cache-control", m.cacheControl);
    if (m.cacheExpiry) headers.set("expires", m.cacheExpiry.toUTCString());
  }
}

export class R2ObjectBody extends R2Object {
  readonly #response: Response;

  constructor(meta: ObjectMeta, body: ReadableStream<Uint8Array>) {
    super(meta);
    this.#response = new Response(body);
  }

  get body(): ReadableStream {
    return this.#response.body as ReadableStream;
  }

  get bodyUsed(): boolean {
    return this.#response.bodyUsed;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#response.arrayBuffer();
  }

  bytes(): Promise<Uint8Array> {
    return this.#response.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  }

  text(): Promise<string> {
    return this.#response.text();
  }

  json<T>(): Promise<T> {
    return this.#response.json();
  }

  blob(): Promise<Blob> {
    return this.#response.blob();
  }
}

export class R2MultipartUpload {
  readonly #runner: R2Runner;
  readonly key: string;
  readonly uploadId: string;

  constructor(runner: R2Runner, key: string, uploadId: string) {
    this.#runner = runner;
    this.key = key;
    this.uploadId = uploadId;
  }

  async uploadPart(partNumber: number, value: Value): Promise<UploadedPart> {
    return sendValue(value, (wire) => this.#runner.uploadPart(this.key, this.uploadId, partNumber, wire));
  }

  abort(): Promise<void> {
    return this.#runner.abortUpload(this.key, this.uploadId);
  }

  async complete(uploadedParts: UploadedPart[]): Promise<R2Object> {
    const parts = uploadedParts.map(({ partNumber, etag }) => ({ partNumber, etag }));
    return new R2Object(await this.#runner.completeUpload(this.key, this.uploadId, parts));
  }
}

export class R2Bucket {
  readonly #runner: R2Runner;

  constructor(runner: R2Runner) {
    this.#runner = runner;
  }

  async head(key: string): Promise<R2Object | null> {
    const meta = await this.#runner.headObject(String(key));
    return meta ? new R2Object(meta) : null;
  }

  async get(key: string, options?: { onlyIf?: Conditional | Headers; range?: R2Range | Headers; ssecKey?: unknown }): Promise<R2Object | R2ObjectBody | null> {
    refuseSsec("get", options);
    const wire: GetObjectOptions = {};
    if (options?.onlyIf) wire.onlyIf = wireConditional(options.onlyIf);
    if (options?.range) wire.range = wireRange(options.range);
    const result = await this.#runner.getObject(String(key), wire);
    if (!result) return null;
    return result.body ? new R2ObjectBody(result.meta, result.body) : new R2Object(result.meta);
  }

  async put(key: string, value: Value, options?: R2PutOptions & { onlyIf?: Conditional | Headers }): Promise<R2Object | null> {
    refuseSsec("put", options);
    const wire: PutObjectOptions = {};
    if (options?.storageClass !== undefined) wire.storageClass = wireStorageClass("put", options.storageClass);
    if (options?.httpMetadata) wire.httpMetadata = wireHttpMetadata(options.httpMetadata);
    if (options?.customMetadata) wire.customMetadata = Object.fromEntries(Object.entries(options.customMetadata).map(([k, v]) => [k, String(v)]));
    if (options?.onlyIf) wire.onlyIf = wireConditional(options.onlyIf);
    const checksum = wireChecksum(options as Partial<Record<ChecksumName, ArrayBuffer | string>> | undefined);
    if (checksum) wire.checksum = checksum;
    const meta = await sendValue(value, (body) => this.#runner.putObject(String(key), body, wire));
    return meta ? new R2Object(meta) : null;
  }

  async delete(keys: string | string[]): Promise<void> {
    await this.#runner.deleteObjects((Array.isArray(keys) ? keys : [keys]).map(String));
  }

  async list(
    options?: R2ListOptions & { include?: ("httpMetadata" | "customMetadata")[] },
  ): Promise<{ objects: R2Object[]; truncated: boolean; cursor?: string; delimitedPrefixes: string[] }> {
    const wire: ListObjectsOptions = {};
    for (const name of ["prefix", "delimiter", "cursor", "startAfter"] as const) if (options?.[name] !== undefined) wire[name] = String(options[name]);
    if (options?.limit !== undefined) wire.limit = Number(options.limit);
    if (options?.include) wire.include = [...options.include];
    const result = await this.#runner.listObjects(wire);
    const objects = result.objects.map((meta) => new R2Object(meta));
    return result.truncated
      ? { objects, truncated: true, cursor: result.cursor as string, delimitedPrefixes: result.delimitedPrefixes }
      : { objects, truncated: false, delimitedPrefixes: result.delimitedPrefixes };
  }

  async createMultipartUpload(key: string, options?: R2MultipartOptions): Promise<R2MultipartUpload> {
    refuseSsec("createMultipartUpload", options);
    const wire: UploadOptions = {};
    if (options?.storageClass !== undefined) wire.storageClass = wireStorageClass("createMultipartUpload", options.storageClass);
    if (options?.httpMetadata) wire.httpMetadata = wireHttpMetadata(options.httpMetadata);
    if (options?.customMetadata) wire.customMetadata = options.customMetadata;
    return new R2MultipartUpload(this.#runner, String(key), await this.#runner.createUpload(String(key), wire));
  }

  /**
   * Outpost extension: a URL that performs one GET, PUT or DELETE of `key` without the worker,
   * until `expiresIn` seconds (default 3600, at most 7 days) have passed.
   */
  createPresignedUrl(key: string, options?: { method?: "GET" | "PUT" | "DELETE"; expiresIn?: number }): Promise<string> {
    return this.#runner.presign(String(key), { ...options });
  }

  resumeMultipartUpload(key: string, uploadId: string): R2MultipartUpload {
    return new R2MultipartUpload(this.#runner, String(key), String(uploadId));
  }
}

export function makeR2Binding(runner: R2Runner): R2Bucket {
  return new R2Bucket(runner);
}

/**
 * SSE-C (objects encrypted with a key the caller supplies) is not implemented: refusing is
 * better than storing in the clear what the caller asked to have encrypted.
 */
function refuseSsec(operation: string, options: object | undefined): void {
  if (options && (options as { ssecKey?: unknown }).ssecKey !== undefined) {
    throw new TypeError(`${operation}: ssecKey (server-side encryption with a customer-provided key) is not supported by Outpost; nothing was read or stored.`);
  }
}

function wireStorageClass(operation: string, storageClass: unknown): StorageClass {
  if (!(STORAGE_CLASSES as readonly unknown[]).includes(storageClass)) {
    throw new TypeError(
      `${operation}: storageClass must be one of ${STORAGE_CLASSES.map((name) => `"${name}"`).join(", ")}, not ${JSON.stringify(storageClass)}.`,
    );
  }
  return storageClass as StorageClass;
}

/**
 * Calls the runner with the value: fixed-size values travel as bytes, streams stay streams (never
 * buffered here). A stream that failed is the caller's error, not what the runner made of it.
 */
async function sendValue<T>(value: Value, call: (wire: ObjectBody) => Promise<T>): Promise<T> {
  if (!(value instanceof ReadableStream)) return call(wireValue(value));
  const { value: wire, failure } = await byteStream(value);
  try {
    return await call(wire);
  } catch (error) {
    throw failure() ?? error;
  }
}

function wireValue(value: Exclude<Value, ReadableStream>): ObjectBody {
  if (value === null || value === undefined) return new Uint8Array(0);
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof Blob) return value.stream();
  throw new TypeError("Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)");
}

function wireHttpMetadata(metadata: R2HTTPMetadata | Headers): Record<string, string> {
  const get = (name: string, header: string): string | undefined =>
    metadata instanceof Headers ? (metadata.get(header) ?? undefined) : ((metadata as Record<string, unknown>)[name] as string | undefined);
  const wire: Record<string, string> = {};
  for (const [name, header] of [
    ["contentType", "content-type"],
    ["contentLanguage", "content-language"],
    ["contentDisposition", "content-disposition"],
    ["contentEncoding", "content-encoding"],
    ["cacheControl", "cache-control"],
  ] as const) {
    const value = get(name, header);
    if (value !== undefined) wire[name] = String(value);
  }
  const expiry = metadata instanceof Headers ? metadata.get("expires") : (metadata as R2HTTPMetadata).cacheExpiry;
  if (expiry) wire.cacheExpiry = new Date(expiry).toISOString();
  return wire;
}

function wireChecksum(options: Partial<Record<ChecksumName, ArrayBuffer | string>> | undefined): { name: ChecksumName; hex: string } | undefined {
  const given = (Object.keys(CHECKSUMS) as ChecksumName[]).filter((name) => options?.[name] !== undefined);
  if (given.length > 1) throw new TypeError("You cannot specify multiple hashing algorithms.");
  const [name] = given;
  if (!name) return undefined;
  const value = options?.[name] as ArrayBuffer | string;
  const hex = typeof value === "string" ? value.toLowerCase() : toHex(new Uint8Array(value));
  if (hex.length !== HEX_LENGTH[name] || !/^[0-9a-f]*$/.test(hex)) {
    const label = CHECKSUMS[name].replace("-", "");
    throw new TypeError(`${label} is ${HEX_LENGTH[name]} hex characters, not ${hex.length}`);
  }
  return { name, hex };
}

function wireConditional(onlyIf: Conditional | Headers): WireConditional {
  const wire: WireConditional = {};
  const etags = (value: string | null | undefined) =>
    value
      ? value
          .split(",")
          .map((etag) => etag.trim().replace(/^W\//, "").replace(/^"|"$/g, ""))
          .filter(Boolean)
      : undefined;
  if (onlyIf instanceof Headers) {
    const match = etags(onlyIf.get("if-match"));
    const noneMatch = etags(onlyIf.get("if-none-match"));
    if (match) wire.etagMatches = match;
    if (noneMatch) wire.etagDoesNotMatch = noneMatch;
    const since = onlyIf.get("if-modified-since");
    const unmodified = onlyIf.get("if-unmodified-since");
    if (since) wire.uploadedAfter = Date.parse(since);
    if (unmodified) wire.uploadedBefore = Date.parse(unmodified);
    wire.secondsGranularity = true;
    return wire;
  }
  const match = etags(onlyIf.etagMatches);
  const noneMatch = etags(onlyIf.etagDoesNotMatch);
  if (match) wire.etagMatches = match;
  if (noneMatch) wire.etagDoesNotMatch = noneMatch;
  if (onlyIf.uploadedBefore) wire.uploadedBefore = new Date(onlyIf.uploadedBefore).getTime();
  if (onlyIf.uploadedAfter) wire.uploadedAfter = new Date(onlyIf.uploadedAfter).getTime();
  if (onlyIf.secondsGranularity !== undefined) wire.secondsGranularity = Boolean(onlyIf.secondsGranularity);
  return wire;
}

function wireRange(range: R2Range | Headers): WireRange {
  if (range instanceof Headers) {
    const match = (range.get("range") ?? "").match(/^bytes=(\d*)-(\d*)$/);
    if (!match) return {};
    const [, start, end] = match;
    if (!start) return { suffix: Number(end) };
    return end ? { offset: Number(start), length: Number(end) - Number(start) + 1 } : { offset: Number(start) };
  }
  const wire: WireRange = {};
  for (const name of ["offset", "length", "suffix"] as const) {
    const value = (range as Record<string, number | undefined>)[name];
    if (value !== undefined) wire[name] = Number(value);
  }
  checkRange(wire);
  // An infinite length or suffix means the whole object, as in workerd; the wire carries integers.
  for (const name of ["length", "suffix"] as const) if (wire[name] === Infinity) wire[name] = Number.MAX_SAFE_INTEGER;
  return wire;
}
