import { expect, it } from "vitest";
import { FairQueue, QueueWaitExceeded } from "../../runner/db/fair-queue.ts";

/** Longer than any test here takes, except the one that waits it out. */
const WAIT_MS = 60_000;

/** Calls that run until finished; `started` records `label@connection` in the order they started. */
function recorder(queue: FairQueue) {
  const started: string[] = [];
  const running = new Map<string, () => void>();
  const call = (tenant: string, label = tenant) =>
    queue.run(
      tenant,
      (connection) =>
        new Promise<string>((resolve) => {
          started.push(`${label}@${connection}`);
          running.set(label, () => resolve(label));
        }),
    );
  /** Ends the call `label` and lets the queue start the next. */
  const finish = async (label: string) => {
    running.get(label)?.();
    running.delete(label);
    await settle();
  };
  return { started, call, finish };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

it("fair queue: calls start at once while connections and the tenant's share allow", async () => {
  const queue = new FairQueue({ connections: 4, depth: 1, perTenant: 3, maxWaitMs: WAIT_MS });
  const { started, call } = recorder(queue);
  for (const label of ["a0", "a1", "b0"]) void call(label[0] as string, label);
  await settle();
  expect(started).toEqual(["a0@0", "a1@1", "b0@2"]);
  expect(queue.running).toBe(3);
  expect(queue.waiting).toBe(0);
});

it("fair queue: a flooding tenant never holds every connection; another tenant's call starts while the flood waits", async () => {
  const queue = new FairQueue({ connections: 2, depth: 1, perTenant: 1, maxWaitMs: WAIT_MS });
  const { started, call } = recorder(queue);
  for (let i = 0; i < 50; i++) void call("flood", `flood${i}`);
  void call("quiet");
  await settle();
  expect(started).toEqual(["flood0@0", "quiet@1"]);
  expect(queue.waiting).toBe(49);
});

it("fair queue: a connection pipelines one tenant's calls and never another's", async () => {
  const queue = new FairQueue({ connections: 2, depth: 3, perTenant: 1, maxWaitMs: WAIT_MS });
  const { started, call } = recorder(queue);
  for (let i = 0; i < 3; i++) void call("a", `a${i}`);
  void call("b", "b0");
  void call("b", "b1");
  void call("a", "a3");
  await settle();
  expect(started).toEqual(["a0@0", "a1@0", "a2@0", "b0@1", "b1@1"]);
  expect(queue.waiting).toBe(1);
});

it("fair queue: while others wait, a tenant adds no call to its connection, which drains and passes on", async () => {
  const queue = new FairQueue({ connections: 2, depth: 4, perTenant: 1, maxWaitMs: WAIT_MS });
  const { started, call, finish } = recorder(queue);
  void call("a", "a0");
  void call("b", "b0");
  void call("c", "c0");
  void call("a", "a1");
  await settle();
  expect(started).toEqual(["a0@0", "b0@1"]);
  await finish("a0");
  expect(started).toEqual(["a0@0", "b0@1", "c0@0"]);
  await finish("b0");
  expect(started).toEqual(["a0@0", "b0@1", "c0@0", "a1@1"]);
});

it("fair queue: when connections are busy, waiting tenants take turns instead of first come first served", async () => {
  const queue = new FairQueue({ connections: 1, depth: 1, perTenant: 1, maxWaitMs: WAIT_MS });
  const { started, call, finish } = recorder(queue);
  for (let i = 0; i < 6; i++) void call("a", `a${i}`);
  for (let i = 0; i < 2; i++) void call("b", `b${i}`);
  void call("c", "c0");
  await settle();
  for (const label of ["a0", "a1", "b0", "c0", "a2", "b1", "a3", "a4"]) await finish(label);
  expect(started.map((entry) => entry.split("@")[0])).toEqual(["a0", "a1", "b0", "c0", "a2", "b1", "a3", "a4", "a5"]);
  expect(queue.waiting).toBe(0);
});

it("fair queue: a tenant's own calls run in the order they came", async () => {
  const queue = new FairQueue({ connections: 1, depth: 1, perTenant: 1, maxWaitMs: WAIT_MS });
  const { started, call, finish } = recorder(queue);
  const results = Array.from({ length: 4 }, (_, i) => call("a", `a${i}`));
  for (let i = 0; i < 4; i++) await finish(`a${i}`);
  expect(started).toEqual(["a0@0", "a1@0", "a2@0", "a3@0"]);
  expect(await Promise.all(results)).toEqual(["a0", "a1", "a2", "a3"]);
});

it("fair queue: a failed call frees its connection and rejects only its caller", async () => {
  const queue = new FairQueue({ connections: 1, depth: 1, perTenant: 1, maxWaitMs: WAIT_MS });
  const failed = queue.run("a", async () => {
    throw new Error("statement failed");
  });
  const next = queue.run("b", async () => "answered");
  await expect(failed).rejects.toThrow("statement failed");
  expect(await next).toBe("answered");
  expect(queue.running).toBe(0);
});

it("fair queue: a call that waits maxWaitMs for its turn leaves the line, is refused, and never runs", async () => {
  const queue = new FairQueue({ connections: 1, depth: 1, perTenant: 1, maxWaitMs: 20 });
  const { started, call, finish } = recorder(queue);
  void call("a", "a0");
  const refused = call("b", "b0");
  await expect(refused).rejects.toThrow(QueueWaitExceeded);
  await expect(refused).rejects.toThrow("no turn within 20 ms");
  expect(queue.waiting).toBe(0);
  await finish("a0");
  expect(started).toEqual(["a0@0"]);
  expect(queue.running).toBe(0);
});
