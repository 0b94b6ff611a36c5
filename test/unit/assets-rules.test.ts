import { expect, it } from "vitest";
import { compileHeaders, compileRedirects, globMatches, patternProblem, runWorkerFirstProblem } from "../../runner/assets/rules.ts";
import { ASSETS_BINDING } from "../../runner/assets/binding.ts";

const url = (path: string) => new URL(`https://site.example${path}`);
const issues = (assets: unknown) => ASSETS_BINDING.schema.safeParse(assets).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

it("globMatches: * matches any run of characters, slashes included; the rest is literal", () => {
  expect(globMatches("/api/*", "/api/users/1")).toBe(true);
  expect(globMatches("/api/*", "/api")).toBe(false);
  expect(globMatches("/*.js", "/a/b.js")).toBe(true);
  expect(globMatches("/exact", "/exact")).toBe(true);
  expect(globMatches("/exact", "/exact/")).toBe(false);
  expect(globMatches("/a.b", "/aXb")).toBe(false);
});

it("globMatches: a pattern of many stars against a long path answers at once", () => {
  const started = Date.now();
  expect(globMatches(`/${"*a".repeat(40)}*b`, `/${"a".repeat(20_000)}`)).toBe(false);
  expect(Date.now() - started).toBeLessThan(1000);
});

it("runWorkerFirstProblem: Cloudflare's rules and wording", () => {
  expect(runWorkerFirstProblem(["/api/*", "!/api/docs/*"])).toBe(null);
  expect(runWorkerFirstProblem([])).toBe("No `run_worker_first` rules were provided; must provide at least 1 rule.");
  expect(runWorkerFirstProblem(["!/static/*"])).toBe("Only negative `run_worker_first` rules were provided; must provide at least 1 non-negative rule");
  expect(runWorkerFirstProblem(["api/*"])).toBe("Invalid routes in `run_worker_first`:\n'api/*': rules must start with '/' or '!/'");
  expect(runWorkerFirstProblem(["/a", "!api"])).toBe("Invalid routes in `run_worker_first`:\n'!api': negative rules must start with '!/'");
  expect(runWorkerFirstProblem(["/api/*", "/api/users"])).toBe("Invalid routes in `run_worker_first`:\n'/api/users': rule '/api/*' makes it redundant");
  expect(runWorkerFirstProblem(["/a", "/a"])).toBe("Invalid routes in `run_worker_first`:\n'/a': rule is a duplicate; rules must be unique");
  expect(runWorkerFirstProblem(Array.from({ length: 101 }, (_, i) => `/r${i}`))).toBe(
    "Too many `run_worker_first` rules were provided; 101 rules provided exceeds max of 100.",
  );
});

it("patternProblem: one splat, unique placeholders, one variable part per path segment", () => {
  for (const pattern of ["/blog/:slug", "/docs/*", "/*.html", "/:year/:month/*", "https://:sub.example.com/*"]) expect(patternProblem(pattern)).toBe(null);
  expect(patternProblem("/*/a/*")).toBe("/*/a/*: only one * is allowed per rule.");
  expect(patternProblem("/:a/:a")).toBe("/:a/:a: each placeholder may appear once.");
  expect(patternProblem("/x/:splat/*")).toBe("/x/:splat/*: a * cannot be combined with a :splat placeholder.");
  expect(patternProblem("/:a-:b")).toBe("/:a-:b: at most one placeholder or * per path segment on Outpost (split the rule).");
  expect(patternProblem("/:a*")).toMatch(/at most one placeholder or \*/);
});

