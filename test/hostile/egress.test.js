// A tenant's fetch() aimed inward: every loopback spelling, the platform's own sockets and its
// Postgres. Only loopback targets are used (private and link-local ranges are judged by the unit
// tests of the policy function, never by sending traffic there).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
beforeAll(async () => {
  platform = await startPlatform();
  await platform.deploy(
    "egress",
    await workerFile(`export default {
      async fetch(request) {
        const target = new URL(request.url).searchParams.get("url");
        try {
          const response = await fetch(target);
          return new Response("reached " + response.status);
        } catch (error) {
          return new Response("refused: " + error.message);
        }
      },
    };`),
  );
});
afterAll(() => platform?.stop());

/** @param {string} target */
const tryFetch = async (target) => (await platform.fetchWorker("egress", `/?url=${encodeURIComponent(target)}`)).text;

describe("egress to loopback", () => {
  it("egress: every loopback spelling is refused", async () => {
    const port = platform.port;
    for (const host of [
      "127.0.0.1",
      "127.0.0.2",
      "[::1]",
      "0.0.0.0",
      "127.1",
      "2130706433",
      "0x7f000001",
      "[::ffff:127.0.0.1]",
      "localhost",
      "localhost.",
      "demo.localhost",
    ]) {
      expect(await tryFetch(`http://${host}:${port}/`), host).toMatch(/^refused: Outpost egress policy refused fetch to /);
    }
  });

  it("egress: the admin socket, the public socket and Postgres are refused, the platform's own sockets named as such", async () => {
    const postgres = new URL(await platform.databaseUrl());
    for (const target of [`http://127.0.0.1:${platform.adminPort}/v1/workers`, `http://localhost:${platform.port}/`, `http://${postgres.host}/`]) {
      expect(await tryFetch(target), target).toMatch(/^refused: Outpost egress policy refused fetch to /);
    }
    expect(await tryFetch(`http://127.0.0.1:${platform.adminPort}/`)).toContain("(a platform socket)");
  });

  it("egress: a worker dated before 2024-04-03 (loaded with workerd's rpc flag added) is held to the same policy", async () => {
    const entry = await workerFile(`export default {
      async fetch(request) {
        try {
          return new Response("reached " + (await fetch(new URL(request.url).searchParams.get("url"))).status);
        } catch (error) {
          return new Response("refused: " + error.message);
        }
      },
    };`);
    await platform.deploy("egress-2023", entry, { compatibilityDate: "2023-01-28" });
    for (const target of [`http://127.0.0.1:${platform.adminPort}/v1/workers`, `http://localhost:${platform.port}/`]) {
      const response = await platform.fetchWorker("egress-2023", `/?url=${encodeURIComponent(target)}`);
      expect(response.text, target).toMatch(/^refused: Outpost egress policy refused fetch to /);
    }
  });
});
