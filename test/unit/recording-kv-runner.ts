// A test double for the shim's transport only: it records what the KV shim sends to the runner
// and answers with canned replies. The runner's own rules are tested in kv-validate.test.ts.
import type { KvBulkEntry, KvEntry, KvListOptions, KvListResult, KvPutOptions, KvRunner } from "../../runner/kv/contract.ts";

type BulkEntry = KvBulkEntry | null;

export interface Replies {
  read?: KvEntry | null;
  readMany?: BulkEntry[];
  exists?: boolean;
  write?: string;
  writeIfAbsent?: string | null;
  writeIfVersion?: string | null;
  list?: KvListResult;
  /** Every call rejects with this, after being recorded. */
  failure?: Error;
}

export class RecordingKvRunner implements KvRunner {
  /** Each call as [method, ...arguments], in order. */
  readonly calls: unknown[][] = [];

  constructor(readonly replies: Replies = {}) {}

  #record(call: unknown[]): void {
    this.calls.push(call);
    if (this.replies.failure) throw this.replies.failure;
  }

  async read(...args: [key: string, cacheTtl?: number]): Promise<KvEntry | null> {
    this.#record(["read", ...args]);
    return this.replies.read ?? null;
  }

  async readMany(...args: [keys: string[], type: string]): Promise<BulkEntry[]> {
    this.#record(["readMany", ...args]);
    return this.replies.readMany ?? args[0].map(() => null);
  }

  async exists(...args: [key: string]): Promise<boolean> {
    this.#record(["exists", ...args]);
    return this.replies.exists ?? false;
  }

  async write(...args: [key: string, value: string | Uint8Array, options?: KvPutOptions]): Promise<string> {
    this.#record(["write", ...args]);
    return this.replies.write ?? "1";
  }

  async writeIfAbsent(...args: [key: string, value: string | Uint8Array, options?: KvPutOptions]): Promise<string | null> {
    this.#record(["writeIfAbsent", ...args]);
    return this.replies.writeIfAbsent === undefined ? "1" : this.replies.writeIfAbsent;
  }

  async writeIfVersion(...args: [key: string, value: string | Uint8Array, version: string, options?: KvPutOptions]): Promise<string | null> {
    this.#record(["writeIfVersion", ...args]);
    return this.replies.writeIfVersion === undefined ? "2" : this.replies.writeIfVersion;
  }

  async remove(...args: [key: string]): Promise<void> {
    this.#record(["remove", ...args]);
  }

  async list(...args: [options: KvListOptions]): Promise<KvListResult> {
    this.#record(["list", ...args]);
    return this.replies.list ?? { keys: [], list_complete: true };
  }
}

/** A stored entry as the runner returns it. */
export function entry(value: string | Uint8Array, metadata: unknown = null, version = "7"): KvEntry {
  return {
    value: typeof value === "string" ? new TextEncoder().encode(value) : value,
    metadata: metadata === null ? null : JSON.stringify(metadata),
    expiration: null,
    version,
  };
}
