import { describe, expect, it } from "vitest";
import { type Suspect, blame, suspensionReason } from "../../runner/control/blame.ts";

const V1 = "1".repeat(64);
const V2 = "2".repeat(64);
const suspect = (id: string, worker: string, version = V1, tenant = "acme"): Suspect => ({ id, tenant, worker, version });

describe("blame", () => {
  it("blame: one invocation in flight is certain", () => {
    expect(blame([suspect("a", "spinner")])).toEqual({ certain: true, tenant: "acme", worker: "spinner", version: V1 });
  });

  it("blame: several invocations of one worker version are certain", () => {
    expect(blame([suspect("a", "spinner"), suspect("b", "spinner"), suspect("c", "spinner")])).toEqual({
      certain: true,
      tenant: "acme",
      worker: "spinner",
      version: V1,
    });
  });

  it("blame: two distinct workers are not certain, whichever order", () => {
    expect(blame([suspect("a", "spinner"), suspect("b", "neighbour")])).toEqual({ certain: false });
    expect(blame([suspect("a", "spinner"), suspect("b", "spinner"), suspect("c", "neighbour")])).toEqual({ certain: false });
  });

  it("blame: two versions of one worker (a rollout) are not certain", () => {
    expect(blame([suspect("a", "spinner", V1), suspect("b", "spinner", V2)])).toEqual({ certain: false });
  });

  it("blame: the same worker name under two tenants is two workers", () => {
    expect(blame([suspect("a", "spinner", V1, "acme"), suspect("b", "spinner", V1, "other")])).toEqual({ certain: false });
  });

  it("blame: nothing in flight blames nobody", () => {
    expect(blame([])).toEqual({ certain: false });
  });
});

describe("suspensionReason", () => {
  it("suspensionReason: each kind has its wording", () => {
    expect(suspensionReason("cpu", 3, 600)).toBe("it stalled its process for longer than its CPU limit 3 times within 10 minutes");
    expect(suspensionReason("memory", 3, 600)).toBe("it ran its process out of memory 3 times within 10 minutes");
    expect(suspensionReason("crash", 3, 600)).toBe("it crashed its process 3 times within 10 minutes");
  });

  it("suspensionReason: once, and windows in hours, a minute or seconds", () => {
    expect(suspensionReason("crash", 1, 3600)).toBe("it crashed its process once within 1 hour");
    expect(suspensionReason("crash", 2, 7200)).toBe("it crashed its process 2 times within 2 hours");
    expect(suspensionReason("crash", 2, 60)).toBe("it crashed its process 2 times within 1 minute");
    expect(suspensionReason("crash", 2, 90)).toBe("it crashed its process 2 times within 90 seconds");
  });
});
