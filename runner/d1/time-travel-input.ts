// What the time-travel routes accept, checked before anything runs: bookmarks of the form the
// write log gives them, and timestamps as Cloudflare's API takes them (RFC 3339) or as wrangler
// does (Unix seconds), in the past. The refusals are wrangler's wording.
import { PlatformError } from "../errors.ts";

/** `<16 lowercase hex digits>-<16 lowercase hex digits>`: the only form a bookmark takes. */
const BOOKMARK = /^[0-9a-f]{16}-[0-9a-f]{16}$/;

/** RFC 3339's date-time (seconds optional, as wrangler's check has them), captured in parts to check the day. */
const RFC_3339 = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const UNIX_SECONDS = /^[0-9]{1,11}$/;

/** Where a restore goes: exactly one of a bookmark and a timestamp. */
export type RestoreTarget = { bookmark: string } | { timestamp: Date };

/** Input is echoed in refusals, but never more of it than this. */
const ECHOED_CHARS = 64;
const echoed = (text: string) => (text.length > ECHOED_CHARS ? `${text.slice(0, ECHOED_CHARS)}…` : text);

const refused = (message: string) => new PlatformError("ERR_BAD_REQUEST", 400, message);

/** The bookmark as given, when it has a bookmark's form. */
export function parseBookmark(text: string): string {
  if (!BOOKMARK.test(text)) {
    throw refused(
      `Invalid bookmark '${echoed(text)}'. A bookmark is 16 lowercase hex digits, a dash and 16 more, as \`outpost d1 time-travel info\` prints it.`,
    );
  }
  return text;
}

/** The instant an RFC 3339 or Unix-seconds timestamp names, when it is not after `now`. */
export function parseTimestamp(text: string, now: Date): Date {
  const at = instant(text);
  if (at === null) {
    throw refused(`Invalid timestamp '${echoed(text)}'. Please provide a valid Unix timestamp or ISO string, for example: 2023-07-13T08:46:42.228Z`);
  }
  if (at > now) throw refused(`Invalid timestamp '${echoed(text)}'. Please provide a timestamp in the past`);
  return at;
}

function instant(text: string): Date | null {
  if (UNIX_SECONDS.test(text)) return new Date(Number(text) * 1000);
  const parts = RFC_3339.exec(text);
  if (!parts) return null;
  // Date.parse rolls 2023-02-30 over to March 2; a day past its month's end is refused instead.
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  return new Date(Date.parse(text.toUpperCase()));
}

/** The restore's target from the bookmark and timestamp given (either may be absent). */
export function restoreTarget(given: { bookmark?: string | undefined; timestamp?: string | undefined }, now: Date): RestoreTarget {
  const { bookmark, timestamp } = given;
  if (bookmark !== undefined && timestamp !== undefined) throw refused("Provide either a timestamp, or a bookmark - not both.");
  if (bookmark !== undefined) return { bookmark: parseBookmark(bookmark) };
  if (timestamp !== undefined) return { timestamp: parseTimestamp(timestamp, now) };
  throw refused("Provide either a timestamp or a bookmark");
}
