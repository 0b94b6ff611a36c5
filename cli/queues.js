// `outpost queues [list] | queues purge NAME | queues send NAME BODY` [--tenant ID]: the
// operator's view of queues, and a message sent by hand.
import { callAdmin } from "./admin-client.js";

/**
 * @param {string[]} args list | purge NAME | send NAME BODY
 * @param {string | undefined} tenant
 * @param {{ json?: boolean, delaySeconds?: number }} [send] how `send` sends BODY
 */
export async function queues([action, name, body], tenant, send = {}) {
  const query = tenant ? `?tenant=${encodeURIComponent(tenant)}` : "";
  if (action === undefined || action === "list") {
    const { queues } = await callAdmin("GET", `/v1/queues${query}`);
    if (queues.length === 0) return console.log("no queues");
    const header = ["TENANT", "QUEUE", "DEPTH", "IN-FLIGHT", "DELAYED", "OLDEST", "DEAD-LETTERED", "DROPPED", "CONSUMER"];
    const rows = queues.map((/** @type {any} */ q) => [
      q.tenant,
      q.name,
      String(q.depth),
      String(q.inFlight),
      String(q.delayed),
      q.oldestAgeSeconds === null ? "-" : age(q.oldestAgeSeconds),
      String(q.deadLettered),
      String(q.dropped),
      q.consumer ? `${q.consumer.worker}${q.consumer.type === "http_pull" ? " (pull)" : ""}` : "-",
    ]);
    console.log(table([header, ...rows]));
  } else if (action === "purge" && name) {
    const { purged } = await callAdmin("POST", `/v1/queues/${encodeURIComponent(name)}/purge${query}`);
    console.log(`Purged ${purged} message${purged === 1 ? "" : "s"} from ${name}`);
  } else if (action === "send" && name && body !== undefined) {
    const message = send.json ? { body: jsonBody(body), contentType: "json" } : { body, contentType: "text" };
    const delay = send.delaySeconds === undefined ? {} : { delaySeconds: send.delaySeconds };
    await callAdmin("POST", `/v1/queues/${encodeURIComponent(name)}/messages${query}`, { messages: [{ ...message, ...delay }] });
    console.log(`Sent a message to ${name}`);
  } else {
    throw new Error("usage: outpost queues [list] | queues purge NAME | queues send NAME BODY [--json] [--delay-seconds N]   [--tenant ID]");
  }
}

/** @param {string} text */
function jsonBody(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`with --json, BODY must be JSON (e.g. '{"id":1}'); drop --json to send it as text`);
  }
}

/** @param {number} seconds */
function age(seconds) {
  if (seconds < 120) return `${Math.floor(seconds)}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** @param {string[][]} rows */
function table(rows) {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
