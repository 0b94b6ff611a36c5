// `_redirects` and `_headers` in the assets directory, read at deploy as Cloudflare reads them
// (https://developers.cloudflare.com/workers/static-assets/redirects/,
// https://developers.cloudflare.com/workers/static-assets/headers/): a line that breaks a rule
// is skipped with a warning naming it, the others are deployed. The platform checks the parsed
// rules again (runner/assets/binding.ts).

const MAX_LINE_LENGTH = 2000;
const MAX_STATIC_REDIRECTS = 2000;
const MAX_DYNAMIC_REDIRECTS = 100;
const MAX_HEADER_RULES = 100;
const REDIRECT_STATUSES = [200, 301, 302, 303, 307, 308];
const DYNAMIC = /\*|:[A-Za-z]\w*/;

/** @typedef {{ message: string, line?: string, lineNumber?: number }} InvalidRule */
/** @typedef {{ from: string, to: string, status: number }} RedirectRule */
/** @typedef {{ path: string, set?: Record<string, string>, unset?: string[] }} HeaderRule */

/**
 * @param {string} text
 * @param {{ htmlHandling?: string | undefined }} [options]
 * @returns {{ rules: RedirectRule[], invalid: InvalidRule[] }}
 */
export function parseRedirects(text, { htmlHandling } = {}) {
  /** @type {RedirectRule[]} */
  const rules = [];
  /** @type {InvalidRule[]} */
  const invalid = [];
  const seen = new Set();
  const lines = text.split("\n");
  let staticCount = 0;
  let dynamicCount = 0;
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const lineNumber = index + 1;
    if (line === "" || line.startsWith("#")) continue;
    if (line.length > MAX_LINE_LENGTH) {
      invalid.push({ message: `Ignoring line ${lineNumber} as it exceeds the maximum allowed length of ${MAX_LINE_LENGTH}.` });
      continue;
    }
    /** @param {string} message */
    const skip = (message) => invalid.push({ line, lineNumber, message });
    // A comment after the rule goes; a #fragment in the target stays.
    const tokens = line.replace(/\s+#.*$/, "").split(/\s+/);
    if (tokens.length < 2 || tokens.length > 3) {
      skip(`Expected exactly 2 or 3 whitespace-separated tokens. Got ${tokens.length}.`);
      continue;
    }
    const [fromToken = "", toToken = "", statusToken = "302"] = tokens;
    if (absoluteUrl(fromToken)) {
      skip(`Only relative URLs are allowed. Skipping absolute URL ${fromToken}.`);
      continue;
    }
    const from = normalizedPath(fromToken.startsWith("/") ? fromToken : `/${fromToken}`, false);
    // Rules before the first one with a splat or placeholder are static; any later one is dynamic.
    if (dynamicCount === 0 && !DYNAMIC.test(from)) {
      if (++staticCount > MAX_STATIC_REDIRECTS) {
        invalid.push({ message: `Maximum number of static rules supported is ${MAX_STATIC_REDIRECTS}. Skipping line.` });
        continue;
      }
    } else if (++dynamicCount > MAX_DYNAMIC_REDIRECTS) {
      invalid.push({
        message: `Maximum number of dynamic rules supported is ${MAX_DYNAMIC_REDIRECTS}. Skipping remaining ${lines.length - index} lines of file.`,
      });
      break;
    }
    const to = target(toToken);
    if (to === null) {
      skip('URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with "https://").');
      continue;
    }
    const status = Number(statusToken);
    if (!REDIRECT_STATUSES.includes(status)) {
      skip(`Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got ${statusToken}.`);
      continue;
    }
    // "/* /index.html" (and "/ /index" with html_handling) would loop: the asset server
    // redirects /index.html back to / and the rule fires again.
    const toIndex = /\/index(\.html)?$/.test(to);
    if (!absoluteUrl(to) && toIndex && (from.endsWith("/*") || (from.endsWith("/") && htmlHandling !== "none"))) {
      skip(
        "Infinite loop detected in this rule and has been ignored. This will cause a redirect to strip `.html` or `/index` and end up triggering this rule again. Please fix or remove this rule to silence this warning.",
      );
      continue;
    }
    if (seen.has(from)) {
      skip(`Ignoring duplicate rule for path ${from}.`);
      continue;
    }
    seen.add(from);
    if (status === 200 && absoluteUrl(to)) {
      skip(`Proxy (200) redirects can only point to relative paths. Got ${to}`);
      continue;
    }
    rules.push({ from, to, status });
  }
  return { rules, invalid };
}

/**
 * @param {string} text
 * @returns {{ rules: HeaderRule[], invalid: InvalidRule[] }}
 */
