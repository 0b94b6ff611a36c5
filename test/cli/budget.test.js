import { describe, expect, it } from "vitest";
import { overBudget, residentMb } from "../../cli/budget.js";
import { poolConfig } from "../../cli/pool-config.js";

const budget = { isolates: 200, memoryMb: 2048, tenantIsolates: 50, minLifetimeMs: 60_000 };
const fresh = { isolates: 0, rssMb: 90, baselineMb: 90, ageMs: 120_000 };

describe("overBudget", () => {
  it("overBudget: a process within its isolate budget and memory limit is kept", () => {
    expect(overBudget({ ...fresh, isolates: 200, rssMb: 2048 }, budget)).toBeNull();
  });

  it("overBudget: one isolate past the budget replaces it, with the numbers", () => {
    expect(overBudget({ ...fresh, isolates: 201 }, budget)).toEqual({
      reason: "isolates",
      text: "201 isolates loaded, over its budget of 200 (OUTPOST_MAX_ISOLATES_PER_PROCESS)",
    });
  });

  it("overBudget: memory past the limit replaces it, with the numbers", () => {
    expect(overBudget({ ...fresh, isolates: 3, rssMb: 2049 }, budget)).toEqual({
      reason: "memory",
      text: "2049 MB resident, over its limit of 2048 MB (OUTPOST_MAX_PROCESS_MEMORY_MB)",
    });
  });

  it("overBudget: never sooner than the minimum lifetime after the process started", () => {
    expect(overBudget({ ...fresh, isolates: 500, rssMb: 4096, ageMs: 59_999 }, budget)).toBeNull();
  });

  it("overBudget: not for memory a fresh process already had (its replacement would have it too)", () => {
    expect(overBudget({ ...fresh, rssMb: 2100, baselineMb: 2050 }, budget)).toBeNull();
  });
});

describe("residentMb", () => {
  it("residentMb: reads VmRSS from /proc/<pid>/status", () => {
    const status = "Name:\tworkerd\nVmPeak:\t 9000000 kB\nVmRSS:\t  524288 kB\nRssAnon:\t  400000 kB\n";
    expect(residentMb(42, (path) => (path === "/proc/42/status" ? status : ""))).toBe(512);
  });

  it("residentMb: null where /proc cannot tell", () => {
    expect(residentMb(42, () => "Name:\tworkerd\n")).toBeNull();
    expect(
      residentMb(42, () => {
        throw new Error("ENOENT");
      }),
    ).toBeNull();
  });
});

describe("poolConfig budget", () => {
  it("poolConfig: defaults are 200 isolates, 100 per tenant (the default workers quota), 2 GB but no more than the machine's share, 60 s", () => {
    expect(poolConfig({}, 2, 24_000).budget).toEqual({ isolates: 200, memoryMb: 2048, tenantIsolates: 100, minLifetimeMs: 60_000 });
    // Two processes and the probation process on a 3 GB machine: a third each.
    expect(poolConfig({}, 2, 3000).budget.memoryMb).toBe(1000);
  });

  it("poolConfig: reads the operator's settings", () => {
    const env = {
      OUTPOST_MAX_ISOLATES_PER_PROCESS: "20",
      OUTPOST_MAX_ISOLATES_PER_TENANT: "5",
      OUTPOST_MAX_PROCESS_MEMORY_MB: "700",
      OUTPOST_REPLACE_AFTER_SECONDS: "5",
    };
    expect(poolConfig(env, 2, 24_000).budget).toEqual({ isolates: 20, memoryMb: 700, tenantIsolates: 5, minLifetimeMs: 5000 });
  });

  it("poolConfig: bad budget values are refused, naming the variable", () => {
    expect(() => poolConfig({ OUTPOST_MAX_ISOLATES_PER_PROCESS: "0" })).toThrow(
      "OUTPOST_MAX_ISOLATES_PER_PROCESS must be a whole number from 1 to 100000, got 0",
    );
    expect(() => poolConfig({ OUTPOST_MAX_PROCESS_MEMORY_MB: "1.5" })).toThrow(
      "OUTPOST_MAX_PROCESS_MEMORY_MB must be a whole number from 64 to 1048576, got 1.5",
    );
  });
});
