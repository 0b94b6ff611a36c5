// The rule languages of static assets, as Cloudflare's asset router reads them
// (https://developers.cloudflare.com/workers/static-assets/redirects/#advanced-redirects):
// `_headers`/`_redirects` path patterns, where `*` is a splat and `:name` a placeholder within
// one path segment, and `run_worker_first` globs, where `*` matches anything.
// These run in the runner for every tenant, so no pattern may backtrack without bound: globs are
// matched without regular expressions, and a `_headers`/`_redirects` pattern is refused unless
// each path segment holds at most one placeholder or splat (patternProblem).
import { ASSET_RULE_LIMITS, type HeaderRule, type RedirectRule } from "./constants.ts";

const PLACEHOLDER = /:([A-Za-z]\w*)/g;
const PLACEHOLDER_TEST = /:[A-Za-z]/;
const REGEX_SPECIALS = /[-/\\^$*+?.()|[\]{}]/g;

/** Why a `_headers`/`_redirects` pattern is refused, or null. */
export function patternProblem(pattern: string): string | null {
  const { host, path } = splitPattern(pattern);
  const names = [...pattern.matchAll(PLACEHOLDER)].map((match) => match[1]);
  if (new Set(names).size !== names.length) return `${pattern}: each placeholder may appear once.`;
  if ((pattern.match(/\*/g) ?? []).length > 1) return `${pattern}: only one * is allowed per rule.`;
  if (names.includes("splat") && pattern.includes("*")) return `${pattern}: a * cannot be combined with a :splat placeholder.`;
  const crowded = [...host.split("."), ...path.split("/")].find((part) => (part.match(PLACEHOLDER) ?? []).length + (part.match(/\*/g) ?? []).length > 1);
  if (crowded !== undefined) return `${pattern}: at most one placeholder or * per path segment on Outpost (split the rule).`;
  try {
    compilePattern(pattern);
  } catch {
    return `${pattern}: not a valid pattern.`;
  }
  return null;
}

/** A matcher giving the placeholder values (`splat` for `*`) of a URL, or null when it does not match. */
export type PatternMatcher = (url: URL) => Record<string, string> | null;

