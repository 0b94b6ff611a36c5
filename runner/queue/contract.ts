// The queue binding's RPC contract: the props the loader mints (bind.ts), the values that cross
// the wire and the methods of the runner's Queue entrypoint (entrypoint.ts) that the shim
// (shims/queue.ts) calls. Both sides use it, so the compiler catches drift. Types only: the shim
// imports it with `import type`, so nothing here reaches the tenant bundle.
import type { ContentType } from "./constants.ts";

/** Minted by the loader for one producer binding of one version; tenant code cannot change it. */
export interface QueueProps {
  tenant: string;
  worker: string;
  binding: string;
  queueId: string;
  queue: string;
  /** The binding's `delivery_delay`, seconds. */
  deliveryDelay: number;
  /** Errors read "<cause> (<code>)" (compatibility date ≥ 2026-03-12), else "Queue send failed: <cause>". */
  errorCodes: boolean;
}

/** A message as the shim sends it: text and json bodies as strings, bytes as a Uint8Array, v8 as a structured clone. */
export interface QueueWireMessage {
  contentType: ContentType;
  body: unknown;
  delaySeconds?: number;
}

export interface QueueMetrics {
  backlogCount: number;
  backlogBytes: number;
  oldestMessageTimestamp?: Date;
}

export interface QueueSendResponse {
  metadata: { metrics: QueueMetrics };
}

/** A pulled message as the binding returns it. */
export interface ReceivedMessage {
  id: string;
  timestamp: Date;
  body: unknown;
  attempts: number;
  leaseId: string;
}

/**
 * The Queue entrypoint's RPC methods, as function-typed properties so parameters are checked in
 * both directions. Names avoid get/put/delete (see kv/contract.ts) and fetch/queue/scheduled,
 * which Fetcher stubs may claim.
 */
export interface QueueRunner {
  sendMessages: (operation: "send" | "sendBatch", messages: QueueWireMessage[], batchDelaySeconds?: number) => Promise<QueueSendResponse>;
  readMetrics: () => Promise<QueueMetrics>;
  receiveMessages: (batchSize: number, visibilityTimeoutMs?: number) => Promise<ReceivedMessage[]>;
  /** Returns how many messages were acknowledged. */
  acknowledge: (leaseIds: string[]) => Promise<number>;
  release: (leaseIds: string[], delaySeconds?: number) => Promise<void>;
  /** false if the lease was lost. */
  extendLease: (leaseId: string, visibilityTimeoutMs: number) => Promise<boolean>;
}
