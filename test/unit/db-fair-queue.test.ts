import { expect, it } from "vitest";
import { FairQueue, QueueWaitExceeded } from "../../runner/db/fair-queue.ts";

/** Longer than any test here takes, except the one that waits it out. */
const WAIT_MS = 60_000;

/** A call that runs until `finish()`; `order` records who started, in order. */
function recorder() {
  const order: string[] = [];
  const finishers: (() => void)[] = [];
  const call = (queue: FairQueue, tenant: string, label = tenant) =>
    queue.run(
      tenant,
      () =>
        new Promise<string>((resolve) => {
          order.push(label);
          finishers.push(() => resolve(label));
        }),
    );
  /** Ends the oldest running call and lets the queue admit the next. */
  const finishOldest = async () => {
    finishers.shift()?.();
    await settle();
  };
  return { order, call, finishOldest };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

it("fair queue: calls start at once while slots and the tenant's share allow", async () => {
  const queue = new FairQueue({ slots: 4, perTenant: 3, maxWaitMs: WAIT_MS });
  const { order, call } = recorder();
  for (const tenant of ["a", "a", "b"]) void call(queue, tenant);
  await settle();
  expect(order).toEqual(["a", "a", "b"]);
  expect(queue.running).toBe(3);
  expect(queue.waiting).toBe(0);
});

it("fair queue: a flooding tenant never holds every slot; another tenant's call starts while the flood waits", async () => {
  const queue = new FairQueue({ slots: 2, perTenant: 1, maxWaitMs: WAIT_MS });
  const { order, call } = recorder();
  for (let i = 0; i < 50; i++) void call(queue, "flood", `flood-${i}`);
  void call(queue, "quiet");
  await settle();
  expect(order).toEqual(["flood-0", "quiet"]);
  expect(queue.waiting).toBe(49);
});

it("fair queue: when slots are full, waiting tenants take turns instead of first come first served", async () => {
  const queue = new FairQueue({ slots: 2, perTenant: 2, maxWaitMs: WAIT_MS });
  const { order, call, finishOldest } = recorder();
  for (let i = 0; i < 6; i++) void call(queue, "a", `a${i}`);
  for (let i = 0; i < 2; i++) void call(queue, "b", `b${i}`);
  void call(queue, "c", "c0");
  await settle();
  expect(order).toEqual(["a0", "a1"]);
  for (let i = 0; i < 7; i++) await finishOldest();
  expect(order).toEqual(["a0", "a1", "a2", "b0", "c0", "a3", "b1", "a4", "a5"]);
  expect(queue.waiting).toBe(0);
});

it("fair queue: a tenant's own calls run in the order they came", async () => {
  const queue = new FairQueue({ slots: 1, perTenant: 1, maxWaitMs: WAIT_MS });
  const { order, call, finishOldest } = recorder();
  const results = Array.from({ length: 4 }, (_, i) => call(queue, "a", `a${i}`));
  for (let i = 0; i < 4; i++) await finishOldest();
  expect(order).toEqual(["a0", "a1", "a2", "a3"]);
  expect(await Promise.all(results)).toEqual(["a0", "a1", "a2", "a3"]);
});

it("fair queue: a failed call frees its slot and rejects only its caller", async () => {
  const queue = new FairQueue({ slots: 1, perTenant: 1, maxWaitMs: WAIT_MS });
  const failed = queue.run("a", async () => {
    throw new Error("statement failed");
  });
  const next = queue.run("b", async () => "answered");
  await expect(failed).rejects.toThrow("statement failed");
  expect(await next).toBe("answered");
  expect(queue.running).toBe(0);
});

it("fair queue: a call that waits maxWaitMs for its turn leaves the line, is refused, and never runs", async () => {
  const queue = new FairQueue({ slots: 1, perTenant: 1, maxWaitMs: 20 });
  const { order, call, finishOldest } = recorder();
  void call(queue, "a", "a0");
  const refused = call(queue, "b", "b0");
  await expect(refused).rejects.toThrow(QueueWaitExceeded);
  await expect(refused).rejects.toThrow("no turn within 20 ms");
  expect(queue.waiting).toBe(0);
  await finishOldest();
  expect(order).toEqual(["a0"]);
  expect(queue.running).toBe(0);
});
