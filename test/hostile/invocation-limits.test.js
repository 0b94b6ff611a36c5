// Per-invocation limits that need to know the invocation (runner/limits/): subrequests, service-
// binding depth, open connections, I/O after the waitUntil grace, and the token that ties a call to
// its invocation, which another tenant or worker cannot use. Limits are lowered so each is hit
// quickly; traffic goes to loopback only (a local server stands in for the internet).
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, waitUntil, workerFile } from "../helpers/platform.js";
import { openWebSocket } from "../helpers/websocket.js";

const MAX_SUBREQUESTS = 40;
const GRACE_SECONDS = 2;
const DEPTH_ERROR =
  "Subrequest depth limit exceeded. This request recursed through Workers too many times. This can happen e.g. if you have a Worker or Durable Object that calls other Workers or objects recursively.";
const CROSS_REQUEST_ERROR =
  "Cannot perform I/O on behalf of a different request. I/O objects (such as streams, request/response bodies, and others) created in the context of one request handler cannot be accessed from a different request's handler.";

const BUSY = `import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  async fetch(request) {
    const url = new URL(request.url);
    const params = url.searchParams;
    const env = this.env;
    switch (url.pathname) {
      case "/calls": {
        // Alternates KV reads and outbound fetches (both are subrequests) until one fails.
        let done = 0;
        try {
          for (let i = 0; i < Number(params.get("n")); i++) {
            if (i % 2) await (await fetch(params.get("origin") + "/ok")).text();
            else await env.KV.get("k" + i);
            done++;
          }
        } catch (error) {
          return Response.json({ done, error: error.message });
        }
        return Response.json({ done });
      }
      case "/recurse": {
        const depth = Number(params.get("depth") ?? 0);
        try {
          return new Response(await (await env.SELF.fetch("http://self/recurse?depth=" + (depth + 1))).text());
        } catch (error) {
          return Response.json({ depth, error: error.message });
        }
      }
      case "/rpc":
        return Response.json(await this.dive(0));
      case "/parallel": {
        const calls = Array.from({ length: Number(params.get("n")) }, () => fetch(params.get("origin") + "/slow").then((r) => r.text()));
        try {
          return Response.json({ done: (await Promise.all(calls)).length });
        } catch (error) {
          return Response.json({ error: error.message });
        }
      }
      case "/linger":
        this.ctx.waitUntil((async () => {
          for (let i = 1; ; i++) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            try { await env.KV.put("tick", String(i)); } catch { return; }
          }
        })());
        return new Response("answered");
      case "/tick":
        return new Response(await env.KV.get("tick"));
      case "/token":
        return new Response(this.ctx.props.invocation);
    }
    return new Response("?", { status: 404 });
  }
  async dive(depth) {
    try {
      return await this.env.SELF.dive(depth + 1);
    } catch (error) {
      return { depth, error: error.message };
    }
  }
}`;

// Not bundled: \`cloudflare:workers\` is then workerd's own module, whose env holds the raw RPC
// stubs, so this worker can call the runner with any token it likes.
const FORGER = `import { env } from "cloudflare:workers";
export default {
  async fetch(request, _env, ctx) {
    const params = new URL(request.url).searchParams;
    if (params.has("own")) return new Response(ctx.props.invocation);
    try {
      return Response.json({ value: await env.KV.read(params.get("token"), "k") });
    } catch (error) {
      return Response.json({ error: error.message });
    }
  },
};`;

// Each message is stored in KV and read back: the socket's invocation keeps its I/O while it is open.
const SOCKETS = `export default {
  async fetch(request, env) {
    if (request.headers.get("upgrade") !== "websocket") return new Response("plain");
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", async (event) => {
      try {
        await env.KV.put("last", String(event.data));
        server.send("stored " + (await env.KV.get("last")));
      } catch (error) {
        server.send("error " + error.message);
      }
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};`;
const MAX_WEBSOCKETS = 2;

// Code another worker calls back over JS RPC: an RpcTarget's methods and a callback function.
const LENDER = `import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";
class Reader extends RpcTarget {
  constructor(env) { super(); this.env = env; }
  async read() { return "read " + (await this.env.KV.get("x")); }
}
export default class extends WorkerEntrypoint {
  async fetch() { return new Response("lender"); }
  reader() { return new Reader(this.env); }
  async callBack(callback) { return await callback(); }
}`;
const BORROWER = `export default {
  async fetch(request, env) {
    const attempt = async (fn) => { try { return await fn(); } catch (error) { return "error " + error.message; } };
    const reader = await env.LENDER.reader();
    return Response.json({
      rpcTarget: await attempt(() => reader.read()),
      callback: await attempt(() => env.LENDER.callBack(async () => "called back " + (await env.KV.get("y")))),
    });
  },
};`;

