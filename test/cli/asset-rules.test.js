// `.assetsignore`, `_redirects` and `_headers` read at deploy, as wrangler and Cloudflare read
// them: the parsers on their own, then small projects through deployBody (nothing is sent).
import { afterAll, describe, expect, it } from "vitest";
import { parseHeaders, parseRedirects } from "../../cli/asset-rules.js";
import { assetsIgnoreMatcher } from "../../cli/assets-ignore.js";
import { deployBody } from "../../cli/deploy.js";
import { HELLO, removeTempProjects, tempProject } from "./temp-project.js";

afterAll(removeTempProjects);

/** @param {Record<string, string>} files  the assets directory's files */
const project = (files, assets = "") =>
  tempProject({
    "wrangler.toml": ['name = "site"', 'main = "worker.js"', 'compatibility_date = "2026-04-01"', "[assets]", 'directory = "public"', assets].join("\n"),
    "worker.js": HELLO,
    ...Object.fromEntries(Object.entries(files).map(([path, content]) => [`public/${path}`, content])),
  });

describe("_redirects", () => {
  it("parseRedirects: source, destination and an optional status (302 by default); comments skipped", () => {
    const { rules, invalid } = parseRedirects(
      ["# moved pages", "/old /new 301", "/blog/* /posts/:splat", "/a/:id /b?id=:id#top 307 # inline comment", "/ext https://example.com/x 308", ""].join("\n"),
    );
    expect(invalid).toEqual([]);
    expect(rules).toEqual([
      { from: "/old", to: "/new", status: 301 },
      { from: "/blog/*", to: "/posts/:splat", status: 302 },
      { from: "/a/:id", to: "/b?id=:id#top", status: 307 },
      { from: "/ext", to: "https://example.com/x", status: 308 },
    ]);
  });

  it("parseRedirects: a broken line is skipped with Cloudflare's message and its line number", () => {
    const { rules, invalid } = parseRedirects(
      [
        "/one",
        "https://example.com/a /b",
        "/c /d 404",
        "/e http://insecure.example/",
        "/* /index.html",
        "/f /g",
        "/f /h",
        "/p https://example.com/ 200",
        "/ok /fine",
      ].join("\n"),
    );
    expect(rules).toEqual([
      { from: "/f", to: "/g", status: 302 },
      { from: "/ok", to: "/fine", status: 302 },
    ]);
    expect(invalid.map(({ lineNumber, message }) => `${lineNumber}: ${message}`)).toEqual([
      "1: Expected exactly 2 or 3 whitespace-separated tokens. Got 1.",
      "2: Only relative URLs are allowed. Skipping absolute URL https://example.com/a.",
      "3: Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got 404.",
      '4: URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with "https://").',
      "5: Infinite loop detected in this rule and has been ignored. This will cause a redirect to strip `.html` or `/index` and end up triggering this rule again. Please fix or remove this rule to silence this warning.",
      "7: Ignoring duplicate rule for path /f.",
      "8: Proxy (200) redirects can only point to relative paths. Got https://example.com/",
    ]);
  });

  it("parseRedirects: at most 2000 static and 100 dynamic rules, lines of at most 2000 characters", () => {
    const statics = Array.from({ length: 2001 }, (_, i) => `/s${i} /t`);
    expect(parseRedirects(statics.join("\n")).invalid).toEqual([{ message: "Maximum number of static rules supported is 2000. Skipping line." }]);
    const dynamics = Array.from({ length: 102 }, (_, i) => `/d${i}/* /t`);
    const parsed = parseRedirects(dynamics.join("\n"));
    expect(parsed.rules).toHaveLength(100);
    expect(parsed.invalid).toEqual([{ message: "Maximum number of dynamic rules supported is 100. Skipping remaining 2 lines of file." }]);
    expect(parseRedirects(`/long /${"x".repeat(2000)}`).invalid).toEqual([{ message: "Ignoring line 1 as it exceeds the maximum allowed length of 2000." }]);
  });
});

