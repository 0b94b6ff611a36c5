// Presigned URLs (beyond Cloudflare's binding, as S3, GCS and Azure offer): a time-limited URL
// for GET, PUT or DELETE of one key, served by the platform at `storage.<base domain>`. The
// bucket, key, method and expiry are inside the signed token, so no part can be altered. The
// key is the platform's signing key (vault/signing.ts): after `rotate-key` older URLs are refused.
import { fromBase64Url, toBase64Url } from "../encoding.ts";

export const PRESIGN_METHODS = ["GET", "PUT", "DELETE"] as const;
export type PresignMethod = (typeof PRESIGN_METHODS)[number];
/** Seven days, as S3's SigV4 presigned URLs. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface PresignClaims {
  bucketId: string;
  tenant: string;
  key: string;
  method: PresignMethod;
  /** epoch seconds */
  expires: number;
}

const encoder = new TextEncoder();

export async function signPresigned(key: CryptoKey, claims: PresignClaims): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(claims)));
  return `${payload}.${toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed(payload))))}`;
}

/** The claims of a valid, unexpired token, or why it is refused. */
export async function verifyPresigned(key: CryptoKey, token: string, nowSeconds: number): Promise<PresignClaims | string> {
  const [payload, signature, extra] = token.split(".");
  const signatureBytes = signature ? fromBase64Url(signature) : null;
  if (!payload || signatureBytes === null || extra !== undefined) return "malformed URL";
  if (!(await crypto.subtle.verify("HMAC", key, signatureBytes, signed(payload)))) return "invalid signature";
  const bytes = fromBase64Url(payload);
  const claims = bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as PresignClaims) : null;
  if (!claims) return "malformed URL";
  if (claims.expires < nowSeconds) return "expired";
  // signPresigned never goes further; a token that does was not made by this platform's rules.
  if (claims.expires > nowSeconds + MAX_PRESIGN_SECONDS) return "expiry more than 7 days away";
  return claims;
}

// Domain separation: the key also signs list cursors, which must never pass for URLs.
function signed(payload: string): Uint8Array {
  return encoder.encode(`outpost-presigned\n${payload}`);
}
