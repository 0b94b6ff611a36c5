import { expect, it } from "vitest";
import { Listener, retryDelay } from "../../runner/db/listener.ts";

interface PendingListen {
  channel: string;
  resolve(): void;
  reject(error: Error): void;
}

/** A Listener over a scripted connection: LISTENs wait for the test, timers only record. */
function harness(channels = ["one", "two"]) {
  const pending: PendingListen[] = [];
  const heard: [boolean, unknown][] = [];
  const notifications: [string, string][] = [];
  const timers: { retry: () => void; ms: number }[] = [];
  let connects = 0;
  let events: { notified(channel: string, payload: string): void; closed(): void } | undefined;
  const listener = new Listener(
    (connectionEvents) => {
      connects++;
      events = connectionEvents;
      return { listen: (channel) => new Promise<void>((resolve, reject) => pending.push({ channel, resolve, reject })) };
    },
    { channels, notified: (channel, payload) => notifications.push([channel, payload]), hearing: (ok, error) => heard.push([ok, error]) },
    (retry, ms) => timers.push({ retry, ms }),
  );
  /** Answers every LISTEN sent so far (with the error, or OK) and lets the listener see it. */
  async function answer(error?: Error) {
    for (const listen of pending.splice(0)) error ? listen.reject(error) : listen.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  /** Runs the one retry waiting, returning its delay. */
  function retry(): number {
    const timer = timers.shift();
    if (!timer || timers.length > 0) throw new Error(`expected one retry waiting, found ${timers.length + (timer ? 1 : 0)}`);
    timer.retry();
    return timer.ms;
  }
  const connection = () => {
    if (!events) throw new Error("not connected");
    return events;
  };
  return { listener, pending, heard, notifications, timers, answer, retry, connection, connects: () => connects };
}

it("retryDelay: 1 s, 2 s, 4 s, then 5 s for every further loss", () => {
  expect([0, 1, 2, 3, 4, 10, 100].map(retryDelay)).toEqual([1000, 2000, 4000, 5000, 5000, 5000, 5000]);
});

it("start: LISTENs on every channel and reports hearing once all are subscribed", async () => {
  const h = harness();
  h.listener.start();
  expect(h.pending.map((listen) => listen.channel)).toEqual(["one", "two"]);
  expect(h.heard).toEqual([]);
  await h.answer();
  expect(h.heard).toEqual([[true, undefined]]);
  h.connection().notified("two", "payload");
  expect(h.notifications).toEqual([["two", "payload"]]);
});

it("closed: reports not hearing at once and subscribes again 1 s later on the same client", async () => {
  const h = harness();
  h.listener.start();
  await h.answer();
  h.connection().closed();
  expect(h.heard).toEqual([
    [true, undefined],
    [false, undefined],
  ]);
  expect(h.retry()).toBe(1000);
  expect(h.pending.map((listen) => listen.channel)).toEqual(["one", "two"]);
  await h.answer();
  expect(h.heard.at(-1)).toEqual([true, undefined]);
  expect(h.connects()).toBe(1);
});

it("closed: losses in a row back off; hearing again starts over at 1 s", async () => {
  const h = harness();
  h.listener.start();
  const down = new Error("connection refused");
  const delays: number[] = [];
  await h.answer(down);
  for (let i = 0; i < 4; i++) {
    delays.push(h.retry());
    await h.answer(down);
  }
  expect(delays).toEqual([1000, 2000, 4000, 5000]);
  delays.push(h.retry());
  await h.answer();
  expect(h.heard.at(-1)).toEqual([true, undefined]);
  h.connection().closed();
  delays.push(h.retry());
  expect(delays).toEqual([1000, 2000, 4000, 5000, 5000, 1000]);
});

it("failed LISTEN: reports the error; the close that comes with it adds no second retry", async () => {
  const h = harness();
  h.listener.start();
  const refused = new Error("connection refused");
  h.connection().closed();
  await h.answer(refused);
  expect(h.heard).toEqual([
    [false, undefined],
    [false, refused],
  ]);
  expect(h.timers.map((timer) => timer.ms)).toEqual([1000]);
});

it("failed LISTEN on an open connection: retried too", async () => {
  const h = harness();
  h.listener.start();
  const denied = new Error("permission denied");
  await h.answer(denied);
  expect(h.heard).toEqual([[false, denied]]);
  expect(h.retry()).toBe(1000);
  await h.answer();
  expect(h.heard.at(-1)).toEqual([true, undefined]);
});

it("a late answer to an attempt a newer one replaced says nothing", async () => {
  const h = harness(["one"]);
  h.listener.start();
  const stale = h.pending.splice(0);
  h.connection().closed();
  h.retry();
  await h.answer();
  expect(h.heard).toEqual([
    [false, undefined],
    [true, undefined],
  ]);
  for (const listen of stale) listen.reject(new Error("too late"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(h.heard).toEqual([
    [false, undefined],
    [true, undefined],
  ]);
  expect(h.timers).toEqual([]);
});

it("a late OK to an attempt a newer one replaced does not claim hearing", async () => {
  const h = harness(["one"]);
  h.listener.start();
  const stale = h.pending.splice(0);
  h.connection().closed();
  h.retry();
  const down = new Error("connection refused");
  await h.answer(down);
  for (const listen of stale) listen.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(h.heard).toEqual([
    [false, undefined],
    [false, down],
  ]);
  expect(h.retry()).toBe(2000);
});
