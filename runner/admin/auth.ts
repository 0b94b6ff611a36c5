import type { Context, MiddlewareHandler } from "hono";
import { recordAudit } from "../control/audit.ts";
import type { Scope } from "../control/scope.ts";
import { scopeOfToken } from "../control/tokens.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";
import { type AuditNote, requestedPath } from "./audit.ts";
import { FailureThrottle } from "./throttle.ts";
import { clientAddress } from "../client-address.ts";
import { fromHex, sha256Hex } from "../encoding.ts";
import { CSRF_HEADER, checkCsrf, sessionOf } from "./session.ts";

export type AdminEnv = { Bindings: Env; Variables: { scope: Scope; client: string; audit?: AuditNote } };

const throttle = new FailureThrottle();

/**
 * Token check (a bearer token, or a dashboard session: session.ts). The presented token is hashed
 * first, so comparing with the operator's hash is constant-time and length-blind, and stored
 * tokens are looked up by hash only. An address that failed too often is refused before its
 * token is looked at (throttle.ts).
 */
export function authenticate(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const client = clientAddress((c.req.raw.cf as { clientIp?: unknown } | undefined)?.clientIp);
    const waitMs = throttle.retryAfterMs(client);
    if (waitMs > 0) {
      // The one admin error with a header, so it is answered here rather than thrown.
      const message = `Too many failed admin token attempts from ${client}; try again in ${Math.ceil(waitMs / 1000)} s.`;
      return c.json({ error: { code: "ERR_TOO_MANY_ATTEMPTS", message } }, 429, { "retry-after": String(Math.ceil(waitMs / 1000)) });
    }
    const presented = await presentedTokenSha256(c);
    const operator = crypto.subtle.timingSafeEqual(fromHex(presented), fromHex(c.env.CONFIG.adminTokenSha256));
    const scope = operator ? { tenant: null, token: null } : await scopeOfToken(c.env, presented);
    if (!scope) {
      await failed(c, client);
      throw new PlatformError("ERR_UNAUTHORIZED", 401, "Invalid admin token.");
    }
    c.set("scope", scope);
    c.set("client", client);
    await next();
  };
}

/**
 * The SHA-256 of the bearer token, or else of the dashboard session's token (session.ts). Every
 * request made with a session needs its CSRF token too: the cookie alone is what a forged
 * request carries, and what the browser also sends to other ports of the same host.
 */
async function presentedTokenSha256(c: Context<AdminEnv>): Promise<string> {
  const header = c.req.header("authorization");
  const session = header === undefined ? await sessionOf(c) : null;
  if (session) {
    // Not counted as a failed attempt: a signed hash cannot be guessed, and expired cookies are common.
    if (session.tokenSha256 === null) throw new PlatformError("ERR_UNAUTHORIZED", 401, "The dashboard session has expired or is not valid; log in again.");
    if (!(await checkCsrf(session.key, session.cookie, c.req.header(CSRF_HEADER)))) {
      throw new PlatformError("ERR_FORBIDDEN", 403, `A request made with a dashboard session needs the session's ${CSRF_HEADER} header.`);
    }
    return session.tokenSha256;
  }
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw new PlatformError("ERR_UNAUTHORIZED", 401, "Missing admin token: send `Authorization: Bearer <token>`.");
  return sha256Hex(token);
}

/** Counts the failure; its first in a window, and the one that starts the refusal, go to the audit log. */
async function failed(c: Context<AdminEnv>, client: string): Promise<void> {
  const { failures, log } = throttle.fail(client);
  if (!log) return;
  const throttled = failures >= throttle.limits.MAX_FAILURES;
  const entry = { scope: null, client, action: throttled ? "auth.throttled" : "auth.failed", target: requestedPath(c), tenant: null, status: 401 };
  await recordAudit(c.env, entry);
}
