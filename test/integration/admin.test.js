// Bad input to the admin API: each gets a precise error and changes nothing stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ mainModule: string, modules: { name: string, type: string, content: string }[] }} */
let good;

beforeAll(async () => {
  platform = await startPlatform();
  good = await bundleWorker(await workerFile(`export default { fetch() { return new Response("v1"); } };`));
  await platform.admin("PUT", "/v1/workers/stable", good);
});
afterAll(() => platform?.stop());

/**
 * Deploys `body` over the existing "stable" worker and checks the precise error and that v1 still serves.
 * @param {unknown} body
 * @param {number} status
 * @param {string} code
 * @param {string | RegExp} message
 */
async function refused(body, status, code, message) {
  const before = await platform.admin("GET", "/v1/workers/stable");
  const response = await platform.admin("PUT", "/v1/workers/stable", body);
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  if (typeof message === "string") expect(response.body.error.message).toBe(message);
  else expect(response.body.error.message).toMatch(message);
  expect((await platform.admin("GET", "/v1/workers/stable")).body).toEqual(before.body);
  expect((await platform.fetchWorker("stable")).text).toBe("v1");
}

describe("authentication", () => {
  it("auth: a missing token is 401", async () => {
    const response = await platform.admin("GET", "/v1/workers", undefined, null);
    expect(response).toEqual({
      status: 401,
      body: { error: { code: "ERR_UNAUTHORIZED", message: "Missing admin token: send `Authorization: Bearer <token>`." } },
    });
  });

  it("auth: a wrong token is 401 and deploys nothing", async () => {
    const response = await platform.admin("PUT", "/v1/workers/intruder", good, "not-the-token");
    expect(response).toEqual({ status: 401, body: { error: { code: "ERR_UNAUTHORIZED", message: "Invalid admin token." } } });
    expect((await platform.admin("GET", "/v1/workers/intruder")).status).toBe(404);
    expect((await platform.fetchWorker("intruder")).status).toBe(404);
  });

  it("auth: a token that is a prefix of the real one is refused", async () => {
    const response = await platform.admin("GET", "/v1/workers", undefined, platform.token.slice(0, -1));
    expect(response.status).toBe(401);
  });

  it("auth: the public socket does not serve the admin API", async () => {
    const response = await fetch(`http://127.0.0.1:${platform.port}/v1/workers`, { headers: { authorization: `Bearer ${platform.token}` } });
    expect(response.status).toBe(404);
  });
});

describe("deploy validation", () => {
  it("deploy: a body that is not JSON", async () => {
    await refused("{not json", 400, "ERR_BAD_REQUEST", "The request body is not valid JSON.");
  });

  it("deploy: an invalid worker name", async () => {
    const response = await platform.admin("PUT", "/v1/workers/Bad_Name", good);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe("name: Worker names are 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.");
  });

  it("deploy: a main module that is not among the modules", async () => {
    await refused({ ...good, mainModule: "other.js" }, 400, "ERR_BAD_REQUEST", "body.mainModule: mainModule other.js is not one of the modules.");
  });

  it("deploy: unknown fields are refused, not ignored", async () => {
    await refused({ ...good, hyperdrive: {} }, 400, "ERR_BAD_REQUEST", 'body: Unrecognized key: "hyperdrive"');
  });

  it("deploy: a module name that climbs out", async () => {
    await refused(
      { mainModule: "../x.js", modules: [{ name: "../x.js", type: "esm", content: "export default {}" }] },
      400,
      "ERR_BAD_REQUEST",
      /Module name "\.\.\/x\.js" contains '\.\.'/,
    );
  });

  it("deploy: a binding declared as var and KV", async () => {
    await refused({ ...good, vars: { X: "1" }, kv: { X: "ns" } }, 400, "ERR_BAD_REQUEST", "body.X: Binding X is declared twice (var and KV namespace).");
  });

  it("deploy: a KV namespace name with invalid characters", async () => {
    await refused({ ...good, kv: { KV: "has space" } }, 400, "ERR_BAD_REQUEST", "body.kv.KV: KV namespace names are 1-64 letters, digits, '_', '.' and '-'.");
  });

  it("deploy: a compatibility date newer than workerd supports runs with the newest it knows, with a warning", async () => {
    const response = await platform.admin("PUT", "/v1/workers/future-date", { ...good, compatibilityDate: "2999-01-01" });
    expect(response.status).toBe(201);
    const [warning, nodeCompat] = response.body.warnings;
    expect(nodeCompat).toBe("nodejs_compat is on, as Cloudflare turns it on from 2026-08-04.");
    const newest = /^compatibility date 2999-01-01 is newer than this platform's workerd supports; the worker runs with (\d{4}-\d{2}-\d{2})\.$/.exec(
      warning,
    )?.[1];
    expect(newest).toBeDefined();
    expect(
      (await platform.admin("GET", "/v1/workers/future-date/versions")).body.versions.map(
        (/** @type {{ compatibility_date: string }} */ v) => v.compatibility_date,
      ),
    ).toEqual([newest]);
    expect((await platform.fetchWorker("future-date")).text).toBe("v1");
  });

  it("deploy: an unknown compatibility flag", async () => {
    await refused({ ...good, compatibilityFlags: ["no_such_flag_ever"] }, 400, "ERR_BAD_REQUEST", /^The worker failed to load: .*no_such_flag_ever/);
  });

  it("deploy: code with a syntax error is refused before it can be served", async () => {
    await refused(
      { mainModule: "index.js", modules: [{ name: "index.js", type: "esm", content: "export default { fetch( { }" }] },
      400,
      "ERR_BAD_REQUEST",
      /^The worker failed to load: /,
    );
  });

  it("deploy: an import of a module that is not uploaded", async () => {
    await refused(
      {
        mainModule: "index.js",
        modules: [{ name: "index.js", type: "esm", content: 'import x from "./missing.js"; export default { fetch() { return new Response(x) } }' }],
      },
      400,
      "ERR_BAD_REQUEST",
      /^The worker failed to load: .*missing\.js/s,
    );
  });

  it("deploy: a main module without a default export", async () => {
    await refused(
      { mainModule: "index.js", modules: [{ name: "index.js", type: "esm", content: "export const x = 1;" }] },
      400,
      "ERR_BAD_REQUEST",
      "The main module index.js has no default export. Outpost runs ES module workers: export default { fetch(request, env, ctx) { … } }.",
    );
  });

  it("deploy: a body above the size limit is refused without being stored", async () => {
    const huge = "x".repeat(16 * 1024 * 1024);
    await refused(
      { mainModule: "index.js", modules: [{ name: "index.js", type: "esm", content: `export default {}; // ${huge}` }] },
      413,
      "ERR_TOO_LARGE",
      "The request body is limited to 15728640 bytes.",
    );
  });

  it("deploy: code above 10 MiB is refused", async () => {
    const big = "y".repeat(10 * 1024 * 1024);
    await refused(
      { ...good, modules: [...good.modules, { name: "big.txt", type: "text", content: big }] },
      413,
      "ERR_TOO_LARGE",
      /^The worker's modules total \d+ bytes; the limit is 10485760\.$/,
    );
  });

  it("admin: an unknown route is a JSON 404", async () => {
    const response = await platform.admin("GET", "/v1/nothing");
    expect(response).toEqual({ status: 404, body: { error: { code: "ERR_NOT_FOUND", message: "No admin route GET /v1/nothing." } } });
  });
});
