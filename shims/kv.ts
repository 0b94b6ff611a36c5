// env.KV in tenant isolates: Cloudflare's KVNamespace over the runner's Kv entrypoint.
import { GET_TYPES, KV_LIMITS, type GetType } from "../runner/kv/constants.ts";
import { checkKeyName, validateValueSize } from "../runner/kv/validate.ts";
import { concatBytes } from "../runner/encoding.ts";
import type { KvListOptions, KvPutOptions, KvRunner } from "../runner/kv/contract.ts";
import { toInt32 } from "../runner/webidl.ts";
import { NOT_BYTES, chunkBytes } from "./byte-stream.ts";

type GetOptions = GetType | { type?: GetType | undefined; cacheTtl?: number | undefined } | undefined;
type PutValue = string | ArrayBuffer | ArrayBufferView | ReadableStream;

const decoder = new TextDecoder();

export class KvNamespace implements KVNamespace {
  readonly #runner: KvRunner;

  constructor(runner: KvRunner) {
    this.#runner = runner;
  }

  // One implementation behind KVNamespace's overloads; the overloads give callers the types.
  get(key: string | string[], options?: GetOptions): Promise<any> {
    return Array.isArray(key) ? this.#getMany(key, options, false) : this.#getOne(key, options, false);
  }

  getWithMetadata(key: string | string[], options?: GetOptions): Promise<any> {
    return Array.isArray(key) ? this.#getMany(key, options, true) : this.#getOne(key, options, true);
  }

  /** Outpost extension: the value, its metadata and the version `putIfVersion` compares against. */
  async getWithVersion(key: string, options?: GetOptions): Promise<{ value: unknown; metadata: unknown; version: string } | null> {
    const name = String(key);
    checkKeyName(name);
    const { type, cacheTtl } = getOptions(options);
    const entry = await this.#runner.read(name, cacheTtl);
    if (!entry) return null;
    return { value: decode(entry.value, type), metadata: parseMetadata(entry.metadata), version: entry.version };
  }

  /** Outpost extension: whether a live (unexpired) entry exists, without reading its value. */
  async exists(key: string): Promise<boolean> {
    const name = String(key);
    checkKeyName(name);
    return this.#runner.exists(name);
  }

  async put(key: string, value: PutValue, options?: KVNamespacePutOptions): Promise<void> {
    const name = String(key);
    checkKeyName(name);
    await this.#runner.write(name, await valueBytes(value), putOptions(options));
  }

  /** Outpost extension: stores the value only if the key has no live entry; true if it did. */
  async putIfAbsent(key: string, value: PutValue, options?: KVNamespacePutOptions): Promise<boolean> {
    const name = String(key);
    checkKeyName(name);
    return (await this.#runner.writeIfAbsent(name, await valueBytes(value), putOptions(options))) !== null;
  }

  /**
   * Outpost extension: compare-and-swap. Stores the value only if the entry's version is still
   * `version` (from getWithVersion); returns the new version, or null if someone else won.
   */
  async putIfVersion(key: string, value: PutValue, version: string, options?: KVNamespacePutOptions): Promise<string | null> {
    const name = String(key);
    checkKeyName(name);
    return this.#runner.writeIfVersion(name, await valueBytes(value), String(version), putOptions(options));
  }

  async delete(key: string): Promise<void> {
    const name = String(key);
    checkKeyName(name);
    await this.#runner.remove(name);
  }

  async list<Metadata = unknown>(options?: KVNamespaceListOptions): Promise<KVNamespaceListResult<Metadata, string>> {
    const wire: KvListOptions = {};
    if (options?.prefix != null) wire.prefix = String(options.prefix);
    // workerd sends a limit only when it is positive; 0 or less means the default.
    if (options?.limit != null && toInteger(options.limit) > 0) wire.limit = toInteger(options.limit);
    if (options?.cursor != null && options.cursor !== "") wire.cursor = String(options.cursor);
    const result = await this.#runner.list(wire);
    return { ...result, cacheStatus: null } as KVNamespaceListResult<Metadata, string>;
  }

  async #getOne(key: string, options: GetOptions, withMetadata: boolean): Promise<unknown> {
    const name = String(key);
    checkKeyName(name);
    const { type, cacheTtl } = getOptions(options);
    const entry = await this.#runner.read(name, cacheTtl);
    const value = entry ? decode(entry.value, type) : null;
    if (!withMetadata) return value;
    return { value, metadata: parseMetadata(entry?.metadata ?? null), cacheStatus: null };
  }

  async #getMany(keys: string[], options: GetOptions, withMetadata: boolean): Promise<Map<string, unknown>> {
    const names = keys.map(String);
    const { type } = getOptions(options);
    const entries = await this.#runner.readMany(names, type);
    const result = new Map<string, unknown>();
    names.forEach((name, i) => {
      const entry = entries[i];
      if (!entry) return void result.set(name, null);
      const value = decode(entry.value, type as GetType);
      result.set(name, withMetadata ? { value, metadata: parseMetadata(entry.metadata) } : value);
    });
    return result;
  }
}

export function makeKvBinding(runner: KvRunner): KvNamespace {
  return new KvNamespace(runner);
}

function getOptions(options: GetOptions, fallback: GetType = "text"): { type: GetType; cacheTtl?: number } {
  const { type = fallback, cacheTtl } = typeof options === "string" ? { type: options } : (options ?? {});
  return cacheTtl === undefined ? { type } : { type, cacheTtl: toInteger(cacheTtl) };
}

// Like workerd, an unknown type is only an error once there is a value to convert.
function decode(bytes: Uint8Array, type: GetType): unknown {
  if (!GET_TYPES.includes(type)) {
    throw new TypeError(`Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`);
  }
  switch (type) {
    case "text":
      return decoder.decode(bytes);
    case "json":
      return JSON.parse(decoder.decode(bytes));
    case "arrayBuffer":
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    case "stream":
      return new Blob([bytes]).stream();
  }
}

function parseMetadata(metadata: string | null): unknown {
  return metadata === null ? null : JSON.parse(metadata);
}

function putOptions(options: KVNamespacePutOptions | undefined): KvPutOptions {
  const wire: KvPutOptions = {};
  if (options?.expiration != null) wire.expiration = toInt32(options.expiration);
  if (options?.expirationTtl != null) wire.expirationTtl = toInt32(options.expirationTtl);
  if (options?.metadata !== undefined && options.metadata !== null) wire.metadata = JSON.stringify(options.metadata);
  return wire;
}

// Values workerd's binding coerces this way (numbers, booleans, undefined become strings).
async function valueBytes(value: PutValue): Promise<string | Uint8Array> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return String(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ReadableStream) return readStream(value);
  throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
}

// Reads a stream up to the value limit, so an oversized stream fails without buffering all of it.
async function readStream(stream: ReadableStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = chunkBytes(value);
    if (!chunk) {
      await reader.cancel();
      throw new TypeError(NOT_BYTES);
    }
    length += chunk.byteLength;
    if (length > KV_LIMITS.MAX_VALUE_BYTES) {
      await reader.cancel();
      validateValueSize(length);
    }
    chunks.push(chunk);
  }
  return concatBytes(chunks);
}

function toInteger(value: unknown): number {
  const number = Math.trunc(Number(value));
  return Number.isNaN(number) ? 0 : number;
}
