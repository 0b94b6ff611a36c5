// The dashboard's session, attacked over HTTP: a request sent with the session cookie but without
// the session's CSRF token (what a forged cross-site request carries, and what a page on another
// port of the same host receives) is refused; an altered or foreign session is refused; a
// tenant's session sees only its tenant (its queue messages and bucket listings too); the page's
// CSP allows no inline script, eval or other origin. (Script injection through tenant text is
// tried in a real browser: test/browser/dashboard.test.js.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** Tenant tokens. */
const tokens = { acme: "", other: "" };
/** Versions of `hello`, oldest first. */
const versions = /** @type {string[]} */ ([]);

beforeAll(async () => {
  platform = await startPlatform();
  for (const tenant of /** @type {const} */ (["acme", "other"])) {
    tokens[tenant] = (await platform.admin("POST", "/v1/tokens", { name: tenant, tenant })).body.token;
  }
  for (const tag of ["one", "two"]) {
    const source = await workerFile(`export default { fetch() { return new Response("${tag}"); } };`);
    versions.push((await platform.deploy("hello", source, { tenant: "acme" })).version);
  }
  await platform.deploy("stranger", await workerFile(`export default { fetch() { return new Response("x"); } };`), { tenant: "other" });
  // acme's queue and bucket, with a message and an object in them, for the browsers' routes.
  await platform.deploy("holder", await workerFile(`export default { fetch() { return new Response("x"); } };`), {
    tenant: "acme",
    r2: { FILES: "acme-files" },
    queues: { producers: { JOBS: { queue: "acme-jobs" } }, consumers: [{ queue: "acme-jobs", type: "http_pull" }] },
  });
  expect((await platform.admin("POST", "/v1/queues/acme-jobs/messages?tenant=acme", { messages: [{ body: "acme's job" }] })).status).toBe(201);
  const put = await fetch(`${platform.adminUrl}/v1/r2/buckets/acme-files/objects/plans.txt?tenant=acme`, {
    method: "PUT",
    headers: { authorization: `Bearer ${tokens.acme}` },
    body: "acme's plans",
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
});

/** Logs in with `token`: the session cookie (name=value) and its CSRF token. */
async function login(/** @type {string} */ token) {
  const response = await fetch(`${platform.adminUrl}/v1/session`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const [setCookie = ""] = response.headers.getSetCookie();
  const { csrf } = /** @type {{ csrf: string }} */ (await response.json());
  return { setCookie, cookie: setCookie.split(";")[0] ?? "", csrf };
}

/** @param {string} method @param {string} path @param {Record<string, string>} headers @param {string} [body] */
async function send(method, path, headers, body) {
  const response = await fetch(platform.adminUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
}

const rollback = (/** @type {Record<string, string>} */ headers) =>
  send("POST", "/v1/workers/hello/rollback", { ...headers, "content-type": "application/json" }, JSON.stringify({ version: versions[0] }));
const serving = async () => (await platform.admin("GET", "/v1/workers/hello")).body.version;

describe("dashboard session", () => {
  it("cookie: login sets an HttpOnly, SameSite=Strict session cookie that holds neither token", async () => {
    const { setCookie, cookie } = await login(tokens.acme);
    expect(setCookie).toMatch(/^outpost_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(tokens.acme);
    expect(cookie).not.toContain(platform.token);
  });

  it("csrf: a change with the session cookie and no CSRF token is refused and changes nothing", async () => {
    const { cookie } = await login(tokens.acme);
    const refused = await rollback({ cookie });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: "ERR_FORBIDDEN", message: "A request made with a dashboard session needs the session's x-csrf-token header." });
    // What a cross-site form can send: a simple content type, no custom header.
    const form = await send("POST", "/v1/workers/hello/rollback", { cookie, "content-type": "text/plain" }, "{}");
    expect(form.status).toBe(403);
    expect(await serving()).toBe(versions[1]);
  });

  it("csrf: a read with the session cookie alone (what a page on another port of the host receives) is refused", async () => {
    const { cookie, csrf } = await login(tokens.acme);
    for (const path of ["/v1/workers", "/v1/workers/hello", "/v1/session", "/v1/queues"]) {
      expect((await send("GET", path, { cookie })).status, path).toBe(403);
    }
    expect((await send("GET", "/v1/session", { cookie, "x-csrf-token": csrf })).body).toEqual({ tenant: "acme" });
  });

  it("csrf: a wrong CSRF token, or another session's, is refused", async () => {
    const mine = await login(tokens.acme);
    const theirs = await login(tokens.acme);
    expect((await rollback({ cookie: mine.cookie, "x-csrf-token": "AAAA" })).status).toBe(403);
    expect((await rollback({ cookie: mine.cookie, "x-csrf-token": theirs.csrf })).status).toBe(403);
    expect(await serving()).toBe(versions[1]);
  });

  it("csrf: with the session's CSRF token the change is made", async () => {
    const { cookie, csrf } = await login(tokens.acme);
    expect((await rollback({ cookie, "x-csrf-token": csrf })).status).toBe(200);
    expect(await serving()).toBe(versions[0]);
  });

  it("cookie: an altered session cookie (the operator's token hash put in) is refused", async () => {
    const { cookie } = await login(tokens.acme);
    const [name, value = ""] = cookie.split("=");
    const parts = value.split(".");
    const operatorHash = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(platform.token))).toString("hex");
    const forged = `${name}=${[parts[0], operatorHash, ...parts.slice(2)].join(".")}`;
    const answer = await send("GET", "/v1/workers", { cookie: forged });
    expect(answer.status).toBe(401);
    expect(answer.body.error.message).toBe("The dashboard session has expired or is not valid; log in again.");
  });

  it("tenant: a tenant's session sees and changes only its own workers, and mints no tokens", async () => {
    const { cookie, csrf } = await login(tokens.other);
    const headers = { cookie, "x-csrf-token": csrf };
    expect((await send("GET", "/v1/workers", headers)).body.workers.map((/** @type {{ name: string }} */ w) => w.name)).toEqual(["stranger"]);
    expect((await send("GET", "/v1/workers/hello", headers)).status).toBe(404);
    expect((await send("GET", "/v1/session", headers)).body.tenant).toBe("other");
    // Nor does the session do more than its token: tokens are an operator's.
    const minted = await send("POST", "/v1/tokens", { ...headers, "content-type": "application/json" }, JSON.stringify({ name: "mine" }));
    expect(minted.status).toBe(403);
    expect((await send("POST", "/v1/workers/hello/rollback", { ...headers, "content-type": "application/json" }, "{}")).status).toBe(404);
  });

  it("browsers: another tenant's session reading acme's queue messages or bucket listing gets exactly the missing-resource 404", async () => {
    const { cookie, csrf } = await login(tokens.other);
    const headers = { cookie, "x-csrf-token": csrf };
    for (const [theirs, nowhere] of /** @type {const} */ ([
      ["/v1/queues/acme-jobs/messages", "/v1/queues/nowhere-jobs/messages"],
      ["/v1/r2/buckets/acme-files/objects", "/v1/r2/buckets/nowhere-files/objects"],
    ])) {
      const attempt = await send("GET", theirs, headers);
      const control = await send("GET", nowhere, headers);
      expect(attempt.status, theirs).toBe(404);
      expect(JSON.stringify(attempt.body).replaceAll("acme-", "X-")).toBe(JSON.stringify(control.body).replaceAll("nowhere-", "X-"));
      // Naming the tenant is refused, as for a tenant that does not exist.
      expect((await send("GET", `${theirs}?tenant=acme`, headers)).status).toBe(403);
    }
    // acme's own session reads them; browsing leased nothing (the message is still ready).
    const mine = await login(tokens.acme);
    const own = { cookie: mine.cookie, "x-csrf-token": mine.csrf };
    expect((await send("GET", "/v1/queues/acme-jobs/messages", own)).body.messages.map((/** @type {any} */ m) => [m.body, m.state])).toEqual([
      ['"acme\'s job"', "ready"],
    ]);
    expect((await send("GET", "/v1/r2/buckets/acme-files/objects", own)).body.objects.map((/** @type {any} */ o) => o.key)).toEqual(["plans.txt"]);
  });

  it("incidents: a tenant sees only certain incidents blamed on its own workers", async () => {
    const stranger = (await platform.admin("GET", "/v1/workers/stranger")).body.version;
    const hello = { id: "h", tenant: "acme", worker: "hello", version: versions[0] };
    const blamed = { kind: "cpu", process: 0, suspects: [{ id: "s", tenant: "other", worker: "stranger", version: stranger }], inFlight: 1 };
    const shared = { kind: "memory", process: 1, suspects: [{ ...blamed.suspects[0], id: "s2" }, hello], inFlight: 2 };
    for (const incident of [blamed, shared]) expect((await platform.admin("POST", "/v1/maintenance/incidents", incident)).status).toBe(201);
    const seenBy = async (/** @type {string} */ token) =>
      (await platform.admin("GET", "/v1/incidents", undefined, token)).body.incidents.map((/** @type {any} */ i) => `${i.kind} ${i.worker}`);
    expect(await seenBy(tokens.acme)).toEqual([]);
    expect(await seenBy(tokens.other)).toEqual(["cpu stranger"]);
    expect(await seenBy(platform.token)).toEqual(["memory null", "cpu stranger"]);
  });

  it("login: a wrong token gets no session", async () => {
    const response = await fetch(`${platform.adminUrl}/v1/session`, { method: "POST", headers: { authorization: "Bearer wrong" } });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("logout: DELETE /v1/session clears the cookie", async () => {
    const { cookie, csrf } = await login(tokens.acme);
    const answer = await send("DELETE", "/v1/session", { cookie, "x-csrf-token": csrf });
    expect(answer.status).toBe(204);
    expect(answer.headers.get("set-cookie")).toMatch(/^outpost_session=; Max-Age=0; Path=\//);
  });
});

describe("dashboard page", () => {
  it("csp: the page and its files carry a strict Content-Security-Policy (no inline script, no eval, no other origin)", async () => {
    for (const path of ["/", "/dashboard/app.js", "/dashboard/style.css"]) {
      const response = await fetch(platform.adminUrl + path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-security-policy")).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("files: only the dashboard's own files are served", async () => {
    for (const path of ["/dashboard/constructor", "/dashboard/__proto__", "/dashboard/..%2Fsession.ts", "/dashboard/hasOwnProperty"]) {
      expect((await fetch(platform.adminUrl + path)).status, path).toBe(404);
    }
  });

  it("injection: a message body and an R2 key made of markup come back from the browsing routes as JSON strings only; opened with the cookie alone they are refused", async () => {
    const markup = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`;
    expect((await platform.admin("POST", "/v1/queues/acme-jobs/messages?tenant=acme", { messages: [{ body: markup, contentType: "text" }] })).status).toBe(201);
    const put = await fetch(`${platform.adminUrl}/v1/r2/buckets/acme-files/objects/${encodeURIComponent(markup)}?tenant=acme`, {
      method: "PUT",
      headers: { authorization: `Bearer ${tokens.acme}` },
      body: "x",
    });
    expect(put.status).toBe(201);
    const { cookie, csrf } = await login(tokens.acme);
    for (const path of ["/v1/queues/acme-jobs/messages", "/v1/r2/buckets/acme-files/objects"]) {
      const response = await fetch(platform.adminUrl + path, { headers: { cookie, "x-csrf-token": csrf } });
      expect(response.headers.get("content-type"), path).toMatch(/^application\/json/);
      const text = await response.text();
      expect(text).toContain(JSON.stringify(markup).slice(1, -1));
      // What a link or a form on another page would open: the cookie without the session's token.
      expect((await fetch(platform.adminUrl + path, { headers: { cookie } })).status, path).toBe(403);
    }
    await fetch(`${platform.adminUrl}/v1/r2/buckets/acme-files/objects/${encodeURIComponent(markup)}?tenant=acme`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${tokens.acme}` },
    });
  });

  it("injection: worker and queue names that hold markup are refused before any page could show them", async () => {
    const source = await workerFile(`export default { fetch() { return new Response("x"); } };`);
    await expect(platform.deploy("%3Cscript%3E", source, { tenant: "acme" })).rejects.toThrow(/ERR_BAD_REQUEST/);
    await expect(platform.deploy("queued", source, { tenant: "acme", queues: { producers: { Q: { queue: "<img src=x>" } } } })).rejects.toThrow(/Queue names/);
  });
});