export function parseHeaders(text) {
  /** @type {HeaderRule[]} */
  const rules = [];
  /** @type {InvalidRule[]} */
  const invalid = [];
  /** @type {{ path: string, line: string, set: Record<string, string>, unset: string[] } | null} */
  let rule = null;
  // After a refused path, its header lines are skipped quietly until the next path.
  let skipping = false;
  const finish = (/** @type {number | undefined} */ lineNumber) => {
    if (!rule) return;
    const hasSet = Object.keys(rule.set).length > 0;
    if (hasSet || rule.unset.length > 0)
      rules.push({ path: rule.path, ...(hasSet ? { set: rule.set } : {}), ...(rule.unset.length ? { unset: rule.unset } : {}) });
    else invalid.push({ line: rule.line, ...(lineNumber ? { lineNumber } : {}), message: "No headers specified" });
    rule = null;
  };
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const lineNumber = index + 1;
    if (line === "" || line.startsWith("#")) continue;
    if (line.length > MAX_LINE_LENGTH) {
      invalid.push({ message: `Ignoring line ${lineNumber} as it exceeds the maximum allowed length of ${MAX_LINE_LENGTH}.` });
      continue;
    }
    /** @param {string} message */
    const skip = (message) => invalid.push({ line, lineNumber, message });
    if (/^([^\s]+:\/\/|\/)/.test(line)) {
      skipping = false;
      finish(lineNumber);
      if (rules.length >= MAX_HEADER_RULES) {
        invalid.push({ message: `Maximum number of rules supported is ${MAX_HEADER_RULES}. Skipping remaining ${lines.length - index} lines of file.` });
        break;
      }
      const problem = headerPathProblem(line);
      if (problem) {
        skip(problem);
        skipping = true;
        continue;
      }
      rule = { path: absoluteUrl(line) ?? normalizedPath(line, false), line, set: {}, unset: [] };
      continue;
    }
    if (skipping) continue;
    const colon = line.indexOf(":");
    if (colon === -1) {
      if (!rule) skip("Expected a path beginning with at least one forward-slash");
      else if (line.startsWith("! ")) rule.unset.push(line.slice(2).trim());
      else skip("Expected a colon-separated header pair (e.g. name: value)");
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name.includes(" ")) skip("Header name cannot include spaces");
    else if (name === "") skip("No header name specified");
    else if (value === "") skip("No header value specified");
    else if (!rule) skip(`Path should come before header (${name}: ${value})`);
    else rule.set[name] = rule.set[name] ? `${rule.set[name]}, ${value}` : value;
  }
  finish(undefined);
  return { rules, invalid };
}

/**
 * Warns about the lines that were skipped, as wrangler does.
 * @param {string} file   the file, as the user knows it
 * @param {string} kind   "redirect" or "header"
 * @param {InvalidRule[]} invalid
 */
export function invalidRulesWarning(file, kind, invalid) {
  const list = invalid.map(({ message, line, lineNumber }) => `▶︎ ${message}${line ? `\n    at ${file}${lineNumber ? `:${lineNumber}` : ""} | ${line}` : ""}`);
  return `Found ${invalid.length} invalid ${kind} rule${invalid.length === 1 ? "" : "s"}:\n${list.join("\n")}`;
}

/** @param {string} path */
function headerPathProblem(path) {
  const absolute = /^https:\/\/+([^/]+)/.exec(path);
  if (absolute && /:\d+$/.test(absolute[1] ?? "")) return `Specifying ports is not supported. Skipping absolute URL ${path}.`;
  if (!absolute && !path.startsWith("/")) return 'URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with "https://").';
  const wildcards = (path.match(/\*/g) ?? []).length;
  if (wildcards > 1) return `Only one wildcard is allowed per rule. Use a named placeholder (e.g. :project) instead. Skipping ${path}.`;
  if (wildcards > 0 && /:splat(?!\w)/.test(path)) {
    return `Cannot combine a wildcard * with a :splat placeholder because wildcards are converted to :splat at runtime. Skipping ${path}.`;
  }
  return null;
}

/**
 * A redirect target: a path (with its query and fragment) or an https:// URL; null otherwise.
 * @param {string} token
 */
function target(token) {
  return absoluteUrl(token, true) ?? (token.startsWith("/") ? normalizedPath(token, true) : null);
}

/**
 * `https://host/path` normalised, or null for anything else. Only https counts as absolute.
 * @param {string} token
 * @param {boolean} [keepQuery]
 */
function absoluteUrl(token, keepQuery = false) {
  const match = /^https:\/\/+([^/]+)\/?(.*)/.exec(token);
  return match ? `https://${match[1]}${normalizedPath(`/${match[2] ?? ""}`, keepQuery)}` : null;
}

/**
 * A path as a URL parser reads it (dot segments resolved, spaces encoded); `*` and `:` stay.
 * @param {string} path  starting with /
 * @param {boolean} keepQuery
 */
function normalizedPath(path, keepQuery) {
  const url = new URL(`//${path}`, "relative://");
  return `${url.pathname}${keepQuery ? `${url.search}${url.hash}` : ""}`;
}