export function compilePattern(pattern: string): PatternMatcher {
  const { host, path } = splitPattern(pattern);
  // Cloudflare matches absolute rules against https://<hostname><path>, whatever the scheme and port.
  const regex = new RegExp(`^${host === "" ? "" : `https://${toRegex(host, "[^/.]+")}`}${toRegex(path, "[^/]+")}$`);
  return (url) => {
    const match = regex.exec(host === "" ? url.pathname : `https://${url.hostname}${url.pathname}`);
    return match ? { ...match.groups } : null;
  };
}

/** `:name` (and `:splat`) in a redirect target or header value replaced by what the pattern captured. */
export function substitute(text: string, values: Record<string, string>): string {
  let result = text;
  for (const [name, value] of Object.entries(values)) result = result.replaceAll(`:${name}`, value);
  return result;
}

/** The first redirect rule matching the URL, its target substituted. */
export function compileRedirects(rules: RedirectRule[]): (url: URL) => RedirectRule | null {
  // The rules before the first with a `*` or placeholder match one path each: a lookup, not a scan.
  const firstDynamic = rules.findIndex((rule) => rule.from.includes("*") || PLACEHOLDER_TEST.test(rule.from));
  const leading = firstDynamic === -1 ? rules : rules.slice(0, firstDynamic);
  const exact = new Map<string, RedirectRule>();
  for (const rule of leading) if (!exact.has(rule.from)) exact.set(rule.from, rule);
  const compiled = rules.slice(leading.length).map((rule) => ({ rule, match: compilePattern(rule.from) }));
  return (url) => {
    const hit = exact.get(url.pathname);
    if (hit) return hit;
    for (const { rule, match } of compiled) {
      const values = match(url);
      if (!values) continue;
      const to = substitute(rule.to, values).trim();
      // A relative target loses repeated slashes; an absolute one is left as written.
      return { ...rule, to: /^\w+:\/\//.test(to) ? to : to.replace(/\/+/g, "/") };
    }
    return null;
  };
}

/** Applies every `_headers` rule matching the URL, in order: unsets first, then sets; a header set twice gets both values. */
export function compileHeaders(rules: HeaderRule[]): (url: URL, headers: Headers) => void {
  const compiled = rules.map((rule) => ({ rule, match: compilePattern(rule.path) }));
  return (url, headers) => {
    const setHere = new Set<string>();
    for (const { rule, match } of compiled) {
      const values = match(url);
      if (!values) continue;
      for (const name of rule.unset ?? []) headers.delete(name);
      for (const [name, value] of Object.entries(rule.set ?? {})) {
        const substituted = substitute(value, values);
        if (setHere.has(name.toLowerCase())) headers.append(name, substituted);
        else headers.set(name, substituted);
        setHere.add(name.toLowerCase());
      }
    }
  };
}

/**
 * `run_worker_first` glob (`*` matches any run of characters, `/` included) against a path, in
 * O(pattern × path): a star remembers where it started and only ever moves forward.
 */
export function globMatches(glob: string, path: string): boolean {
  let g = 0;
  let p = 0;
  let star = -1;
  let resume = 0;
  while (p < path.length) {
    if (g < glob.length && glob[g] === "*") {
      star = g++;
      resume = p;
    } else if (g < glob.length && glob[g] === path[p]) {
      g++;
      p++;
    } else if (star !== -1) {
      g = star + 1;
      p = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === "*") g++;
  return g === glob.length;
}

/** `run_worker_first` as routing rules: "/…" patterns run the worker first, "!/…" ones serve assets. */
export function splitRunWorkerFirst(rules: string[]): { worker: string[]; assets: string[] } {
  return {
    worker: rules.filter((rule) => rule.startsWith("/")),
    assets: rules.filter((rule) => rule.startsWith("!/")).map((rule) => rule.slice(1)),
  };
}

/** Why a `run_worker_first` list is refused, or null: Cloudflare's rules and wording. */
export function runWorkerFirstProblem(rules: string[]): string | null {
  const { MAX_RUN_WORKER_FIRST_RULES: maxRules, MAX_RUN_WORKER_FIRST_RULE_LENGTH: maxLength } = ASSET_RULE_LIMITS;
  if (rules.length === 0) return "No `run_worker_first` rules were provided; must provide at least 1 rule.";
  if (rules.length > maxRules) {
    return `Too many \`run_worker_first\` rules were provided; ${rules.length} rules provided exceeds max of ${maxRules}.`;
  }
  const invalid: string[] = [];
  for (const rule of rules) {
    if (rule.startsWith("!") && !rule.startsWith("!/")) invalid.push(`'${rule}': negative rules must start with '!/'`);
    else if (!rule.startsWith("/") && !rule.startsWith("!/")) invalid.push(`'${rule}': rules must start with '/' or '!/'`);
  }
  const { worker, assets } = splitRunWorkerFirst(rules);
  if (assets.length > 0 && worker.length === 0) {
    return "Only negative `run_worker_first` rules were provided; must provide at least 1 non-negative rule";
  }
  for (const group of [worker, assets.map((rule) => `!${rule}`)]) {
    const seen = new Set<string>();
    for (const rule of group) {
      if (rule.length > maxLength) invalid.push(`'${rule}': all rules must be less than ${maxLength} characters in length`);
      if (seen.has(rule)) invalid.push(`'${rule}': rule is a duplicate; rules must be unique`);
      seen.add(rule);
      if (rule.endsWith("*")) {
        for (const other of group) if (other !== rule && other.startsWith(rule.slice(0, -1))) invalid.push(`'${other}': rule '${rule}' makes it redundant`);
      }
    }
  }
  return invalid.length > 0 ? `Invalid routes in \`run_worker_first\`:\n${invalid.join("\n")}` : null;
}

function splitPattern(pattern: string): { host: string; path: string } {
  if (!pattern.startsWith("https://")) return { host: "", path: pattern };
  const rest = pattern.slice("https://".length);
  const slash = rest.indexOf("/");
  return slash === -1 ? { host: rest, path: "/" } : { host: rest.slice(0, slash), path: rest.slice(slash) };
}

/** Literal text escaped, `*` a named `splat` group, `:name` a named group of `placeholder`. */
function toRegex(text: string, placeholder: string): string {
  return text
    .split("*")
    .map((piece) => piece.replace(REGEX_SPECIALS, "\\$&").replace(PLACEHOLDER, (_, name: string) => `(?<${name}>${placeholder})`))
    .join("(?<splat>.*)");
}
