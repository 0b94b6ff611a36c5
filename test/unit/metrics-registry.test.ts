import { describe, expect, it } from "vitest";
import {
  DURATION_BUCKETS,
  MAX_WORKER_SERIES,
  WorkerLabels,
  countCalls,
  countedBindingCall,
  countedRequest,
  metricsSnapshot,
} from "../../runner/metrics/registry.ts";

const sample = (family: string, name: string, labels: Record<string, string>) =>
  metricsSnapshot()
    .find((f) => f.name === family)
    ?.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe("metrics registry", () => {
  it("WorkerLabels: the first `max` worker versions keep their labels, later ones are counted as other", () => {
    const labels = new WorkerLabels(2);
    expect(labels.of("t", "a", "v1")).toEqual({ tenant: "t", worker: "a", version: "v1" });
    expect(labels.of("t", "a", "v2")).toEqual({ tenant: "t", worker: "a", version: "v2" });
    const other = { tenant: "other", worker: "other", version: "other" };
    expect(labels.of("t", "b", "v1")).toEqual(other);
    expect(labels.of("u", "a", "v1")).toEqual(other);
    // Admitted ones stay admitted.
    expect(labels.of("t", "a", "v1")).toEqual({ tenant: "t", worker: "a", version: "v1" });
    expect(MAX_WORKER_SERIES).toBe(100);
  });

  it("countedRequest: counts the request, a 5xx as an error, and its duration in cumulative buckets", async () => {
    const who = { tenant: "unit", worker: "counted-request", version: "v1" };
    await countedRequest(who, async () => new Response("ok"));
    await countedRequest(who, async () => new Response("no", { status: 502 }));
    await expect(countedRequest(who, () => Promise.reject(new Error("thrown")))).rejects.toThrow("thrown");
    expect(sample("outpost_requests_total", "outpost_requests_total", who)).toBe(3);
    expect(sample("outpost_request_errors_total", "outpost_request_errors_total", who)).toBe(2);
    const family = "outpost_request_duration_seconds";
    expect(sample(family, `${family}_count`, who)).toBe(3);
    expect(sample(family, `${family}_bucket`, { ...who, le: "+Inf" })).toBe(3);
    // Cumulative: each bucket holds every call the smaller ones hold.
    const buckets = DURATION_BUCKETS.map((bound) => sample(family, `${family}_bucket`, { ...who, le: String(bound) }) ?? -1);
    expect(buckets.every((count, i) => count >= (buckets[i - 1] ?? 0) && count <= 3)).toBe(true);
    expect(buckets.at(-1)).toBe(3);
  });

  it("countedRequest: the error series is there, at 0, from a worker version's first request", async () => {
    const who = { tenant: "unit", worker: "never-failed", version: "v1" };
    await countedRequest(who, async () => new Response("ok"));
    expect(sample("outpost_request_errors_total", "outpost_request_errors_total", who)).toBe(0);
  });

  it("countedBindingCall: counts calls by kind, and errors by cause", async () => {
    const storageFailed = (error: unknown) => error instanceof Error && error.message === "storage";
    await countedBindingCall("unit-kind", async () => 1, storageFailed);
    await expect(countedBindingCall("unit-kind", () => Promise.reject(new Error("storage")), storageFailed)).rejects.toThrow();
    await expect(countedBindingCall("unit-kind", () => Promise.reject(new TypeError("bad key")), storageFailed)).rejects.toThrow();
    expect(sample("outpost_binding_operations_total", "outpost_binding_operations_total", { kind: "unit-kind" })).toBe(3);
    expect(sample("outpost_binding_errors_total", "outpost_binding_errors_total", { kind: "unit-kind", cause: "storage" })).toBe(1);
    expect(sample("outpost_binding_errors_total", "outpost_binding_errors_total", { kind: "unit-kind", cause: "call" })).toBe(1);
  });

  it("countCalls: every public method of the class is counted, with its own `this` and result", async () => {
    class Entrypoint {
      readonly base = 40;
      async add(n: number) {
        return this.base + n;
      }
      async fail() {
        throw new Error("no");
      }
    }
    countCalls(Entrypoint, "unit-class", () => false);
    const entrypoint = new Entrypoint();
    expect(await entrypoint.add(2)).toBe(42);
    await expect(entrypoint.fail()).rejects.toThrow("no");
    expect(sample("outpost_binding_operations_total", "outpost_binding_operations_total", { kind: "unit-class" })).toBe(2);
    expect(sample("outpost_binding_errors_total", "outpost_binding_errors_total", { kind: "unit-class", cause: "call" })).toBe(1);
    expect(sample("outpost_binding_errors_total", "outpost_binding_errors_total", { kind: "unit-class", cause: "storage" })).toBe(0);
  });
});
