import { expect, it } from "vitest";
import { isolateCompatibilityFlags } from "../../runner/dispatch/rpc-flag.ts";

it("isolateCompatibilityFlags: a date before 2024-04-03 gets workerd's rpc flag, once", () => {
  expect(isolateCompatibilityFlags("2023-01-28", [])).toEqual(["rpc"]);
  expect(isolateCompatibilityFlags("2024-04-02", ["nodejs_compat"])).toEqual(["nodejs_compat", "rpc"]);
  expect(isolateCompatibilityFlags("2024-04-01", ["rpc"])).toEqual(["rpc"]);
});

it("isolateCompatibilityFlags: from 2024-04-03 (rpc on by default) the version's flags are used as they are", () => {
  const flags = ["nodejs_compat"];
  expect(isolateCompatibilityFlags("2024-04-03", flags)).toBe(flags);
  expect(isolateCompatibilityFlags("2026-04-01", [])).toEqual([]);
});
