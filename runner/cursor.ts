// List cursors (KV and R2) are opaque to tenants: the last returned key, signed (HMAC-SHA-256)
// together with the namespace or bucket and the prefix, so a cursor that was altered or taken
// to another list is refused. The key is the platform's signing key (vault/signing.ts), so a
// cursor made before `rotate-key` is refused like an altered one.
import { BindingError } from "./errors.ts";
import { fromBase64Url, toBase64Url } from "./encoding.ts";

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
    extra === undefined && lastKey !== null && signature !== null && (await crypto.subtle.verify("HMAC", key, signature, signedBytes(scope, lastKey)));
  if (!valid) throw invalid();
  return lastKey as Uint8Array;
}

function signedBytes(scope: CursorScope, lastKey: Uint8Array): Uint8Array {
  const head = encoder.encode(`${scope.namespaceId}\n${scope.prefix}\n`);
  const out = new Uint8Array(head.byteLength + lastKey.byteLength);
  out.set(head);
  out.set(lastKey, head.byteLength);
  return out;
}