it("compileRedirects: the first matching rule wins, placeholders and the splat substituted", () => {
  const redirectFor = compileRedirects([
    { from: "/old", to: "/new", status: 301 },
    { from: "/blog/:year/*", to: "/posts/:year/:splat", status: 302 },
    { from: "/blog/*", to: "/never", status: 302 },
    { from: "/ext/*", to: "https://other.example//:splat", status: 308 },
  ]);
  expect(redirectFor(url("/old"))).toEqual({ from: "/old", to: "/new", status: 301 });
  expect(redirectFor(url("/blog/2024/a/b"))?.to).toBe("/posts/2024/a/b");
  expect(redirectFor(url("/blog/2024/"))?.to).toBe("/posts/2024/");
  expect(redirectFor(url("/ext/x"))?.to).toBe("https://other.example//x");
  expect(redirectFor(url("/elsewhere"))).toBe(null);
});

it("compileHeaders: every matching rule applies in order; unset, then set; a header set twice keeps both", () => {
  const apply = compileHeaders([
    { path: "/*", set: { "x-frame-options": "DENY", "x-tag": "all" } },
    { path: "/static/:name", set: { "x-tag": "static :name" }, unset: ["x-frame-options"] },
    { path: "https://other.example/*", set: { "x-other": "1" } },
  ]);
  const headers = new Headers({ "x-frame-options": "SAMEORIGIN" });
  apply(url("/static/logo.png"), headers);
  expect(Object.fromEntries(headers)).toEqual({ "x-tag": "all, static logo.png" });
  const page = new Headers();
  apply(url("/about"), page);
  expect(Object.fromEntries(page)).toEqual({ "x-frame-options": "DENY", "x-tag": "all" });
  const other = new Headers();
  apply(new URL("http://other.example:8080/x"), other);
  expect(other.get("x-other")).toBe("1");
});

it("assets field: rules that could break a response or the router are refused with what to change", () => {
  const files = {};
  expect(issues({ files, headers: [{ path: "/*", set: { "x-a": "1\r\nset-cookie: a=b" } }] })).toEqual([
    "headers.0.set.x-a: Header values cannot contain line breaks.",
  ]);
  expect(issues({ files, headers: [{ path: "/*", set: { "content-length": "1" } }] })).toEqual([
    "headers.0.set.content-length: connection, content-length, keep-alive, te, trailer, transfer-encoding, upgrade are set by the platform, not by _headers.",
  ]);
  expect(issues({ files, headers: [{ path: "/*", set: { "bad name": "1" } }] })?.[0]).toMatch(/^headers\.0\.set\.bad name: Header names are HTTP tokens/);
  expect(issues({ files, headers: [{ path: "/*" }] })).toEqual(["headers.0: No headers specified"]);
  expect(issues({ files, redirects: [{ from: "/:a-:b", to: "/x", status: 302 }] })).toEqual([
    "redirects.0.from: /:a-:b: at most one placeholder or * per path segment on Outpost (split the rule).",
  ]);
  expect(issues({ files, redirects: [{ from: "/a", to: "/x\r\n", status: 302 }] })).toEqual([
    "redirects.0.to: Redirect targets cannot contain control characters.",
  ]);
  expect(issues({ files, redirects: [{ from: "/a", to: "/x", status: 305 }] })).toEqual([
    "redirects.0.status: Valid status codes are 200, 301, 302 (default), 303, 307, or 308.",
  ]);
  expect(issues({ files, redirects: [{ from: "https://x.example/a", to: "/x", status: 302 }] })).toEqual([
    "redirects.0.from: URLs should begin with a forward-slash.",
  ]);
  const dynamic = Array.from({ length: 101 }, (_, i) => ({ from: `/d${i}/*`, to: "/x", status: 302 }));
  expect(issues({ files, redirects: dynamic })).toEqual(["redirects: Maximum number of dynamic rules supported is 100."]);
  expect(issues({ files, runWorkerFirst: ["api"] })).toEqual([
    "runWorkerFirst: Invalid routes in `run_worker_first`:\n'api': rules must start with '/' or '!/'",
  ]);
  expect(issues({ files, runWorkerFirst: ["/api/*"], headers: [{ path: "/*", unset: ["x-powered-by"] }] })).toBe(undefined);
});
