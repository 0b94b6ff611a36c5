// A call forwarded to an object's owner: HTTP to the owner's private socket (the runner's Admin
// entrypoint), `POST /_outpost/owner-call/<kind>/<id>/<generation>` with the method and its
// arguments (codec.ts), signed with HMAC-SHA-256 under a key derived from the master key, over
// the path, the time and the body. The owner serves it only at that generation (serve.ts).
import { fromHex, toHex } from "../encoding.ts";
import type { Env } from "../env.ts";
import type { Invocation } from "../logs/journal.ts";
import { deriveOwnerCallKey } from "../vault/crypto.ts";
import { decode, encode } from "./codec.ts";
import { ObjectUnavailable } from "./errors.ts";

export const OWNER_CALL_PATH = "/_outpost/owner-call/";
const TIME_HEADER = "x-outpost-owner-time";
const SIGNATURE_HEADER = "x-outpost-owner-signature";
/** A call's body at most: a D1 call carries up to 32 MiB, its bytes as base64 a third more. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** A signed call older or newer than this is refused: a recorded one cannot be replayed later. */
const MAX_AGE_MS = 30_000;
/** On every answer the runner gives to a forwarded call (serve.ts): the answers workerd gives itself have none. */
export const ANSWER_HEADER = "x-outpost-owner-answer";
/** The owner's answer when it does not serve the object at that generation: the caller looks up again. */
export const MOVED_STATUS = 409;

export interface Target {
  address: string;
  generation: number;
}

export interface OwnerCall {
  kind: string;
  id: string;
  generation: number;
  /** Random per call, the same when it is sent again: an owner runs a call once (serve.ts). */
  call: string;
  method: string;
  args: unknown[];
  /** The tenant's call it runs for: the owner journals it as that version's (serve.ts). */
  invocation?: Invocation;
}

export type Forwarded = { moved: false; result: unknown } | { moved: true; why: string };

/** The owner's answer when a call sent again had arrived the first time: its outcome is not known. */
export const ARRIVED_STATUS = 503;

/** The owner could not be reached: the call may not have arrived (a pooled connection it had closed) or it is gone. */
export class Unreached extends Error {
  override name = "Unreached";
}

const encoder = new TextEncoder();
// Derived once per master key and process: a key is plain data, safe to keep across requests.
let derived: { master: string; key: Promise<CryptoKey> } | null = null;

function callKey(env: Env): Promise<CryptoKey> {
  if (derived?.master !== env.MASTER_KEY) derived = { master: env.MASTER_KEY, key: deriveOwnerCallKey(env.MASTER_KEY) };
  return derived.key;
}

const signedText = (path: string, time: string, body: string) => encoder.encode(`${path}\n${time}\n${body}`);

const callPath = (kind: string, id: string, generation: number) => `${OWNER_CALL_PATH}${encodeURIComponent(kind)}/${encodeURIComponent(id)}/${generation}`;

/** Sends the call to the owner. Throws when it could not be reached or failed; `moved` when it no longer serves the object. */
export async function forwardCall(env: Env, target: Target, call: Omit<OwnerCall, "generation">): Promise<Forwarded> {
  const path = callPath(call.kind, call.id, target.generation);
  const body = encode({ call: call.call, method: call.method, args: call.args, invocation: call.invocation ?? null });
  const time = String(Date.now());
  const signature = await crypto.subtle.sign("HMAC", await callKey(env), signedText(path, time, body));
  let response: Response;
  try {
    response = await fetch(`http://${target.address}${path}`, {
      method: "POST",
      headers: { [TIME_HEADER]: time, [SIGNATURE_HEADER]: toHex(new Uint8Array(signature)), "content-type": "application/json" },
      body,
    });
  } catch (error) {
    throw new Unreached(error instanceof Error ? error.message : String(error));
  }
  const text = await response.text();
  if (!response.headers.has(ANSWER_HEADER)) {
    // Not the runner's answer but workerd's own: a process that is stopping answers a request on a
    // kept connection with 503 without running it.
    if (response.status === 503) return { moved: true, why: `the process at ${target.address} is stopping` };
    throw new Error(`the process at ${target.address} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  if (response.status === MOVED_STATUS) return { moved: true, why: text };
  if (response.status === ARRIVED_STATUS)
    throw new ObjectUnavailable(`its owner at ${target.address} did not answer in time; the call may or may not have run`);
  if (!response.ok) throw new Error(`the owner at ${target.address} answered ${response.status}: ${text.slice(0, 500)}`);
  return { moved: false, result: (decode(text) as { result: unknown }).result };
}

/** The call a request carries, or the answer to give when it is not one validly signed. */
export async function verifiedCall(env: Env, request: Request, url: URL): Promise<OwnerCall | Response> {
  const refused = (why: string) => new Response(why, { status: 403 });
  if (request.method !== "POST") return new Response("POST only", { status: 405 });
  const time = request.headers.get(TIME_HEADER) ?? "";
  const signature = request.headers.get(SIGNATURE_HEADER) ?? "";
  if (!/^\d{1,16}$/.test(time) || Math.abs(Date.now() - Number(time)) > MAX_AGE_MS) return refused("stale or missing time");
  if (!/^[0-9a-f]{64}$/.test(signature)) return refused("missing signature");
  // Read whole before the signature can be checked: bounded first (the admin socket answers these paths too).
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (!(length <= MAX_BODY_BYTES)) return new Response("a call's body must state its length, at most 64 MiB", { status: 413 });
  const body = await request.text();
  const valid = await crypto.subtle.verify("HMAC", await callKey(env), fromHex(signature), signedText(url.pathname, time, body));
  if (!valid) return refused("bad signature");
  const [kind, id, generation] = url.pathname.slice(OWNER_CALL_PATH.length).split("/").map(decodeURIComponent);
  const { call, method, args, invocation } = decode(body) as { call: unknown; method: unknown; args: unknown; invocation: unknown };
  if (!kind || !id || !/^\d+$/.test(generation ?? "") || typeof call !== "string" || typeof method !== "string" || !Array.isArray(args)) {
    return new Response("malformed call", { status: 400 });
  }
  if (invocation !== null && invocation !== undefined && !isInvocation(invocation)) return new Response("malformed invocation", { status: 400 });
  return { kind, id, generation: Number(generation), call, method, args, ...(invocation ? { invocation } : {}) };
}

function isInvocation(value: unknown): value is Invocation {
  const { tenant, worker, version, stallMs } = value as Record<string, unknown>;
  return typeof tenant === "string" && typeof worker === "string" && typeof version === "string" && (stallMs === undefined || Number.isInteger(stallMs));
}