/** @type {import("../helpers/platform.js").Platform} */
let platform;
let origin = "";
let open = 0;
let mostOpen = 0;
const server = createServer((request, response) => {
  if (request.url !== "/slow") return response.end("ok");
  open++;
  mostOpen = Math.max(mostOpen, open);
  // Held briefly, so the worker's parallel fetches overlap.
  setTimeout(() => {
    open--;
    response.end("slow");
  }, 100);
});

/** @param {string} name @param {string} tenant @param {Record<string, unknown>} body */
async function deployAs(name, tenant, body) {
  const result = await platform.admin("PUT", `/v1/workers/${name}`, { ...body, tenant });
  expect(result.status, JSON.stringify(result.body)).toBeLessThan(300);
}

/** @param {string} worker @param {string} path */
const json = async (worker, path) => JSON.parse((await platform.fetchWorker(worker, path)).text);
/**
 * The worker's hits as its owner sees them. A process writes hits at most once a second, the rest
 * after its next public request: one is sent first, so polling this reaches every process.
 * @param {string} worker @returns {Promise<Record<string, number>>}
 */
async function hitsOf(worker) {
  await platform.fetchWorker("busy", "/token");
  return (await platform.admin("GET", `/v1/workers/${worker}`)).body.limitHits;
}

beforeAll(async () => {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no server address");
  origin = `http://127.0.0.1:${address.port}`;
  platform = await startPlatform({
    env: {
      OUTPOST_MAX_SUBREQUESTS: String(MAX_SUBREQUESTS),
      OUTPOST_WAIT_UNTIL_SECONDS: String(GRACE_SECONDS),
      OUTPOST_MAX_WEBSOCKETS: String(MAX_WEBSOCKETS),
      OUTPOST_EGRESS_ALLOW: `127.0.0.1:${address.port}`,
    },
  });
  await deployAs("busy", "alpha", { ...(await bundleWorker(await workerFile(BUSY))), kv: { KV: "busy-kv" }, services: { SELF: { service: "busy" } } });
  await deployAs("lender", "alpha", { ...(await bundleWorker(await workerFile(LENDER))), kv: { KV: "lender-kv" } });
  await deployAs("borrower", "alpha", {
    ...(await bundleWorker(await workerFile(BORROWER))),
    kv: { KV: "borrower-kv" },
    services: { LENDER: { service: "lender" } },
  });
  await deployAs("sockets", "alpha", { ...(await bundleWorker(await workerFile(SOCKETS))), kv: { KV: "sockets-kv" } });
  const forger = { mainModule: "forger.js", modules: [{ name: "forger.js", type: "esm", content: FORGER }], kv: { KV: "loot" } };
  await deployAs("forger", "evil", forger);
  await deployAs("forger-two", "evil", forger);
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  server.close();
});

describe("subrequests", () => {
  it("subrequests: KV reads and fetches together stop at the limit with Cloudflare's error", async () => {
    expect(await json("busy", `/calls?n=100&origin=${origin}`)).toEqual({ done: MAX_SUBREQUESTS, error: "Too many subrequests." });
  });

  it("subrequests: the next invocation has its own budget", async () => {
    expect(await json("busy", `/calls?n=10&origin=${origin}`)).toEqual({ done: 10 });
  });

  it("subrequests: the hits are counted on the worker, for its owner and the operator", async () => {
    await waitUntil(async () => ((await hitsOf("busy"))?.subrequests ?? 0) >= 1, 10_000);
    const owner = (await platform.admin("POST", "/v1/tokens", { name: "alpha", tenant: "alpha" })).body.token;
    const other = (await platform.admin("POST", "/v1/tokens", { name: "evil", tenant: "evil" })).body.token;
    expect((await platform.admin("GET", "/v1/workers/busy", undefined, owner)).body.limitHits.subrequests).toBeGreaterThanOrEqual(1);
    expect((await platform.admin("GET", "/v1/workers/busy", undefined, other)).status).toBe(404);
  });
});

describe("service-binding depth", () => {
  it("depth: a worker fetching itself stops at depth 32 with Cloudflare's error", async () => {
    expect(await json("busy", "/recurse")).toEqual({ depth: 32, error: DEPTH_ERROR });
  });

  it("depth: a worker calling itself over JS RPC stops at depth 32 too", async () => {
    expect(await json("busy", "/rpc")).toEqual({ depth: 32, error: DEPTH_ERROR });
  });

  it("depth: the hits are counted", async () => {
    await waitUntil(async () => ((await hitsOf("busy"))?.depth ?? 0) >= 2, 10_000);
  });
});

describe("open connections", () => {
  it("connections: twelve parallel fetches all complete, never more than six open at once", async () => {
    mostOpen = 0;
    expect(await json("busy", `/parallel?n=12&origin=${origin}`)).toEqual({ done: 12 });
    expect(mostOpen).toBe(6);
  });
});

