// Progress of a long deploy step (bundling, asset uploads) for a person watching a terminal:
// one stderr line rewritten in place and erased when the step ends, so the output left behind
// is the same as when piped. Piped or redirected, nothing is written at all.

/**
 * @typedef {object} Progress
 * @property {(text: string) => void} show  replaces the line shown
 * @property {() => void} clear             erases it (before the command prints its result or error)
 */

/** @type {Progress} */
export const NO_PROGRESS = { show() {}, clear() {} };

/**
 * @param {{ isTTY?: boolean | undefined, write(text: string): unknown }} stream
 * @returns {Progress}
 */
export function progressOn(stream) {
  if (!stream.isTTY) return NO_PROGRESS;
  let shown = false;
  return {
    show(text) {
      stream.write(`\r\x1b[K${text}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}
