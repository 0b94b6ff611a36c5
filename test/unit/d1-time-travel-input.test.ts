import { expect, it } from "vitest";
import { parseBookmark, parseTimestamp, restoreTarget } from "../../runner/d1/time-travel-input.ts";

const NOW = new Date("2026-12-01T12:00:00Z");
const BOOKMARK = "00000000000000a1-0000000000000f2c";

/** The message of the PlatformError `fn` throws, with its status. */
function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (error) {
    const { status, message } = error as { status: number; message: string };
    return { status, message };
  }
  throw new Error("not refused");
}

it("parseBookmark: 16 lowercase hex digits, a dash, 16 more", () => {
  expect(parseBookmark(BOOKMARK)).toBe(BOOKMARK);
  for (const bad of [
    "",
    BOOKMARK.toUpperCase(),
    `${BOOKMARK}0`,
    BOOKMARK.slice(1),
    BOOKMARK.replace("-", "_"),
    `${BOOKMARK}\n`,
    "0000000000000000-000000000000000g",
  ]) {
    expect(refusal(() => parseBookmark(bad)).status).toBe(400);
  }
  expect(refusal(() => parseBookmark("'; DROP TABLE d1_databases; --")).message).toBe(
    "Invalid bookmark ''; DROP TABLE d1_databases; --'. A bookmark is 16 lowercase hex digits, a dash and 16 more, as `outpost d1 time-travel info` prints it.",
  );
});

it("parseBookmark: a huge one is echoed by its first 64 characters only", () => {
  expect(refusal(() => parseBookmark("x".repeat(100_000))).message).toMatch(/^Invalid bookmark 'x{64}…'\. /);
});

it("parseTimestamp: RFC 3339 (any offset, seconds and fractions optional) and Unix seconds", () => {
  expect(parseTimestamp("2026-11-30T08:46:42.228Z", NOW).toISOString()).toBe("2026-11-30T08:46:42.228Z");
  expect(parseTimestamp("2026-11-30t08:46:42z", NOW).toISOString()).toBe("2026-11-30T08:46:42.000Z");
  expect(parseTimestamp("2026-11-30T10:46:42+02:00", NOW).toISOString()).toBe("2026-11-30T08:46:42.000Z");
  expect(parseTimestamp("2026-11-30T08:46Z", NOW).toISOString()).toBe("2026-11-30T08:46:00.000Z");
  expect(parseTimestamp("1764492402", NOW).toISOString()).toBe("2025-11-30T08:46:42.000Z");
});

it("parseTimestamp: anything else is wrangler's invalid timestamp", () => {
  for (const bad of [
    "",
    "yesterday",
    "2026-11-30",
    "2026-11-30 08:46:42Z",
    "2026-11-30T08:46:42",
    "2026-02-30T00:00:00Z",
    "2026-11-30T24:00:00Z",
    "-1",
    "1.5",
    "1e9",
  ]) {
    expect(refusal(() => parseTimestamp(bad, NOW))).toEqual({
      status: 400,
      message: `Invalid timestamp '${bad}'. Please provide a valid Unix timestamp or ISO string, for example: 2023-07-13T08:46:42.228Z`,
    });
  }
});

it("parseTimestamp: a time after now is refused; now itself is not", () => {
  expect(refusal(() => parseTimestamp("2026-12-01T12:00:01Z", NOW)).message).toBe(
    "Invalid timestamp '2026-12-01T12:00:01Z'. Please provide a timestamp in the past",
  );
  expect(parseTimestamp("2026-12-01T12:00:00Z", NOW)).toEqual(NOW);
});

it("restoreTarget: exactly one of bookmark and timestamp", () => {
  expect(restoreTarget({ bookmark: BOOKMARK }, NOW)).toEqual({ bookmark: BOOKMARK });
  expect(restoreTarget({ timestamp: "1764492402" }, NOW)).toEqual({ timestamp: new Date("2025-11-30T08:46:42Z") });
  expect(refusal(() => restoreTarget({ bookmark: BOOKMARK, timestamp: "1764492402" }, NOW)).message).toBe(
    "Provide either a timestamp, or a bookmark - not both.",
  );
  expect(refusal(() => restoreTarget({}, NOW)).message).toBe("Provide either a timestamp or a bookmark");
  expect(refusal(() => restoreTarget({ bookmark: undefined, timestamp: undefined }, NOW)).message).toBe("Provide either a timestamp or a bookmark");
});
