// Cloudflare's cron syntax: five fields in UTC with the Quartz-like extensions Cloudflare lists
// (https://developers.cloudflare.com/workers/configuration/cron-triggers/#supported-cron-expressions):
//
//   minute 0-59 · hour 0-23 · day of month 1-31 (L, W, LW) · month 1-12 or JAN-DEC ·
//   day of week 1-7 = SUN-SAT (nL: last such weekday of the month, n#k: the k-th one)
//
// with `*`, lists `,`, ranges `-` and steps `/`. When both day fields are restricted, a day
// matching either runs (as in standard cron).

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

type DayOfMonthRule = { kind: "day"; day: number } | { kind: "last" } | { kind: "lastWeekday" } | { kind: "nearestWeekday"; day: number };
/** `weekday` is Cloudflare's 1-7 (Sunday = 1). */
type DayOfWeekRule = { kind: "weekday"; weekday: number } | { kind: "last"; weekday: number } | { kind: "nth"; weekday: number; n: number };

export interface CronSchedule {
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** null: `*` (any day) */
  daysOfMonth: DayOfMonthRule[] | null;
  daysOfWeek: DayOfWeekRule[] | null;
}

export class CronSyntaxError extends Error {
  constructor(source: string, detail: string) {
    super(`Cron "${source}" is invalid: ${detail}.`);
    this.name = "CronSyntaxError";
  }
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The value the first name stands for (JAN = 1, SUN = 1). */
  namesFrom?: number;
}

