import { expect, it } from "vitest";
import { nextTick, parseCron, previousTick } from "../../runner/cron/parse.ts";
import { thrown } from "./thrown.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** The next `count` ticks after `from`. */
function ticks(cron: string, from: string, count = 3): (string | null)[] {
  const schedule = parseCron(cron);
  const result: (string | null)[] = [];
  let t: number | null = at(from);
  for (let i = 0; i < count && t !== null; i++) {
    t = nextTick(schedule, t);
    result.push(iso(t));
  }
  return result;
}

it("nextTick: every minute, strictly after the given time", () => {
  expect(ticks("* * * * *", "2026-03-01T10:00:00.000Z")).toEqual(["2026-03-01T10:01:00.000Z", "2026-03-01T10:02:00.000Z", "2026-03-01T10:03:00.000Z"]);
  expect(ticks("* * * * *", "2026-03-01T10:00:59.999Z", 1)).toEqual(["2026-03-01T10:01:00.000Z"]);
});

it("nextTick: steps, ranges, lists and start/step", () => {
  expect(ticks("*/30 * * * *", "2026-03-01T10:10:00Z")).toEqual(["2026-03-01T10:30:00.000Z", "2026-03-01T11:00:00.000Z", "2026-03-01T11:30:00.000Z"]);
  expect(ticks("5/20 9-10 * * *", "2026-03-01T08:00:00Z", 4)).toEqual([
    "2026-03-01T09:05:00.000Z",
    "2026-03-01T09:25:00.000Z",
    "2026-03-01T09:45:00.000Z",
    "2026-03-01T10:05:00.000Z",
  ]);
  expect(ticks("0 0,12 * * *", "2026-03-01T01:00:00Z", 2)).toEqual(["2026-03-01T12:00:00.000Z", "2026-03-02T00:00:00.000Z"]);
});

it("nextTick: weekdays are 1-7 from Sunday, with names (Cloudflare's examples)", () => {
  // 2026-03-01 is a Sunday.
  expect(ticks("0 17 * * sun", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-01T17:00:00.000Z", "2026-03-08T17:00:00.000Z"]);
  expect(ticks("0 17 * * 1", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-01T17:00:00.000Z"]);
  expect(ticks("10 7 * * mon-fri", "2026-03-06T08:00:00Z", 2)).toEqual(["2026-03-09T07:10:00.000Z", "2026-03-10T07:10:00.000Z"]);
  expect(ticks("10 7 * * 2-6", "2026-03-06T08:00:00Z", 2)).toEqual(["2026-03-09T07:10:00.000Z", "2026-03-10T07:10:00.000Z"]);
});

it("nextTick: L, LW, W, nL and n#k", () => {
  expect(ticks("0 0 L * *", "2026-02-01T00:00:00Z", 2)).toEqual(["2026-02-28T00:00:00.000Z", "2026-03-31T00:00:00.000Z"]);
  // The last Friday of the month (6L = friL).
  expect(ticks("0 18 * * 6L", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-27T18:00:00.000Z", "2026-04-24T18:00:00.000Z"]);
  expect(ticks("0 18 * * friL", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-27T18:00:00.000Z"]);
  // The last weekday: May 2026 ends on a Sunday, so Friday the 29th.
  expect(ticks("59 23 LW * *", "2026-05-01T00:00:00Z", 1)).toEqual(["2026-05-29T23:59:00.000Z"]);
  // The weekday nearest the 15th (Sunday 2026-03-15 → Monday 16th) and the 1st (Saturday 2026-08-01 → Monday 3rd).
  expect(ticks("0 0 15W * *", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-16T00:00:00.000Z"]);
  expect(ticks("0 0 1W * *", "2026-07-15T00:00:00Z", 1)).toEqual(["2026-08-03T00:00:00.000Z"]);
  // The second Monday.
  expect(ticks("0 10 * * MON#2", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-09T10:00:00.000Z", "2026-04-13T10:00:00.000Z"]);
});

it("nextTick: both day fields restricted means either matches; an impossible date has no tick", () => {
  expect(ticks("0 0 13 * 6", "2026-03-01T00:00:00Z", 2)).toEqual(["2026-03-06T00:00:00.000Z", "2026-03-13T00:00:00.000Z"]);
  expect(ticks("0 0 30 2 *", "2026-01-01T00:00:00Z", 1)).toEqual([null]);
});

it("previousTick: the latest tick at or before a time, after a bound (missed-tick catch-up)", () => {
  const everyFive = parseCron("*/5 * * * *");
  expect(iso(previousTick(everyFive, at("2026-03-01T10:07:30Z"), at("2026-03-01T10:00:00Z")))).toBe("2026-03-01T10:05:00.000Z");
  expect(previousTick(everyFive, at("2026-03-01T10:07:30Z"), at("2026-03-01T10:06:00Z"))).toBe(null);
});

it("parseCron: malformed expressions are refused with what is wrong", () => {
  expect(thrown(() => parseCron("* * * *"))).toBe(
    'CronSyntaxError: Cron "* * * *" is invalid: expected 5 fields (minute hour day-of-month month day-of-week), got 4.',
  );
  expect(thrown(() => parseCron("* * * * * *"))).toBe(
    'CronSyntaxError: Cron "* * * * * *" is invalid: expected 5 fields (minute hour day-of-month month day-of-week), got 6.',
  );
  expect(thrown(() => parseCron("60 * * * *"))).toBe('CronSyntaxError: Cron "60 * * * *" is invalid: the minute 60 is out of range (0-59).');
  expect(thrown(() => parseCron("* 24 * * *"))).toBe('CronSyntaxError: Cron "* 24 * * *" is invalid: the hour 24 is out of range (0-23).');
  expect(thrown(() => parseCron("* * 0 * *"))).toBe('CronSyntaxError: Cron "* * 0 * *" is invalid: the day-of-month 0 is out of range (1-31).');
  expect(thrown(() => parseCron("* * * 13 *"))).toBe('CronSyntaxError: Cron "* * * 13 *" is invalid: the month 13 is out of range (1-12).');
  expect(thrown(() => parseCron("* * * * 8"))).toBe('CronSyntaxError: Cron "* * * * 8" is invalid: the day-of-week 8 is out of range (1-7).');
  expect(thrown(() => parseCron("*/0 * * * *"))).toBe(
    'CronSyntaxError: Cron "*/0 * * * *" is invalid: "*/0": the step after / must be a positive whole number.',
  );
  expect(thrown(() => parseCron("30-10 * * * *"))).toBe('CronSyntaxError: Cron "30-10 * * * *" is invalid: "30-10": a minute range must go from low to high.');
  expect(thrown(() => parseCron("* * * FOO *"))).toBe('CronSyntaxError: Cron "* * * FOO *" is invalid: "FOO" is not a valid month.');
  expect(thrown(() => parseCron("* * * * MON#6"))).toBe(
    'CronSyntaxError: Cron "* * * * MON#6" is invalid: "MON#6": the week in the month after # must be 1-5.',
  );
  expect(thrown(() => parseCron("1,,2 * * * *"))).toBe('CronSyntaxError: Cron "1,,2 * * * *" is invalid: the minute field has an empty list item.');
});
