// An HTTP endpoint in the test process that workers on any host can report to (the platform is
// started with OUTPOST_EGRESS_ALLOW naming it): POST /<kind> with a JSON body records it.
import { createServer } from "node:http";

/**
 * @typedef {object} Recorder
 * @property {string} url       http://127.0.0.1:PORT
 * @property {string} allow     the OUTPOST_EGRESS_ALLOW entry for it
 * @property {(kind: string) => any[]} records  bodies posted to /<kind>, in arrival order
 * @property {() => Promise<void>} close
 */

/** @returns {Promise<Recorder>} */
export async function startRecorder() {
  /** @type {Map<string, any[]>} */
  const records = new Map();
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const kind = (request.url ?? "/").slice(1);
      const list = records.get(kind) ?? [];
      list.push(body === "" ? null : JSON.parse(body));
      records.set(kind, list);
      response.end("ok");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    allow: `127.0.0.1:${port}`,
    records: (kind) => [...(records.get(kind) ?? [])],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