describe("waitUntil", () => {
  it("waitUntil: work keeps its I/O for the grace after the response, then loses it", async () => {
    expect((await platform.fetchWorker("busy", "/linger")).text).toBe("answered");
    await waitUntil(async () => ((await hitsOf("busy"))?.ended ?? 0) >= 1, 15_000);
    // It wrote while the grace lasted (every 200 ms for 2 s), and its first refused write ended it.
    expect(Number((await platform.fetchWorker("busy", "/tick")).text)).toBeGreaterThanOrEqual(1);
  });
});

const openSocket = () => openWebSocket(platform.port, "sockets.localhost");

/** @param {import("../helpers/websocket.js").TextWebSocket} socket @param {string} text */
function ask(socket, text) {
  socket.send(text);
  return socket.next();
}

/** @param {import("../helpers/websocket.js").TextWebSocket} socket */
const closed = (socket) => socket.close();

describe("WebSockets", () => {
  it("websockets: an open socket keeps its invocation's I/O past the waitUntil grace", async () => {
    const { socket } = await openSocket();
    if (!socket) throw new Error("the socket did not open");
    expect(await ask(socket, "first")).toBe("stored first");
    const graceEnds = Date.now() + GRACE_SECONDS * 1000;
    await waitUntil(() => Date.now() > graceEnds + 500, GRACE_SECONDS * 1000 + 2000);
    expect(await ask(socket, "later")).toBe("stored later");
    await closed(socket);
  });

  it("websockets: beyond the cap per isolate and process the upgrade gets 503; closed sockets free their place", async () => {
    // Two processes, each holding at most MAX_WEBSOCKETS for this worker.
    const attempts = await Promise.all(Array.from({ length: 3 * MAX_WEBSOCKETS }, () => openSocket()));
    const opened = attempts.flatMap((attempt) => (attempt.socket ? [attempt.socket] : []));
    const refused = attempts.filter((attempt) => attempt.status === 503);
    expect(opened.length + refused.length).toBe(3 * MAX_WEBSOCKETS);
    expect(opened.length).toBeLessThanOrEqual(2 * MAX_WEBSOCKETS);
    expect(refused.length).toBeGreaterThanOrEqual(MAX_WEBSOCKETS);
    for (const socket of opened) expect(await ask(socket, "still here")).toBe("stored still here");
    await Promise.all(opened.map(closed));
    // Every process has room again once the closes have reached it.
    await waitUntil(async () => {
      const again = await Promise.all(Array.from({ length: 2 * MAX_WEBSOCKETS }, () => openSocket()));
      const sockets = again.flatMap((attempt) => (attempt.socket ? [attempt.socket] : []));
      await Promise.all(sockets.map(closed));
      return sockets.length >= MAX_WEBSOCKETS;
    }, 10_000);
  });
});

describe("invocation tokens", () => {
  it("tokens: an RpcTarget's methods and a callback, called over JS RPC, keep the invocation that made them", async () => {
    expect(await json("borrower", "/")).toEqual({ rpcTarget: "read null", callback: "called back null" });
  });

  it("tokens: another tenant's live token is refused", async () => {
    const stolen = (await platform.fetchWorker("busy", "/token")).text;
    expect(stolen).toMatch(/^[0-9a-f]{32}$/);
    expect(await json("forger", `/?token=${stolen}`)).toEqual({ error: CROSS_REQUEST_ERROR });
  });

  it("tokens: a made-up token or none is refused", async () => {
    expect(await json("forger", "/?token=0123456789abcdef0123456789abcdef")).toEqual({ error: CROSS_REQUEST_ERROR });
    expect(await json("forger", "/")).toEqual({ error: CROSS_REQUEST_ERROR });
  });

  it("tokens: another worker's live token of the same tenant is refused", async () => {
    const sibling = (await platform.fetchWorker("forger-two", "/?own")).text;
    expect(await json("forger", `/?token=${sibling}`)).toEqual({ error: CROSS_REQUEST_ERROR });
  });

  it("tokens: a worker's own token replayed after its invocation's grace is refused", async () => {
    const own = (await platform.fetchWorker("forger", "/?own")).text;
    const graceEnds = Date.now() + GRACE_SECONDS * 1000;
    // Within the grace it may still work (it is that invocation's waitUntil time); once the grace
    // is over it never does, on either process (the token is known only to the one it ran on).
    await waitUntil(() => Date.now() > graceEnds, GRACE_SECONDS * 1000 + 1000);
    for (let i = 0; i < 4; i++) expect(await json("forger", `/?token=${own}`)).toEqual({ error: CROSS_REQUEST_ERROR });
  });

  it("tokens: the other tenant's worker was not affected by the attempts", async () => {
    expect(await json("busy", `/calls?n=4&origin=${origin}`)).toEqual({ done: 4 });
  });
});
