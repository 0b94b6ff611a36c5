// The placement layer seen from outside, for the ownership tests and the bench: an object's row in
// object_owners, the process that owns it, and calls forwarded to an owner signed as a runner
// signs them (runner/owners/wire.ts), with a key derived from the master key the test gave.
import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { request } from "node:http";
import postgres from "postgres";

/** @param {string} url */
export function ownersDb(url) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  return {
    /** @param {string} name  a D1 database @param {string} [tenant] */
    async databaseId(name, tenant = "default") {
      const [row] = await sql`SELECT id::text FROM d1_databases WHERE tenant = ${tenant} AND name = ${name}`;
      return /** @type {string} */ (row?.id);
    },
    /** @param {string} id */
    async owner(id) {
      const [row] =
        await sql`SELECT generation::int, seat, host, address, boot, coalesce(lease_until > now(), false) AS live FROM object_owners WHERE kind = 'd1' AND object_id = ${id}`;
      return row
        ? {
            generation: row.generation,
            seat: row.seat,
            host: row.host,
            address: row.address,
            boot: row.boot,
            live: row.live,
            port: Number(String(row.address).split(":").at(-1)),
          }
        : null;
    },
    /** The newest copy of a D1 database in the blob store (object_snapshots), or null. @param {string} id */
    async snapshot(id) {
      const [row] =
        await sql`SELECT generation::int, taken_at, size_bytes::int AS size, blob, position::int, failing_since FROM object_snapshots WHERE kind = 'd1' AND object_id = ${id}`;
      return row
        ? { generation: row.generation, takenAt: row.taken_at, size: row.size, blob: row.blob, position: row.position, failingSince: row.failing_since }
        : null;
    },
    /** A statement as the runner runs it (`$1`… parameters). @param {string} text @param {any[]} params */
    unsafe: (text, params) => sql.unsafe(text, params),
    close: () => sql.end(),
  };
}

/**
 * A forwarded call as a runner sends it, signed with `masterKey` (base64), or with `signAs.key`
 * when given, over `signAs.id`'s path when given; its status and body text.
 * @param {{ port: number, masterKey: string, kind?: string, id: string, generation: number, method: string, args: unknown[], time?: number, callId?: string, signAs?: { id?: string, key?: Buffer } }} call
 */
export function ownerCall({
  port,
  masterKey,
  kind = "d1",
  id,
  generation,
  method,
  args,
  time = Date.now(),
  callId = randomBytes(16).toString("hex"),
  signAs = {},
}) {
  const key = signAs.key ?? Buffer.from(hkdfSync("sha256", Buffer.from(masterKey, "base64"), Buffer.alloc(0), "outpost owner calls", 32));
  const pathOf = (/** @type {string} */ object) => `/_outpost/owner-call/${kind}/${encodeURIComponent(object)}/${generation}`;
  const body = JSON.stringify({ call: callId, method, args });
  const signature = createHmac("sha256", key)
    .update(`${pathOf(signAs.id ?? id)}\n${time}\n${body}`)
    .digest("hex");
  const headers = { "x-outpost-owner-time": String(time), "x-outpost-owner-signature": signature, "content-type": "application/json" };
  // A connection of its own: a pooled one the process closed while idle (or while paused) would fail the call.
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: pathOf(id), headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
