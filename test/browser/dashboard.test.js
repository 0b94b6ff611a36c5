// The dashboard in headless Chromium against a real platform: log in, see workers and their
// versions, roll one back, see a suspended worker and its incident, browse queues (and a queue's
// messages), KV and R2 (a bucket's keys), and tenant-controlled text that would run script if it
// were parsed as HTML. Screenshots of each page go to .test-output/dashboard/.
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, workerFile } from "../helpers/platform.js";

const SHOTS = ".test-output/dashboard";

/** Text that runs script if a page parses it as HTML (and its CSP allowed inline script). */
const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`;

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {import("playwright-core").Browser} */
let browser;
/** Tenant tokens. */
const tokens = { acme: "", other: "" };
/** Versions of `hello`, oldest first. */
const hello = /** @type {string[]} */ ([]);

const tagged = (/** @type {string} */ tag) =>
  workerFile(`export default { async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/seed") {
      await env.KV.put(${JSON.stringify(PAYLOAD)}, "value");
      await env.R2.put(${JSON.stringify(PAYLOAD)}, "twelve bytes", { httpMetadata: { contentType: "text/plain" } });
    }
    if (pathname === "/log") console.log(${JSON.stringify(PAYLOAD)});
    return new Response(${JSON.stringify(tag)});
  } };`);

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  // One certain incident suspends a worker, so the test reports one as the supervisor would.
  [platform, browser] = await Promise.all([startPlatform({ env: { OUTPOST_SUSPEND_AFTER: "1" } }), chromium.launch({ executablePath: "/usr/bin/chromium" })]);
  for (const tenant of /** @type {const} */ (["acme", "other"])) {
    tokens[tenant] = (await platform.admin("POST", "/v1/tokens", { name: tenant, tenant })).body.token;
  }
  const acme = { tenant: "acme", kv: { KV: "data" }, r2: { R2: "files" }, queues: { producers: { Q: { queue: "jobs" } } }, observability: { enabled: true } };
  hello.push((await platform.deploy("hello", await tagged("hello one"), { ...acme, message: PAYLOAD })).version);
  hello.push((await platform.deploy("hello", await tagged("hello two"), { ...acme, message: "second" })).version);
  await platform.deploy("spinner", await tagged("spinner"), { tenant: "acme" });
  await platform.deploy("stranger", await tagged("stranger"), { tenant: "other" });
  await platform.fetchWorker("hello", "/seed");
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

/** A fresh browser context (its own cookies) logged in with `token`. */
async function loggedIn(/** @type {string} */ token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(platform.adminUrl + "/");
  await page.waitForSelector("#login:not([hidden])");
  // Script errors and CSP refusals would otherwise pass unseen. An HTTP error status is reported
  // too, but it is an answer the page shows (a 404 from a route this platform lacks, say).
  const problems = /** @type {string[]} */ ([]);
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource: the server responded with a status of"))
      problems.push(message.text());
  });
  await page.fill("#token", token);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#page h1");
  return { page, problems, close: () => context.close() };
}

/** @param {import("playwright-core").Page} page @param {string} name */
const screenshot = (page, name) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

describe("dashboard", () => {
  it("login: the operator's token opens the workers page, which lists every tenant's workers", async () => {
    const { page, problems, close } = await loggedIn(platform.token);
    await page.waitForSelector("text=stranger");
    expect(await page.textContent("#who")).toBe("operator");
    expect(await page.locator("#page tbody tr").allTextContents()).toEqual([
      expect.stringContaining("hello"),
      expect.stringContaining("spinner"),
      expect.stringContaining("stranger"),
    ]);
    await screenshot(page, "workers");
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "outpost_session", httpOnly: true, sameSite: "Strict" });
    // A reload keeps the session (the CSRF token is in the tab's sessionStorage); a new tab logs in.
    await page.reload();
    await page.waitForSelector("text=stranger");
    const tab = await page.context().newPage();
    await tab.goto(platform.adminUrl + "/");
    await tab.waitForSelector("#login:not([hidden])");
    expect(problems).toEqual([]);
    await close();
  });

  it("rollback: the worker page lists its versions; Roll back, confirmed, makes the older one serve", async () => {
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=hello");
    await page.waitForSelector(`text=serving ${hello[1]}`);
    await screenshot(page, "worker");
    page.once("dialog", (dialog) => dialog.accept());
    await page.click(`tr:has-text("${hello[0]}") button:has-text("Roll back")`);
    await page.waitForSelector(`text=serving ${hello[0]}`);
    expect((await platform.fetchWorker("hello")).text).toBe("hello one");
    await screenshot(page, "worker-rolled-back");
    expect(problems).toEqual([]);
    await close();
  });

  it("rollback: dismissing the confirmation changes nothing", async () => {
    const { page, close } = await loggedIn(tokens.acme);
    await page.click("text=hello");
    await page.waitForSelector(`tr:has-text("${hello[1]}") button`);
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.click(`tr:has-text("${hello[1]}") button:has-text("Roll back")`);
    expect((await platform.admin("GET", "/v1/workers/hello")).body.version).toBe(hello[0]);
    await close();
  });

  it("suspension: a suspended worker shows as suspended, its incident on the incidents page; Resume, confirmed, lifts it", async () => {
    const spinner = (await platform.admin("GET", "/v1/workers/spinner")).body;
    const suspects = [{ id: "browser-1", tenant: "acme", worker: "spinner", version: spinner.version }];
    expect((await platform.admin("POST", "/v1/maintenance/incidents", { kind: "cpu", process: 0, suspects, inFlight: 1 })).status).toBe(201);
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.waitForSelector("tr:has-text('spinner') .badge.suspended");
    await screenshot(page, "workers-suspended");
    await page.click("text=Incidents");
    await page.waitForSelector("#page h1:text-is('Incidents')");
    await page.waitForSelector("tr:has-text('spinner'):has-text('cpu')");
    await screenshot(page, "incidents");
    await page.click("text=Workers");
    await page.click("a:text-is('spinner')");
    await page.waitForSelector("text=Suspended after 1 incident(s)");
    await screenshot(page, "worker-suspended");
    page.once("dialog", (dialog) => dialog.accept());
    await page.click("button:has-text('Resume')");
    await page.waitForSelector("text=Suspended after", { state: "detached" });
    expect(await page.locator("#page .badge.suspended").count()).toBe(0);
    expect((await platform.admin("GET", "/v1/workers/spinner")).body.suspended).toBeNull();
    expect(problems).toEqual([]);
    await close();
  });

  it("queues: the queue browser shows depth; Purge, confirmed, empties the queue", async () => {
    const sent = await platform.admin("POST", "/v1/queues/jobs/messages?tenant=acme", { messages: [{ body: 1 }, { body: 2 }] });
    expect(sent.status).toBe(201);
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=Queues");
    const row = page.locator("tr:has-text('jobs')");
    await row.waitFor();
    expect(await row.locator("td").nth(2).textContent()).toBe("2");
    await screenshot(page, "queues");
    page.once("dialog", (dialog) => dialog.accept());
    await row.locator("button:has-text('Purge')").click();
    await row.locator("td:nth-child(3):text-is('0')").waitFor();
    expect(problems).toEqual([]);
    await close();
  });

  it("queues: a queue's page lists its messages with state, attempts and body, and leases none", async () => {
    const sent = await platform.admin("POST", "/v1/queues/jobs/messages?tenant=acme", {
      messages: [{ body: "first job", contentType: "text" }, { body: { n: 2 } }, { body: "later job", contentType: "text", delaySeconds: 600 }],
    });
    expect(sent.status).toBe(201);
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=Queues");
    await page.click("a:text-is('jobs')");
    await page.waitForSelector("#page h1:text-is('Queue jobs')");
    const rows = page.locator("#page tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    const cells = async (/** @type {number} */ i) => (await rows.nth(i).locator("td").allTextContents()).filter((_, column) => [1, 2, 5, 7].includes(column));
    expect(await cells(0)).toEqual(["ready", "0", "text", "first job"]);
    expect(await cells(1)).toEqual(["ready", "0", "json", '{"n":2}']);
    expect(await cells(2)).toEqual(["delayed", "0", "text", "later job"]);
    await screenshot(page, "queue-messages");
    // Shown, not leased: the queue's depth is unchanged and none is in flight.
    const [queue] = (await platform.admin("GET", "/v1/queues?tenant=acme")).body.queues.filter((/** @type {any} */ q) => q.name === "jobs");
    expect([queue.depth, queue.inFlight]).toEqual([3, 0]);
    await platform.admin("POST", "/v1/queues/jobs/purge?tenant=acme");
    expect(problems).toEqual([]);
    await close();
  });

  it("kv: the KV page lists the tenant's namespaces and their keys, or says the API is not available", async () => {
    const { page, close } = await loggedIn(tokens.acme);
    await page.click("text=KV");
    await page.waitForSelector("#page h1:text-is('KV namespaces'), #page h1:text-is('Not available')");
    await screenshot(page, "kv");
    // The KV data routes arrive with `outpost kv`; until then the page says so.
    const available = (await platform.admin("GET", "/v1/kv/namespaces", undefined, tokens.acme)).status === 200;
    if (available) {
      await page.click("text=data");
      await page.waitForSelector("text=Prefix");
      expect(await page.locator("#page tbody td").first().textContent()).toBe(PAYLOAD);
      await page.click("button:has-text('View')");
      await page.waitForSelector("#kv-value:text-is('value')");
      await screenshot(page, "kv-keys");
      expect(await page.evaluate(`"__pwned" in window`)).toBe(false);
      page.once("dialog", (dialog) => dialog.accept());
      await page.click("button:has-text('Delete')");
      await page.waitForSelector("#page tbody:empty", { state: "attached" });
    } else {
      expect(await page.textContent("#page h1")).toBe("Not available");
    }
    await close();
  });

  it("logs: the live tail shows a request made after it started, its console line as text; stored logs filter by search", async () => {
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=hello");
    await page.click("text=Logs and live tail");
    await page.waitForSelector("#page h1:text-is('Logs of hello'), #page h1:text-is('Not available')");
    // The log routes arrive with `outpost logs`; until then the page says so.
    const available = (await platform.admin("GET", "/v1/workers/hello/logs", undefined, tokens.acme)).status === 200;
    if (!available) {
      expect(await page.textContent("#page h1")).toBe("Not available");
      await close();
      return;
    }
    await page.check("#tail");
    await page.click("button:has-text('Show')");
    await page.waitForSelector("text=Live tail: new invocations appear at the top.");
    expect((await platform.fetchWorker("hello", "/log")).text).toBe("hello one");
    await page.locator(`#logs td pre:text-is(${JSON.stringify(`info: ${PAYLOAD}`)})`).waitFor({ timeout: 5000 });
    await screenshot(page, "logs-tail");
    expect(await page.evaluate(`"__pwned" in window`)).toBe(false);
    expect(await page.locator("main img, main script").count()).toBe(0);
    await page.uncheck("#tail");
    await page.fill("input[name=search]", "__pwned");
    await page.click("button:has-text('Show')");
    // Only the request that logged the payload: the /seed request and the rest do not match.
    await page.waitForURL(/search=__pwned/);
    await expect.poll(() => page.locator("#logs tbody tr").count()).toBe(1);
    expect(await page.locator("#logs tbody tr td").nth(3).textContent()).toBe("GET /log");
    await screenshot(page, "logs");
    expect(problems).toEqual([]);
    await close();
  });

  it("r2: the R2 page lists buckets; an object looked up by key shows its size, and Delete, confirmed, deletes it", async () => {
    const { page, close } = await loggedIn(tokens.acme);
    await page.click("text=R2");
    await page.waitForSelector("#page h1:text-is('R2 buckets'), #page h1:text-is('Not available')");
    // The R2 data routes arrive with `outpost r2`; until then the page says so.
    const available = (await platform.admin("GET", "/v1/r2/buckets", undefined, tokens.acme)).status === 200;
    if (available) {
      await page.click("a:text-is('files')");
      await page.fill("input[name=key]", PAYLOAD);
      await page.click("button:has-text('Look up')");
      await page.waitForSelector("#r2-object td:text-is('12')");
      await screenshot(page, "r2-object");
      page.once("dialog", (dialog) => dialog.accept());
      await page.click("#r2-object button:has-text('Delete')");
      // The page is shown again, the lookup empty.
      await page.waitForSelector("#r2-object:empty", { state: "attached" });
      expect((await platform.admin("GET", `/v1/r2/buckets/files/objects/${encodeURIComponent(PAYLOAD)}`, undefined, tokens.acme)).status).toBe(404);
    } else {
      expect(await page.textContent("#page h1")).toBe("Not available");
    }
    await close();
  });

  it("r2: the bucket page lists its keys; a prefix and delimiter group them; Delete in the listing, confirmed, deletes one", async () => {
    for (const key of ["photos/1.jpg", "photos/2.jpg", "readme.txt"]) {
      const put = await fetch(`${platform.adminUrl}/v1/r2/buckets/files/objects/${key}?tenant=acme`, {
        method: "PUT",
        headers: { authorization: `Bearer ${tokens.acme}`, "content-type": "text/plain" },
        body: `bytes of ${key}`,
      });
      expect(put.status).toBe(201);
    }
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=R2");
    await page.click("a:text-is('files')");
    const keys = () => page.locator("#r2-keys tbody tr td:first-child").allTextContents();
    await expect.poll(keys).toEqual(["photos/1.jpg", "photos/2.jpg", "readme.txt"]);
    expect(await page.locator("#r2-keys tbody tr").first().locator("td").allTextContents()).toEqual([
      "photos/1.jpg",
      "21",
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expect.stringMatching(/^[0-9a-f]{32}$/),
      "text/plain",
      "Delete",
    ]);
    await screenshot(page, "r2-keys");
    await page.fill("input[name=delimiter]", "/");
    await page.click("button:has-text('List')");
    await expect.poll(keys).toEqual(["photos/", "readme.txt"]);
    await page.click("a:text-is('photos/')");
    await expect.poll(keys).toEqual(["photos/1.jpg", "photos/2.jpg"]);
    await screenshot(page, "r2-prefix");
    page.once("dialog", (dialog) => dialog.accept());
    await page.click("#r2-keys tr:has-text('photos/1.jpg') button:has-text('Delete')");
    await expect.poll(keys).toEqual(["photos/2.jpg"]);
    expect((await platform.admin("GET", "/v1/r2/buckets/files/objects/photos%2F1.jpg", undefined, tokens.acme)).status).toBe(404);
    expect(problems).toEqual([]);
    await close();
  });

  it("tenant: a tenant's session sees only its own workers", async () => {
    const { page, close } = await loggedIn(tokens.other);
    await page.waitForSelector("text=stranger");
    expect(await page.textContent("#who")).toBe("tenant other");
    expect(await page.locator("#page tbody tr").count()).toBe(1);
    await close();
  });

  it("login: a wrong token is refused on the login form", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(platform.adminUrl + "/");
    await page.fill("#token", "not-a-token");
    await page.click("#login button[type=submit]");
    await page.waitForSelector("text=Invalid admin token.");
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});

