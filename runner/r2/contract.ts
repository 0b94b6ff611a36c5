// The R2 binding's RPC contract: the props the loader mints, the values that cross the wire and
// the methods of the runner's R2 entrypoint (entrypoint.ts) that the shim (shims/r2.ts)
// and the presigned-URL endpoint call. Both sides use it, so the compiler catches drift. Types
// only: the shim imports it with `import type`, so nothing here reaches the tenant bundle.
import type { ChecksumName, StorageClass } from "./constants.ts";
import type { PresignMethod } from "./presign.ts";

/** Minted by the loader for one bucket binding of one version. */
export interface R2Props {
  tenant: string;
  worker: string;
  binding: string;
  bucketId: string;
}

/** An object's metadata as the shim turns it into an R2Object. */
export interface ObjectMeta {
  key: string;
  version: string;
  size: number;
  etag: string;
  checksums: Partial<Record<ChecksumName, string>>;
  httpMetadata: Record<string, string>;
  customMetadata: Record<string, string>;
  /** ms since the epoch */
  uploaded: number;
  storageClass: StorageClass;
  range?: { offset: number; length: number };
}

/** `onlyIf` as the shim sends it: etags unquoted, times in ms since the epoch. */
export interface WireConditional {
  etagMatches?: string[];
  etagDoesNotMatch?: string[];
  uploadedBefore?: number;
  uploadedAfter?: number;
  secondsGranularity?: boolean;
}

export interface WireRange {
  offset?: number;
  length?: number;
  suffix?: number;
}

export interface GetObjectOptions {
  range?: WireRange;
  onlyIf?: WireConditional;
}

/** null: no object. `body` null: a precondition failed (Cloudflare returns the object without body). */
export type GetObjectResult = { meta: ObjectMeta; body: ReadableStream<Uint8Array> | null } | null;

/** createMultipartUpload() options; put() adds a checksum and a condition. */
export interface UploadOptions {
  httpMetadata?: Record<string, string>;
  customMetadata?: Record<string, string>;
  storageClass?: StorageClass;
}

export interface PutObjectOptions extends UploadOptions {
  /** The one digest the caller gave, as lowercase hex. */
  checksum?: { name: ChecksumName; hex: string };
  onlyIf?: WireConditional;
}

export interface ListObjectsOptions {
  prefix?: string | undefined;
  delimiter?: string | undefined;
  cursor?: string | undefined;
  startAfter?: string | undefined;
  limit?: number | undefined;
  include?: ("httpMetadata" | "customMetadata")[];
}

export interface ListObjectsResult {
  objects: ObjectMeta[];
  truncated: boolean;
  cursor?: string;
  delimitedPrefixes: string[];
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

export interface PresignOptions {
  method?: PresignMethod;
  /** seconds */
  expiresIn?: number;
}

/** Fixed-size values travel as bytes; streams stay streams. */
export type ObjectBody = ReadableStream | Uint8Array;

/**
 * The R2 entrypoint's RPC methods, as function-typed properties so parameters are checked
 * in both directions. Names avoid get/put/delete (see kv/contract.ts).
 */
export interface R2Runner {
  headObject: (key: string) => Promise<ObjectMeta | null>;
  getObject: (key: string, options: GetObjectOptions) => Promise<GetObjectResult>;
  /** null when `onlyIf` does not hold (nothing is written). */
  putObject: (key: string, value: ObjectBody, options: PutObjectOptions) => Promise<ObjectMeta | null>;
  deleteObjects: (keys: string[]) => Promise<void>;
  listObjects: (options: ListObjectsOptions) => Promise<ListObjectsResult>;
  /** Returns the upload id. */
  createUpload: (key: string, options: UploadOptions) => Promise<string>;
  uploadPart: (key: string, uploadId: string, partNumber: number, value: ObjectBody) => Promise<UploadedPart>;
  completeUpload: (key: string, uploadId: string, parts: UploadedPart[]) => Promise<ObjectMeta>;
  abortUpload: (key: string, uploadId: string) => Promise<void>;
  /** A presigned URL for one key (see presign.ts). */
  presign: (key: string, options: PresignOptions) => Promise<string>;
}