describe("_headers", () => {
  it("parseHeaders: a path, then indented headers; names lowercased, repeats joined, ! unsets", () => {
    const { rules, invalid } = parseHeaders(
      ["# security", "/*", "  X-Frame-Options: DENY", "  Link: </a.css>; rel=preload", "  Link: </b.js>; rel=preload", "/static/*", "  ! X-Frame-Options"].join(
        "\n",
      ),
    );
    expect(invalid).toEqual([]);
    expect(rules).toEqual([
      { path: "/*", set: { "x-frame-options": "DENY", link: "</a.css>; rel=preload, </b.js>; rel=preload" } },
      { path: "/static/*", unset: ["X-Frame-Options"] },
    ]);
  });

  it("parseHeaders: a broken line is skipped with Cloudflare's message", () => {
    const { rules, invalid } = parseHeaders(
      [
        "X-Early: 1",
        "/a",
        "  no colon here",
        "  bad name: 1",
        "  x-empty:",
        "/b",
        "https://example.com:8443/*",
        "  x-port: 1",
        "/*/x/*",
        "/c",
        "  x-ok: 1",
      ].join("\n"),
    );
    expect(rules).toEqual([{ path: "/c", set: { "x-ok": "1" } }]);
    expect(invalid.map(({ lineNumber, message }) => `${lineNumber ?? "-"}: ${message}`)).toEqual([
      "1: Path should come before header (x-early: 1)",
      "3: Expected a colon-separated header pair (e.g. name: value)",
      "4: Header name cannot include spaces",
      "5: No header value specified",
      "6: No headers specified",
      "7: No headers specified",
      "7: Specifying ports is not supported. Skipping absolute URL https://example.com:8443/*.",
      "9: Only one wildcard is allowed per rule. Use a named placeholder (e.g. :project) instead. Skipping /*/x/*.",
    ]);
  });

  it("parseHeaders: at most 100 rules", () => {
    const text = Array.from({ length: 101 }, (_, i) => `/p${i}\n  x-n: ${i}`).join("\n");
    const { rules, invalid } = parseHeaders(text);
    expect(rules).toHaveLength(100);
    expect(invalid).toEqual([{ message: "Maximum number of rules supported is 100. Skipping remaining 2 lines of file." }]);
  });
});

describe(".assetsignore", () => {
  it("assetsIgnoreMatcher: gitignore patterns; the rule files are ignored unless brought back", () => {
    const ignored = assetsIgnoreMatcher(["_worker.js", "/*.map", "drafts/", "**/*.psd", "*.md", "!keep.md", "!_headers"].join("\n"));
    for (const path of ["_worker.js/index.js", "app.js.map", "drafts/a.html", "img/deep/x.psd", "notes.md", "docs/notes.md", "_redirects", ".assetsignore"]) {
      expect([path, ignored(path)]).toEqual([path, true]);
    }
    for (const path of ["js/app.js.map", "drafts.html", "keep.md", "_headers", "sub/_redirects", ".well-known/x"])
      expect([path, ignored(path)]).toEqual([path, false]);
  });

  it("assetsIgnoreMatcher: a file in an ignored directory cannot be brought back", () => {
    const ignored = assetsIgnoreMatcher("private/\n!private/public.txt");
    expect(ignored("private/public.txt")).toBe(true);
  });
});

describe("a project's rules at deploy", () => {
  it("deployBody: ignored files are not in the manifest; _headers and _redirects become rules", async () => {
    const dir = await project({
      "index.html": "home",
      "_worker.js/index.js": "server code",
      ".assetsignore": "_worker.js\n",
      _headers: "/*\n  X-Frame-Options: DENY\n",
      _redirects: "/old /new 301\n",
    });
    const { body, warnings } = await deployBody({ target: dir });
    expect(Object.keys(body.assets?.files ?? {})).toEqual(["/index.html"]);
    expect(body.assets?.headers).toEqual([{ path: "/*", set: { "x-frame-options": "DENY" } }]);
    expect(body.assets?.redirects).toEqual([{ from: "/old", to: "/new", status: 301 }]);
    expect(warnings).toEqual([]);
  });

  it("deployBody: skipped lines are warned about with the file and line; the rest deploys", async () => {
    const dir = await project({ "index.html": "home", _redirects: "/a /b 999\n/c /d\n" });
    const { body, warnings } = await deployBody({ target: dir });
    expect(body.assets?.redirects).toEqual([{ from: "/c", to: "/d", status: 302 }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Found 1 invalid redirect rule:\n▶︎ Valid status codes are 200, 301, 302 \(default\), 303, 307, or 308\. Got 999\.\n {4}at \S+_redirects:1 \| \/a \/b 999$/,
    );
  });

  it("deployBody: a Pages _worker.js without .assetsignore is refused, so server code is not published", async () => {
    const dir = await project({ "index.html": "home", "_worker.js/index.js": "server code" });
    await expect(deployBody({ target: dir })).rejects.toThrow(
      /^_worker\.js\/index\.js in \S+ is a Pages _worker\.js: .*Add a \.assetsignore file containing "_worker\.js"/,
    );
  });

  it("deployBody: run_worker_first patterns are sent as written; without a worker they are refused", async () => {
    const dir = await project({ "index.html": "home" }, 'run_worker_first = ["/api/*", "!/api/docs/*"]');
    expect((await deployBody({ target: dir })).body.assets?.runWorkerFirst).toEqual(["/api/*", "!/api/docs/*"]);
    const assetsOnly = await tempProject({
      "wrangler.toml": ['name = "site"', "[assets]", 'directory = "public"', "run_worker_first = true"].join("\n"),
      "public/index.html": "home",
    });
    await expect(deployBody({ target: assetsOnly })).rejects.toThrow("wrangler.toml: Cannot set run_worker_first without a Worker script.");
  });
});