describe("hostile: tenant text in the dashboard", () => {
  it("injection: a deploy message (and a KV key) made of HTML is shown as text and runs nothing", async () => {
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=hello");
    await page.waitForSelector(`td:text-is(${JSON.stringify(PAYLOAD)})`);
    await screenshot(page, "injection");
    // Evaluated in the page.
    expect(await page.evaluate(`"__pwned" in window`)).toBe(false);
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(problems).toEqual([]);
    await close();
  });

  it("injection: a queue message body and an R2 key made of HTML are shown as text in the browsers and run nothing", async () => {
    expect((await platform.admin("POST", "/v1/queues/jobs/messages?tenant=acme", { messages: [{ body: PAYLOAD, contentType: "text" }] })).status).toBe(201);
    const put = await fetch(`${platform.adminUrl}/v1/r2/buckets/files/objects/${encodeURIComponent(PAYLOAD)}?tenant=acme`, {
      method: "PUT",
      headers: { authorization: `Bearer ${tokens.acme}` },
      body: "markup key",
    });
    expect(put.status).toBe(201);
    const { page, problems, close } = await loggedIn(tokens.acme);
    await page.click("text=Queues");
    await page.click("a:text-is('jobs')");
    await page.waitForSelector(`#page td pre:text-is(${JSON.stringify(PAYLOAD)})`);
    await screenshot(page, "injection-queue");
    await page.click("text=R2");
    await page.click("a:text-is('files')");
    await page.waitForSelector(`#r2-keys td:text-is(${JSON.stringify(PAYLOAD)})`);
    await screenshot(page, "injection-r2");
    expect(await page.evaluate(`"__pwned" in window`)).toBe(false);
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(problems).toEqual([]);
    await close();
  });
});
