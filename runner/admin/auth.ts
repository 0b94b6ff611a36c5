import type { MiddlewareHandler } from "hono";
import type { Scope } from "../control/scope.ts";
import { scopeOfToken, sha256Hex } from "../control/tokens.ts";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";

export type AdminEnv = { Bindings: Env; Variables: { scope: Scope } };

/**
 * Bearer-token check. The presented token is hashed first, so comparing with the operator's
 * hash is constant-time and length-blind, and stored tokens are looked up by hash only.
 */
export function authenticate(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = header.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new PlatformError("ERR_UNAUTHORIZED", 401, "Missing admin token: send `Authorization: Bearer <token>`.");
    const presented = await sha256Hex(token);
    const operator = crypto.subtle.timingSafeEqual(hexBytes(presented), hexBytes(c.env.CONFIG.adminTokenSha256));
    const scope = operator ? { tenant: null } : await scopeOfToken(c.env, presented);
    if (!scope) throw new PlatformError("ERR_UNAUTHORIZED", 401, "Invalid admin token.");
    c.set("scope", scope);
    await next();
  };
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
}
