// Per-invocation limits that need no invocation identity: PBKDF2 iterations in Web Crypto and
// node:crypto (Cloudflare's 100,000, which the open-source workerd does not enforce) and the public
// request body size (refused while streaming, not after). Traffic to loopback only; every endless
// body is bounded by the test.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

const LIMIT = 1_000_000; // OUTPOST_MAX_REQUEST_BODY_MB=1
/** How much an endless body may send before the test gives up: far more than the limit plus socket buffers. */
const SEND_BOUND = 64 * 1024 * 1024;

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_MAX_REQUEST_BODY_MB: "1" } });
  await platform.deploy(
    "kdf",
    await workerFile(`export default {
      async fetch(request) {
        const params = new URL(request.url).searchParams;
        const iterations = Number(params.get("iterations"));
        const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("pw"), "PBKDF2", false, ["deriveBits"]);
        const fields = { hash: "SHA-256", salt: new Uint8Array(16) };
        let reads = 0;
        // Ways around a check in JavaScript: the prototype's method, a count that changes between
        // reads, parameters carried by a function.
        const algorithms = {
          plain: { name: "PBKDF2", ...fields, iterations },
          getter: { name: "PBKDF2", ...fields, get iterations() { return ++reads === 1 ? 1000 : iterations; } },
          function: Object.assign(function PBKDF2() {}, fields, { iterations }),
        };
        try {
          const derive = params.get("via") === "prototype" ? SubtleCrypto.prototype.deriveBits : crypto.subtle.deriveBits;
          const bits = await derive.call(crypto.subtle, algorithms[params.get("as") ?? "plain"], key, 256);
          return Response.json({ bits: [...new Uint8Array(bits)].map((b) => b.toString(16).padStart(2, "0")).join("") });
        } catch (error) {
          return Response.json({ error: error.name + ": " + error.message });
        }
      },
    };`),
  );
  // Not bundled, so the bare "crypto" specifier reaches workerd as written.
  const nodeKdf = `import crypto, { pbkdf2, pbkdf2Sync } from "node:crypto";
import * as bare from "crypto";
export default {
  async fetch(request) {
    const params = new URL(request.url).searchParams;
    const iterations = Number(params.get("iterations"));
    const args = ["pw", "salt", iterations, 32, "sha256"];
    const ways = {
      named: () => pbkdf2Sync(...args),
      default: () => crypto.pbkdf2Sync(...args),
      bare: () => bare.pbkdf2Sync(...args),
      builtin: () => process.getBuiltinModule("node:crypto").pbkdf2Sync(...args),
      callback: () => new Promise((resolve, reject) => pbkdf2(...args, (error, key) => (error ? reject(error) : resolve(key)))),
    };
    try {
      return Response.json({ key: (await ways[params.get("via")]()).toString("hex"), hash: crypto.createHash("sha256").update("x").digest("hex").length });
    } catch (error) {
      return Response.json({ error: error.name + ": " + error.message });
    }
  },
};`;
  const nodeKdfDeploy = await platform.admin("PUT", "/v1/workers/node-kdf", {
    mainModule: "kdf.js",
    modules: [{ name: "kdf.js", type: "esm", content: nodeKdf }],
    compatibilityDate: "2025-06-01",
    compatibilityFlags: ["nodejs_compat"],
  });
  if (nodeKdfDeploy.status >= 300) throw new Error(JSON.stringify(nodeKdfDeploy.body));
  await platform.deploy(
    "bodies",
    await workerFile(`export default {
      async fetch(request) {
        const mode = new URL(request.url).searchParams.get("mode");
        if (mode === "ignore") return new Response("ignored");
        if (mode === "catch") {
          try { await request.arrayBuffer(); } catch (error) { return new Response("caught: " + error.message); }
        }
        return new Response("read " + (await request.arrayBuffer()).byteLength);
      },
    };`),
  );
});
afterAll(() => platform?.stop());

describe("pbkdf2 iterations", () => {
  it("pbkdf2: 30,000,000 iterations get Cloudflare's NotSupportedError, without computing", async () => {
    const result = JSON.parse((await platform.fetchWorker("kdf", "/?iterations=30000000")).text);
    expect(result).toEqual({ error: "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 30000000)." });
  });

  it("pbkdf2: the prototype's own method and parameters carried by a function are refused the same way", async () => {
    for (const path of ["/?iterations=30000000&via=prototype", "/?iterations=30000000&as=function"]) {
      expect(JSON.parse((await platform.fetchWorker("kdf", path)).text).error, path).toMatch(
        /^NotSupportedError: Pbkdf2 failed: iteration counts above 100000/,
      );
    }
  });

  it("pbkdf2: a count that reads small once and large afterwards derives with the small one", async () => {
    const small = JSON.parse((await platform.fetchWorker("kdf", "/?iterations=1000")).text);
    expect(small.bits).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse((await platform.fetchWorker("kdf", "/?iterations=30000000&as=getter")).text)).toEqual(small);
  });

  it("pbkdf2: 100,000 iterations, the limit, still derive", async () => {
    expect(JSON.parse((await platform.fetchWorker("kdf", "/?iterations=100000")).text).bits).toMatch(/^[0-9a-f]{64}$/);
  });
});

