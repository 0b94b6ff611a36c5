import { expect, it } from "vitest";
import type { QueueResult } from "../../runner/queue/consume.ts";
import { settlementOf } from "../../runner/queue/dispatcher.ts";
import type { ConsumerConfig, LeasedMessage } from "../../runner/queue/store.ts";

const consumer: ConsumerConfig = {
  worker: "w",
  tenant: "t",
  queueId: "1",
  queue: "q",
  deadLetterQueueId: "2",
  type: "worker",
  maxBatchSize: 10,
  maxBatchTimeoutMs: 0,
  maxRetries: 3,
  retryDelay: 7,
  maxConcurrency: null,
  visibilityTimeoutMs: null,
};
const message = (id: string, attempts = 1): LeasedMessage => ({ id, lease: "L", contentType: "json", body: new Uint8Array(), attempts, timestamp: 0 });
const batch = [message("a"), message("b"), message("c")];
const result = (overrides: Partial<QueueResult>): QueueResult => ({
  outcome: "ok",
  ackAll: false,
  retryBatch: { retry: false },
  explicitAcks: [],
  retryMessages: [],
  ...overrides,
});
const summary = (s: ReturnType<typeof settlementOf>) => ({
  ack: s.ack.map((h) => h.id),
  retry: s.retry.map((r) => `${r.id}+${r.delaySeconds}`),
  deadLetter: s.deadLetter.map((h) => h.id),
  drop: s.drop.map((h) => h.id),
});

it("settlement: a handler that returns acks every message", () => {
  expect(summary(settlementOf(consumer, batch, result({})))).toEqual({ ack: ["a", "b", "c"], retry: [], deadLetter: [], drop: [] });
});

it("settlement: a handler that throws retries all but the explicitly acked, after retry_delay", () => {
  const s = settlementOf(consumer, batch, result({ outcome: "exception", explicitAcks: ["b"] }));
  expect(summary(s)).toEqual({ ack: ["b"], retry: ["a+7", "c+7"], deadLetter: [], drop: [] });
  expect(summary(settlementOf(consumer, batch, null))).toEqual({ ack: [], retry: ["a+7", "b+7", "c+7"], deadLetter: [], drop: [] });
});

it("settlement: ackAll() holds even if the handler then throws; a per-message retry() still wins", () => {
  const s = settlementOf(consumer, batch, result({ outcome: "exception", ackAll: true, retryMessages: [{ msgId: "c", delaySeconds: 1 }] }));
  expect(summary(s)).toEqual({ ack: ["a", "b"], retry: ["c+1"], deadLetter: [], drop: [] });
});

it("settlement: retryAll({ delaySeconds }) retries every message not explicitly acked, with that delay", () => {
  const s = settlementOf(consumer, batch, result({ retryBatch: { retry: true, delaySeconds: 30 }, explicitAcks: ["a"], retryMessages: [{ msgId: "b" }] }));
  expect(summary(s)).toEqual({ ack: ["a"], retry: ["b+30", "c+30"], deadLetter: [], drop: [] });
});

it("settlement: past max_retries a failed message goes to the dead-letter queue, or is dropped without one", () => {
  const tired = [message("a", 4), message("b", 3)];
  expect(summary(settlementOf(consumer, tired, result({ outcome: "exception" })))).toEqual({ ack: [], retry: ["b+7"], deadLetter: ["a"], drop: [] });
  const noDlq = { ...consumer, deadLetterQueueId: null };
  expect(summary(settlementOf(noDlq, tired, result({ outcome: "exception" })))).toEqual({ ack: [], retry: ["b+7"], deadLetter: [], drop: ["a"] });
});
