// Dashboard sessions. Logging in trades a token for a cookie that names the token's SHA-256 and an
// expiry, signed with the platform's signing key (vault/signing.ts): every host on the database
// accepts it, `rotate-key` ends every session, and revoking the token ends its sessions (each
// request still looks the hash up). The token itself is never stored in the browser.
// Changes made with the cookie need the session's CSRF token in a header: derived from the cookie
// with the same key, handed to the page's script by GET /v1/session and kept in its memory only.
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { AdminEnv } from "./auth.ts";
import { fromBase64Url, randomHex, toBase64Url } from "../encoding.ts";
import type { Env } from "../env.ts";
import { signingKey } from "../vault/signing.ts";

export const SESSION_COOKIE = "outpost_session";
export const CSRF_HEADER = "x-csrf-token";
const SESSION_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

/** Sets the session cookie for the token whose hash is `tokenSha256`; returns its CSRF token. */
export async function startSession(c: Context<AdminEnv>, tokenSha256: string): Promise<string> {
  const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
  const body = `${expires}.${tokenSha256}.${randomHex()}`;
  const cookie = `${body}.${await sign(c.env, "session", body)}`;
  // Not `Secure`: the admin socket speaks plain HTTP (on loopback unless the operator binds it elsewhere).
  setCookie(c, SESSION_COOKIE, cookie, { path: "/", httpOnly: true, sameSite: "Strict", maxAge: SESSION_SECONDS });
  return csrfToken(c.env, cookie);
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** The session cookie sent, if any: its raw value and, when it is valid and unexpired, the token hash. */
export async function sessionOf(c: Context<AdminEnv>): Promise<{ cookie: string; tokenSha256: string | null } | null> {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie === undefined) return null;
  const [expires, tokenSha256, nonce, signature, extra] = cookie.split(".");
  const valid =
    extra === undefined &&
    signature !== undefined &&
    Number(expires) * 1000 > Date.now() &&
    (await verify(c.env, "session", `${expires}.${tokenSha256}.${nonce}`, signature));
  return { cookie, tokenSha256: valid ? (tokenSha256 ?? null) : null };
}

export function csrfToken(env: Env, cookie: string): Promise<string> {
  return sign(env, "csrf", cookie);
}

/** Constant-time: the HMAC is verified, not compared as text. */
export function checkCsrf(env: Env, cookie: string, presented: string | undefined): Promise<boolean> {
  return presented === undefined ? Promise.resolve(false) : verify(env, "csrf", cookie, presented);
}

// The purpose is signed too, so a CSRF token is never a valid cookie signature, nor the reverse,
// and neither is a list cursor or a presigned URL made with the same key.
async function sign(env: Env, purpose: string, text: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await signingKey(env), encoder.encode(`outpost ${purpose}\n${text}`));
  return toBase64Url(new Uint8Array(signature));
}

async function verify(env: Env, purpose: string, text: string, signature: string): Promise<boolean> {
  const bytes = fromBase64Url(signature);
  return bytes !== null && crypto.subtle.verify("HMAC", await signingKey(env), bytes, encoder.encode(`outpost ${purpose}\n${text}`));
}
