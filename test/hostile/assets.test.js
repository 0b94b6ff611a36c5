// Attacks through a version's asset config (_headers, _redirects, run_worker_first), sent straight
// to the admin API as a tenant could: rules reach only the deploying worker's own asset
// responses, cannot break a response's framing, and cannot stall the runner that serves everyone.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../cli/bundle.js";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let entry;

beforeAll(async () => {
  platform = await startPlatform();
  entry = await workerFile("export default { fetch: (request) => new Response('worker ' + new URL(request.url).pathname) };");
});
afterAll(() => platform?.stop());

/** @param {string} name @param {Record<string, unknown>} assets */
async function deployAs(name, assets, tenant = "evil") {
  return platform.admin("PUT", `/v1/workers/${name}`, { ...(await bundleWorker(entry)), tenant, assets: { files: {}, ...assets } });
}

describe("asset rules", () => {
  it("assets: _headers and _redirects naming another worker's host change nothing of its responses", async () => {
    const page = "the victim's page";
    const hash = createHash("sha256").update(page).digest("hex");
    const upload = await fetch(`${platform.adminUrl}/v1/assets/${hash}?tenant=acme`, {
      method: "PUT",
      headers: { authorization: `Bearer ${platform.token}` },
      body: page,
    });
    expect(upload.status).toBe(204);
    expect((await deployAs("victim", { files: { "/page.txt": { hash, size: page.length } } }, "acme")).status).toBe(201);
    const attack = await deployAs("attacker", {
      headers: [
        { path: "https://victim.localhost/*", set: { "x-injected": "yes", "set-cookie": "session=stolen" } },
        { path: "/*", set: { "x-injected": "yes" } },
      ],
      redirects: [{ from: "/*", to: "https://evil.example/", status: 302 }],
    });
    expect(attack.status).toBe(201);
    // The rules are live on the attacker's own worker…
    expect((await platform.fetchWorker("attacker", "/page.txt")).headers).toMatchObject({ location: "https://evil.example/", "x-injected": "yes" });
    // …and nowhere else: neither on the victim's asset nor on its worker's responses.
    for (const path of ["/page.txt", "/anything"]) {
      const response = await platform.fetchWorker("victim", path);
      expect(response.status).toBe(200);
      expect(response.headers["x-injected"]).toBeUndefined();
      expect(response.headers["set-cookie"]).toBeUndefined();
      expect(response.headers.location).toBeUndefined();
    }
  });

  it("assets: header values with line breaks and framing headers are refused, and nothing is deployed", async () => {
    const split = await deployAs("splitter", { headers: [{ path: "/*", set: { "x-a": "1\r\nset-cookie: a=b" } }] });
    expect(split.body).toEqual({ error: { code: "ERR_BAD_REQUEST", message: "body.assets.headers.0.set.x-a: Header values cannot contain line breaks." } });
    const framing = await deployAs("splitter", { headers: [{ path: "/*", set: { "transfer-encoding": "chunked" } }] });
    expect(framing.status).toBe(400);
    expect(framing.body.error.message).toMatch(/^body\.assets\.headers\.0\.set\.transfer-encoding: .* are set by the platform, not by _headers\.$/);
    const target = await deployAs("splitter", { redirects: [{ from: "/a", to: "/b\r\nx-injected: 1", status: 302 }] });
    expect(target.body.error.message).toBe("body.assets.redirects.0.to: Redirect targets cannot contain control characters.");
    expect((await platform.fetchWorker("splitter", "/")).status).toBe(404);
  });

  it("assets: patterns built to backtrack are refused, and run_worker_first globs answer long paths at once", async () => {
    const crowded = await deployAs("backtrack", { redirects: [{ from: "/:a-:b-:c-:d", to: "/x", status: 302 }] });
    expect(crowded.body.error.message).toBe(
      "body.assets.redirects.0.from: /:a-:b-:c-:d: at most one placeholder or * per path segment on Outpost (split the rule).",
    );
    // As a regular expression, this glob against the path below would take longer than the test runs.
    expect((await deployAs("backtrack", { runWorkerFirst: [`/${"*a".repeat(40)}*b`] })).status).toBe(201);
    const response = await platform.fetchWorker("backtrack", `/${"a".repeat(6000)}`);
    expect(response).toMatchObject({ status: 200, text: `worker /${"a".repeat(6000)}` });
  });
});
