// Text the database keeps as `text` or `jsonb`. Postgres refuses NUL in both, and a UTF-16
// surrogate without its pair is not Unicode: UTF-8 cannot carry it (the driver would store
// U+FFFD instead, silently) and jsonb refuses its escape. Such input is refused where it
// enters, with a message, instead of failing (or changing) in the database.

// With the `u` flag a well-formed surrogate pair is one code point, so \p{Cs} matches only a lone half.
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export const UNSTORABLE_TEXT = "Text must not contain NUL characters or unpaired UTF-16 surrogates.";

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** Whether `text` is well-formed Unicode (no surrogate without its pair); NUL is fine. */
export function isWellFormedText(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

/** The path of the first key or string inside a JSON value that is not storable text, or null. */
export function unstorablePath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === "string") return isStorableText(value) ? null : path;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (!isStorableText(key)) return at;
    const found = unstorablePath(item, at);
    if (found) return found;
  }
  return null;
}
