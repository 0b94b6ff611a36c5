import type { MiddlewareHandler } from "hono";
import type { Env } from "../env.ts";
import { PlatformError } from "../errors.ts";

const encoder = new TextEncoder();

/** Bearer-token check; the token is hashed first so the comparison is constant-time and length-blind. */
export function requireOperator(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = header.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new PlatformError("ERR_UNAUTHORIZED", 401, "Missing admin token: send `Authorization: Bearer <token>`.");
    const presented = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
    if (!crypto.subtle.timingSafeEqual(presented, hexBytes(c.env.CONFIG.adminTokenSha256))) {
      throw new PlatformError("ERR_UNAUTHORIZED", 401, "Invalid admin token.");
    }
    await next();
  };
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
}
