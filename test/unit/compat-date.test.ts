import { expect, it } from "vitest";
import { runnableCompatibility } from "../../runner/control/compat-date.ts";

const NEWEST = "2026-04-26";

it("compat date: a date workerd knows runs as given, flags deduplicated and sorted", () => {
  expect(runnableCompatibility("2024-01-01", ["rpc", "nodejs_compat", "rpc"], NEWEST)).toEqual({
    date: "2024-01-01",
    flags: ["nodejs_compat", "rpc"],
    warnings: [],
  });
  expect(runnableCompatibility(NEWEST, [], NEWEST)).toEqual({ date: NEWEST, flags: [], warnings: [] });
});

it("compat date: a newer date before nodejs_compat's default date runs as workerd's newest, with a warning", () => {
  expect(runnableCompatibility("2026-06-01", [], NEWEST)).toEqual({
    date: NEWEST,
    flags: [],
    warnings: ["compatibility date 2026-06-01 is newer than this platform's workerd supports; the worker runs with 2026-04-26."],
  });
});

it("compat date: from 2026-08-04 nodejs_compat is added, as Cloudflare has it on by date", () => {
  expect(runnableCompatibility("2026-10-06", ["global_fetch_strictly_public"], NEWEST)).toEqual({
    date: NEWEST,
    flags: ["global_fetch_strictly_public", "nodejs_compat"],
    warnings: [
      "compatibility date 2026-10-06 is newer than this platform's workerd supports; the worker runs with 2026-04-26.",
      "nodejs_compat is on, as Cloudflare turns it on from 2026-08-04.",
    ],
  });
});

it("compat date: nodejs_compat is not added twice, nor against no_nodejs_compat, nor when workerd knows the date itself", () => {
  expect(runnableCompatibility("2026-10-06", ["nodejs_compat"], NEWEST).flags).toEqual(["nodejs_compat"]);
  expect(runnableCompatibility("2026-10-06", ["no_nodejs_compat"], NEWEST).flags).toEqual(["no_nodejs_compat"]);
  expect(runnableCompatibility("2026-12-01", [], "2026-09-01").flags).toEqual([]);
});