/**
 * Sends a body of `total` bytes (or an endless one, bounded by SEND_BOUND) with chunked encoding,
 * writing only while the socket drains, until the server answers or closes the connection.
 * @param {string} path
 * @param {number} [total]
 * @param {{ port: number, method: string, headers: Record<string, string> }} [to]  the public socket's `bodies` worker by default
 * @returns {Promise<{ status: number | null, text: string, sent: number, error: string | null }>}
 */
function sendChunked(path, total = Infinity, to = { port: platform.port, method: "POST", headers: { host: "bodies.localhost" } }) {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const req = request({ host: "127.0.0.1", port: to.port, path, method: to.method, headers: to.headers, agent: false });
    /** @param {{ status?: number | null, text?: string, error?: string | null }} outcome */
    const finish = (outcome) => {
      if (answered) return;
      answered = true;
      req.destroy();
      resolve({ status: null, text: "", error: null, ...outcome, sent });
    };
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (data) => (text += data));
      res.on("end", () => finish({ status: res.statusCode ?? null, text }));
      res.on("error", (error) => finish({ status: res.statusCode ?? null, text, error: error.message }));
    });
    req.on("error", (error) => finish({ error: error.message }));
    const write = () => {
      while (!answered && sent < Math.min(total, SEND_BOUND)) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once("drain", write);
      }
      if (!answered && sent >= total) req.end();
      if (!answered && sent >= SEND_BOUND) finish({ error: `still accepting after ${SEND_BOUND} bytes` });
    };
    write();
  });
}

describe("node:crypto pbkdf2 iterations", () => {
  const WAYS = ["named", "default", "bare", "builtin", "callback"];

  it("pbkdf2 (node:crypto): 30,000,000 iterations are refused with Cloudflare's error, however the function is reached", async () => {
    for (const via of WAYS) {
      expect(JSON.parse((await platform.fetchWorker("node-kdf", `/?via=${via}&iterations=30000000`)).text), via).toEqual({
        error: "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 30000000).",
      });
    }
  });

  it("pbkdf2 (node:crypto): 100,000 iterations derive the same key every way, and the rest of node:crypto works", async () => {
    const keys = new Set();
    for (const via of WAYS) {
      const result = JSON.parse((await platform.fetchWorker("node-kdf", `/?via=${via}&iterations=100000`)).text);
      expect(result.hash, via).toBe(64);
      keys.add(result.key);
    }
    expect([...keys]).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
  });
});

describe("public request body size", () => {
  it("body: a Content-Length over the limit is answered 413 before a byte of the body is sent, and the worker never runs", async () => {
    const result = await new Promise((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port: platform.port,
        path: "/?mode=ignore",
        method: "POST",
        headers: { host: "bodies.localhost", "content-length": String(LIMIT + 1) },
        agent: false,
      });
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (data) => (text += data));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode, text });
        });
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(result).toEqual({ status: 413, text: `Request Entity Too Large: request bodies are limited to ${LIMIT} bytes.\n` });
  });

  it("body: a chunked body of exactly the limit reaches the worker whole", async () => {
    expect(await sendChunked("/", LIMIT)).toMatchObject({ status: 200, text: `read ${LIMIT}` });
  });

  it("body: an endless chunked body is cut at the limit and the client gets 413, not a drained upload", async () => {
    const result = await sendChunked("/");
    expect(result).toMatchObject({ status: 413, text: `Request Entity Too Large: request bodies are limited to ${LIMIT} bytes.\n` });
    // What the client got written before the answer: the limit plus what the sockets buffer, not the bound.
    expect(result.sent).toBeLessThan(SEND_BOUND / 4);
  });

  it("body: a worker that catches the cut body and answers anyway still gives the client 413", async () => {
    expect(await sendChunked("/?mode=catch")).toMatchObject({ status: 413 });
  });

  it("body: the platform keeps serving other requests after endless bodies", async () => {
    await Promise.all([sendChunked("/"), sendChunked("/?mode=catch")]);
    expect(await platform.fetchWorker("bodies", "/?mode=ignore")).toMatchObject({ status: 200, text: "ignored" });
    expect(JSON.parse((await platform.fetchWorker("kdf", "/?iterations=1000")).text).bits).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("admin request body size", () => {
  it("admin: an endless body to the admin API is cut off a few MiB past its limit with a 413, and the admin API keeps answering", async () => {
    const to = {
      port: platform.adminPort,
      method: "PUT",
      headers: { host: "127.0.0.1", authorization: `Bearer ${platform.token}`, "content-type": "application/json" },
    };
    const result = await sendChunked("/v1/workers/endless", Infinity, to);
    // The deploy body's limit is 15 MiB; reading stops 4 MiB past it (socket buffers add a little).
    expect(String(result.error)).not.toMatch(/still accepting/);
    expect(result.sent).toBeLessThan(32 * 1024 * 1024);
    if (result.status !== null) expect(result).toMatchObject({ status: 413 });
    expect((await platform.admin("GET", "/v1/workers")).status).toBe(200);
    expect((await platform.admin("GET", "/v1/workers/endless")).status).toBe(404);
  });
});
