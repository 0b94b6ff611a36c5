import { expect, it } from "vitest";
import { missedTick } from "../../runner/cron/missed.ts";
import { parseCron } from "../../runner/cron/parse.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const now = at("2026-03-01T10:07:30Z");

it("missedTick: after downtime, only the latest tick of the last minute is run", () => {
  const everyMinute = parseCron("* * * * *");
  expect(iso(missedTick(everyMinute, now, at("2026-03-01T09:57:00Z")))).toBe("2026-03-01T10:07:00.000Z");
  expect(iso(missedTick(everyMinute, at("2026-03-01T10:07:00Z"), at("2026-03-01T09:57:00Z")))).toBe("2026-03-01T10:07:00.000Z");
});

it("missedTick: a tick more than a minute ago is not run late", () => {
  expect(missedTick(parseCron("2 10 * * *"), now, at("2026-02-01T00:00:00Z"))).toBe(null);
  expect(missedTick(parseCron("*/5 * * * *"), now, at("2026-02-01T00:00:00Z"))).toBe(null);
  expect(iso(missedTick(parseCron("*/5 * * * *"), at("2026-03-01T10:05:59.999Z"), at("2026-02-01T00:00:00Z")))).toBe("2026-03-01T10:05:00.000Z");
});

it("missedTick: a tick from before the worker's last deploy belongs to the version before", () => {
  const everyMinute = parseCron("* * * * *");
  expect(missedTick(everyMinute, now, at("2026-03-01T10:07:10Z"))).toBe(null);
  expect(iso(missedTick(everyMinute, now, at("2026-03-01T10:07:00Z")))).toBe("2026-03-01T10:07:00.000Z");
});
