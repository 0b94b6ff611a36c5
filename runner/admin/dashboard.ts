// The web dashboard: static files that ship in the runner bundle (runner/admin/dashboard/, put in
// by cli/build.js), served with a Content-Security-Policy that allows only those files, and the
// session routes the page logs in with (session.ts). The page itself calls the /v1 API.
import { Hono } from "hono";
import { sha256Hex } from "../encoding.ts";
import { PlatformError } from "../errors.ts";
import type { AdminEnv } from "./auth.ts";
import { endSession, startSession } from "./session.ts";

declare const __OUTPOST_DASHBOARD__: Record<string, string>;

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** No inline script or style, no eval, nothing from another origin, no framing. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

export const dashboard = new Hono<AdminEnv>();

dashboard.get("/", () => file("index.html"));
dashboard.get("/dashboard/:file", (c) => file(c.req.param("file")));

function file(name: string): Response {
  const body = Object.hasOwn(__OUTPOST_DASHBOARD__, name) ? __OUTPOST_DASHBOARD__[name] : undefined;
  if (body === undefined) throw new PlatformError("ERR_NOT_FOUND", 404, "No such dashboard file.");
  return new Response(body, {
    headers: {
      "content-type": TYPES[name.split(".").at(-1) ?? ""] ?? "application/octet-stream",
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  });
}

/** Mounted under /v1, after authentication: the token or session was checked. */
export const sessions = new Hono<AdminEnv>();

/** Log in: the bearer token (checked) becomes a session cookie. */
sessions.post("/session", async (c) => {
  const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw new PlatformError("ERR_BAD_REQUEST", 400, "Log in with the token in `Authorization: Bearer <token>`.");
  const csrf = await startSession(c, await sha256Hex(token));
  return c.json({ tenant: c.var.scope.tenant, csrf });
});

/** Whose the session is, for a page that was reloaded (its CSRF token is in the page's storage). */
sessions.get("/session", (c) => c.json({ tenant: c.var.scope.tenant }));

sessions.delete("/session", (c) => {
  endSession(c);
  return c.body(null, 204);
});