const MINUTE: FieldSpec = { name: "minute", min: 0, max: 59 };
const HOUR: FieldSpec = { name: "hour", min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { name: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 };
const DAY_OF_WEEK: FieldSpec = { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, namesFrom: 1 };

export function parseCron(source: string): CronSchedule {
  if (typeof source !== "string") throw new CronSyntaxError(String(source), "a cron expression is a string");
  const fields = source.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new CronSyntaxError(source, `expected 5 fields (minute hour day-of-month month day-of-week), got ${source.trim() === "" ? 0 : fields.length}`);
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  return {
    source,
    minutes: parseSet(source, minute, MINUTE),
    hours: parseSet(source, hour, HOUR),
    months: parseSet(source, month, MONTH),
    daysOfMonth: dayOfMonth === "*" ? null : dayOfMonth.split(",").flatMap((item) => parseDayOfMonth(source, item)),
    daysOfWeek: dayOfWeek === "*" ? null : dayOfWeek.split(",").flatMap((item) => parseDayOfWeek(source, item)),
  };
}

/**
 * The first tick strictly after `after` (epoch ms), or null if there is none within ~5 years
 * (e.g. "0 0 31 2 *").
 */
export function nextTick(schedule: CronSchedule, after: number): number | null {
  const start = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate(), start.getUTCHours(), start.getUTCMinutes());
  const limit = after + 5 * 366 * 24 * 3600 * 1000;
  while (t <= limit) {
    const d = new Date(t);
    if (!schedule.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    if (!matchesDay(schedule, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (!schedule.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (!schedule.minutes.has(d.getUTCMinutes())) {
      t += 60_000;
      continue;
    }
    return t;
  }
  return null;
}

/** The latest tick at or before `at` and after `notBefore` (epoch ms), or null. */
export function previousTick(schedule: CronSchedule, at: number, notBefore: number): number | null {
  let found: number | null = null;
  for (let t = nextTick(schedule, notBefore); t !== null && t <= at; t = nextTick(schedule, t)) found = t;
  return found;
}

function matchesDay(schedule: CronSchedule, date: Date): boolean {
  const { daysOfMonth, daysOfWeek } = schedule;
  if (daysOfMonth === null && daysOfWeek === null) return true;
  const byMonth = daysOfMonth !== null && daysOfMonth.some((rule) => matchesDayOfMonth(rule, date));
  const byWeek = daysOfWeek !== null && daysOfWeek.some((rule) => matchesDayOfWeek(rule, date));
  if (daysOfMonth === null) return byWeek;
  if (daysOfWeek === null) return byMonth;
  return byMonth || byWeek;
}

function daysIn(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

function isWeekday(year: number, monthIndex: number, day: number): boolean {
  const weekday = new Date(Date.UTC(year, monthIndex, day)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

function matchesDayOfMonth(rule: DayOfMonthRule, date: Date): boolean {
  const year = date.getUTCFullYear();
  const monthIndex = date.getUTCMonth();
  const day = date.getUTCDate();
  const last = daysIn(year, monthIndex);
  switch (rule.kind) {
    case "day":
      return day === rule.day;
    case "last":
      return day === last;
    case "lastWeekday": {
      let target = last;
      while (!isWeekday(year, monthIndex, target)) target--;
      return day === target;
    }
    case "nearestWeekday": {
      // Quartz: the weekday nearest the given day, never crossing into another month.
      const wanted = Math.min(rule.day, last);
      let target = wanted;
      const weekday = new Date(Date.UTC(year, monthIndex, wanted)).getUTCDay();
      if (weekday === 6) target = wanted === 1 ? 3 : wanted - 1;
      else if (weekday === 0) target = wanted === last ? wanted - 2 : wanted + 1;
      return day === target;
    }
  }
}

function matchesDayOfWeek(rule: DayOfWeekRule, date: Date): boolean {
  const weekday = date.getUTCDay() + 1;
  if (weekday !== rule.weekday) return false;
  const day = date.getUTCDate();
  switch (rule.kind) {
    case "weekday":
      return true;
    case "last":
      return day + 7 > daysIn(date.getUTCFullYear(), date.getUTCMonth());
    case "nth":
      return Math.ceil(day / 7) === rule.n;
  }
}

function parseDayOfMonth(source: string, item: string): DayOfMonthRule[] {
  const upper = item.toUpperCase();
  if (upper === "L") return [{ kind: "last" }];
  if (upper === "LW") return [{ kind: "lastWeekday" }];
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) return [{ kind: "nearestWeekday", day: value(source, nearest[1] as string, DAY_OF_MONTH) }];
  return [...parseSet(source, item, DAY_OF_MONTH)].map((day) => ({ kind: "day", day }));
}

function parseDayOfWeek(source: string, item: string): DayOfWeekRule[] {
  const upper = item.toUpperCase();
  if (upper === "L") return [{ kind: "weekday", weekday: 7 }];
  const last = /^([A-Z]{3}|\d+)L$/.exec(upper);
  if (last) return [{ kind: "last", weekday: value(source, last[1] as string, DAY_OF_WEEK) }];
  const nth = /^([A-Z]{3}|\d+)#(\d+)$/.exec(upper);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronSyntaxError(source, `"${item}": the week in the month after # must be 1-5`);
    return [{ kind: "nth", weekday: value(source, nth[1] as string, DAY_OF_WEEK), n }];
  }
  return [...parseSet(source, item, DAY_OF_WEEK)].map((weekday) => ({ kind: "weekday", weekday }));
}

/** A field of `*`, numbers, names, ranges, steps and lists. */
function parseSet(source: string, field: string, spec: FieldSpec): Set<number> {
  const result = new Set<number>();
  for (const item of field.split(",")) {
    if (item === "") throw new CronSyntaxError(source, `the ${spec.name} field has an empty list item`);
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined || range === undefined || range === "") throw new CronSyntaxError(source, `"${item}" is not a valid ${spec.name}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronSyntaxError(source, `"${item}": the step after / must be a positive whole number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === "*") {
      from = spec.min;
      to = spec.max;
    } else if (range.includes("-")) {
      const [low, high, more] = range.split("-");
      if (more !== undefined || !low || !high) throw new CronSyntaxError(source, `"${item}" is not a valid ${spec.name} range`);
      from = value(source, low, spec);
      to = value(source, high, spec);
      if (from > to) throw new CronSyntaxError(source, `"${item}": a ${spec.name} range must go from low to high`);
    } else {
      from = value(source, range, spec);
      // "5/15" means from 5 to the end in steps of 15.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) result.add(v);
  }
  return result;
}

function value(source: string, text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.namesFrom ?? 0);
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(source, `"${text}" is not a valid ${spec.name}`);
  const number = Number(text);
  if (number < spec.min || number > spec.max) {
    throw new CronSyntaxError(source, `the ${spec.name} ${number} is out of range (${spec.min}-${spec.max})`);
  }
  return number;
}
