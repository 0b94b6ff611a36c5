// `.assetsignore`: gitignore-style patterns naming asset files that are not uploaded
// (https://developers.cloudflare.com/workers/static-assets/binding/#ignoring-assets).
// `.assetsignore`, `_redirects` and `_headers` at the top of the directory are ignored unless a
// `!` line brings them back, as wrangler does.

/** Ignored by default; a `!/_headers` line in `.assetsignore` uploads it after all. */
const DEFAULT_PATTERNS = ["/.assetsignore", "/_redirects", "/_headers"];

/**
 * @typedef {{ regex: RegExp, negated: boolean, directoryOnly: boolean }} IgnoreRule
 */

/**
 * A predicate on a file's path relative to the assets directory ("a/b.txt"): true when ignored.
 * As in git, a file under an ignored directory stays ignored whatever later `!` lines say.
 * @param {string | undefined} assetsIgnore the file's text, if there is one
 * @returns {(relativePath: string) => boolean}
 */
export function assetsIgnoreMatcher(assetsIgnore) {
  const rules = [...DEFAULT_PATTERNS, ...(assetsIgnore ?? "").split("\n")].map(parseLine).filter((rule) => rule !== null);
  /** @param {string} path @param {boolean} directory */
  const ignored = (path, directory) => {
    let result = false;
    for (const rule of rules) if ((directory || !rule.directoryOnly) && rule.regex.test(path)) result = !rule.negated;
    return result;
  };
  return (relativePath) => {
    const segments = relativePath.split("/");
    for (let depth = 1; depth < segments.length; depth++) if (ignored(segments.slice(0, depth).join("/"), true)) return true;
    return ignored(relativePath, false);
  };
}

/**
 * @param {string} raw
 * @returns {IgnoreRule | null}
 */
function parseLine(raw) {
  let line = raw.replace(/\r$/, "").replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return null;
  const negated = line.startsWith("!");
  if (negated) line = line.slice(1);
  if (line.startsWith("\\#") || line.startsWith("\\!")) line = line.slice(1);
  const directoryOnly = line.endsWith("/");
  if (directoryOnly) line = line.slice(0, -1);
  // A pattern with a slash before its end is relative to the directory; one without matches at any depth.
  const anchored = line.includes("/");
  if (line.startsWith("/")) line = line.slice(1);
  if (line === "") return null;
  const body = globToRegex(line);
  return { regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`), negated, directoryOnly };
}

/** @param {string} glob */
function globToRegex(glob) {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? "";
    if (glob.startsWith("**/", i)) {
      out += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i) && i + 2 === glob.length) {
      out += ".*";
      i += 1;
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else if (char === "\\" && i + 1 < glob.length) out += escapeRegex(glob[++i] ?? "");
    else if (char === "[" && glob.indexOf("]", i + 2) !== -1) {
      const end = glob.indexOf("]", i + 2);
      const inner = glob
        .slice(i + 1, end)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      out += `[${inner}]`;
      i = end;
    } else out += escapeRegex(char);
  }
  return out;
}

/** @param {string} text */
function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
