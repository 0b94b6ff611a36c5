// List cursors (KV and R2) are opaque to tenants: the last returned key, signed (HMAC-SHA-256)
// together with the namespace or bucket and the prefix, so a cursor that was altered or taken
// to another list is refused.
import { database } from "./db/client.ts";
import type { Env } from "./env.ts";
import { BindingError } from "./errors.ts";
import { fromBase64Url, fromHex, toBase64Url } from "./encoding.ts";

const encoder = new TextEncoder();

export interface CursorScope {
  namespaceId: string;
  prefix: string;
}

export async function encodeCursor(key: CryptoKey, scope: CursorScope, lastKey: Uint8Array): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", key, signedBytes(scope, lastKey));
  return `${toBase64Url(lastKey)}.${toBase64Url(new Uint8Array(signature))}`;
}

const kvInvalidCursor = () => new BindingError("KV GET", 400, "Invalid cursor. Pass the cursor from the previous list() result unchanged.");

/** The key the cursor continues after; throws `invalid()` (KV's error by default) if it was tampered with. */
export async function decodeCursor(key: CryptoKey, scope: CursorScope, cursor: string, invalid: () => Error = kvInvalidCursor): Promise<Uint8Array> {
  const [keyPart, signaturePart, extra] = cursor.split(".");
  const lastKey = keyPart === undefined ? null : fromBase64Url(keyPart);
  const signature = signaturePart === undefined ? null : fromBase64Url(signaturePart);
  const valid =
    extra === undefined &&
    lastKey !== null &&
    signature !== null &&
    (await crypto.subtle.verify("HMAC", key, signature, signedBytes(scope, lastKey)));
  if (!valid) throw invalid();
  return lastKey as Uint8Array;
}

export function importCursorKey(hex: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", fromHex(hex), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function signedBytes(scope: CursorScope, lastKey: Uint8Array): Uint8Array {
  const head = encoder.encode(`${scope.namespaceId}\n${scope.prefix}\n`);
  const out = new Uint8Array(head.byteLength + lastKey.byteLength);
  out.set(head);
  out.set(lastKey, head.byteLength);
  return out;
}

let signer: CryptoKey | undefined;

/**
 * The platform's cursor key (from Postgres, shared by all hosts). The key itself is cached, not
 * a promise: a promise settled in another request's context would tie this request to it.
 */
export async function cursorSigner(env: Env): Promise<CryptoKey> {
  if (!signer) {
    const [row] = await database(env).query("SELECT value FROM settings WHERE name = 'cursor_key'");
    signer = await importCursorKey(row?.value as string);
  }
  return signer;
}
