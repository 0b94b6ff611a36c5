// AES-256-GCM for secret values. Each data-key version is HKDF-SHA-256(master key, salt); each
// value gets a random 96-bit nonce, and its identity (tenant, scope, name) is the associated
// data, so a ciphertext moved to another row fails authentication instead of decrypting.
import { fromBase64 } from "../encoding.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function deriveDataKey(masterKeyBase64: string, salt: Uint8Array): Promise<CryptoKey> {
  const bits = await hkdf(masterKeyBase64, salt, "outpost secrets");
  return crypto.subtle.importKey("raw", bits, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * The HMAC key that signs presigned URLs and list cursors under data-key version `salt`: the
 * same hierarchy as secrets (never stored), so `rotate-key` replaces it too.
 */
export async function deriveSigningKey(masterKeyBase64: string, salt: Uint8Array): Promise<CryptoKey> {
  const bits = await hkdf(masterKeyBase64, salt, "outpost signing");
  return crypto.subtle.importKey("raw", bits, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Must match cli/master-key.js: lets a host with the wrong master key refuse to start. */
export async function checkValue(masterKeyBase64: string, salt: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", await hkdf(masterKeyBase64, salt, "outpost key check"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode("outpost")));
}

export interface SecretIdentity {
  tenant: string;
  scope: string;
  name: string;
}

export async function encryptSecret(key: CryptoKey, identity: SecretIdentity, value: string): Promise<{ nonce: Uint8Array; ciphertext: Uint8Array }> {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: associatedData(identity) }, key, encoder.encode(value));
  return { nonce, ciphertext: new Uint8Array(ciphertext) };
}

/** Throws (OperationError) when the ciphertext, nonce or identity was altered, or the key is wrong. */
export async function decryptSecret(key: CryptoKey, identity: SecretIdentity, nonce: Uint8Array, ciphertext: Uint8Array): Promise<string> {
  const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: associatedData(identity) }, key, ciphertext);
  return decoder.decode(plaintext);
}

function associatedData({ tenant, scope, name }: SecretIdentity): Uint8Array {
  return encoder.encode(`outpost-secret\u0000${tenant}\u0000${scope}\u0000${name}`);
}

async function hkdf(masterKeyBase64: string, salt: Uint8Array, info: string): Promise<ArrayBuffer> {
  const master = fromBase64(masterKeyBase64);
  const base = await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveBits"]);
  return crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: encoder.encode(info) }, base, 256);
}

/**
 * The HMAC key of calls forwarded to an object's owner (runner/owners/wire.ts): every host on one
 * database derives the same one from OUTPOST_MASTER_KEY, unlike the per-start forward secret.
 */
export async function deriveOwnerCallKey(masterKeyBase64: string): Promise<CryptoKey> {
  const bits = await hkdf(masterKeyBase64, new Uint8Array(0), "outpost owner calls");
  return crypto.subtle.importKey("raw", bits, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}
