// The dashboard page: plain DOM, no framework, no build step. Every text from the API (worker
// names, keys, log lines, queue names: tenant-controlled) reaches the page as a text node through
// el(); nothing is parsed as HTML. Every request sends the session's CSRF token with the cookie
// (runner/admin/session.ts).

/**
 * The session's CSRF token, from the login answer. Kept in this origin's sessionStorage (which a
 * page on another port of the same host cannot read, though the browser sends it the cookie), so
 * a reload keeps the session and a new tab logs in again.
 */
const SESSION_KEY = "outpost-csrf";
let csrf = sessionStorage.getItem(SESSION_KEY) ?? "";

/** fetch() with the session: its cookie and its CSRF token. @param {string} path @param {RequestInit} [init] */
const request = (path, init = {}) => fetch(path, { ...init, credentials: "same-origin", headers: { ...init.headers, "x-csrf-token": csrf } });

/** A 404 from a route this platform version does not have (a page shows "not available"). */
class Unavailable extends Error {}

/**
 * @param {string} tag
 * @param {Record<string, string | ((event: Event) => void)>} [attributes] `on…` entries are listeners
 * @param {...(Node | string | number | null | undefined)} children strings become text nodes
 */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** @param {string[]} headings @param {(Node | string | number | null)[][]} rows */
function table(headings, rows) {
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ...headings.map((heading) => el("th", {}, heading)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", {}, cell))))),
  );
}

/** @param {string} method @param {string} path @param {unknown} [body] */
async function api(method, path, body) {
  const response = await request(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401) {
    showLogin();
    throw new Error("Log in again.");
  }
  const text = await response.text();
  const json = text === "" ? null : JSON.parse(text);
  if (response.status === 404 && json?.error?.message?.startsWith("No admin route")) throw new Unavailable(json.error.message);
  if (!response.ok) throw new Error(json?.error?.message ?? `HTTP ${response.status}`);
  return json;
}

/** @param {string} part */
const encode = (part) => encodeURIComponent(part);
/** @param {{ tenant: string }} item an operator names the tenant a queue or namespace is in */
const tenantQuery = (item) => `?tenant=${encode(item.tenant)}`;

const page = /** @type {HTMLElement} */ (document.getElementById("page"));

/** @param {string} title @param {...(Node | string | null)} content */
function show(title, ...content) {
  document.title = `${title} · Outpost`;
  page.replaceChildren(el("h1", {}, title), ...content.filter((node) => node !== null));
}

/** @param {string} question @param {() => Promise<unknown>} change */
async function confirmed(question, change) {
  if (!window.confirm(question)) return;
  try {
    await change();
  } catch (error) {
    window.alert(/** @type {Error} */ (error).message);
  }
  await route();
}

/** @param {string} label @param {string} question @param {() => Promise<unknown>} change */
const changeButton = (label, question, change) => el("button", { type: "button", onclick: () => confirmed(question, change) }, label);

async function workersPage() {
  const { workers } = await api("GET", "/v1/workers");
  show(
    "Workers",
    workers.length === 0
      ? el("p", {}, "No workers deployed.")
      : table(
          ["name", "tenant", "version", "state", "updated"],
          workers.map((/** @type {any} */ worker) => [
            el("a", { href: `#/workers/${encode(worker.name)}` }, worker.name),
            worker.tenant,
            worker.version,
            state(worker),
            worker.updated_at,
          ]),
        ),
  );
}

/** @param {any} worker */
function state(worker) {
  const badges = [];
  if (worker.suspended) badges.push(el("span", { class: "badge suspended" }, `suspended: ${worker.suspended.reason}`));
  if (worker.rollout) badges.push(el("span", { class: "badge rollout" }, `rollout ${worker.rollout.percent}% to ${worker.rollout.version}`));
  if (worker.probation) badges.push(el("span", { class: "badge" }, `probation until ${worker.probation.until}`));
  return el("span", {}, ...(badges.length > 0 ? badges : ["serving"]));
}

/** @param {string} name */
async function workerPage(name) {
  const path = `/v1/workers/${encode(name)}`;
  const [worker, { versions }, graphs] = await Promise.all([api("GET", path), api("GET", `${path}/versions`), charts(name)]);
  const actions = [];
  if (worker.suspended) actions.push(changeButton("Resume", `Resume ${name}? Its requests are served again.`, () => api("POST", `${path}/resume`)));
  if (worker.rollout) {
    actions.push(changeButton("Promote rollout", `Send all of ${name}'s traffic to ${worker.rollout.version}?`, () => api("POST", `${path}/rollout/promote`)));
    actions.push(changeButton("Abort rollout", `Abort the rollout of ${name}?`, () => api("POST", `${path}/rollout/abort`)));
  }
  show(
    name,
    el("p", {}, "Tenant ", worker.tenant, " · serving ", worker.version, " · ", state(worker)),
    worker.suspended ? el("p", { class: "error" }, `Suspended after ${worker.suspended.incidents} incident(s), the last at ${worker.suspended.at}.`) : null,
    el("p", {}, ...actions, " ", el("a", { href: `#/logs/${encode(name)}` }, "Logs and live tail")),
    el("h2", {}, "Last hour"),
    graphs,
    el("h2", {}, "Versions"),
    table(
      ["version", "created", "message", "bytes", ""],
      [...versions]
        .reverse()
        .map((/** @type {any} */ version) => [
          version.id,
          version.created_at,
          version.message ?? "",
          version.size_bytes,
          version.serving
            ? "serving"
            : changeButton("Roll back", `Roll ${name} back to version ${version.id}?`, () => api("POST", `${path}/rollback`, { version: version.id })),
        ]),
    ),
  );
}

async function incidentsPage() {
  const { incidents } = await api("GET", "/v1/incidents");
  show(
    "Incidents",
    incidents.length === 0
      ? el("p", {}, "No incidents.")
      : table(
          ["time", "kind", "worker", "tenant", "version", "in flight", "blamed"],
          incidents.map((/** @type {any} */ incident) => [
            incident.at,
            incident.kind,
            incident.worker ?? "",
            incident.tenant ?? "",
            incident.version ?? "",
            incident.in_flight,
            incident.certain ? "yes" : "no: not one worker alone was running",
          ]),
        ),
  );
}

async function queuesPage() {
  const { queues } = await api("GET", "/v1/queues");
  show(
    "Queues",
    queues.length === 0
      ? el("p", {}, "No queues.")
      : table(
          ["name", "tenant", "depth", "in flight", "delayed", "oldest (s)", "dead-lettered", "consumer", ""],
          queues.map((/** @type {any} */ queue) => [
            el("a", { href: `#/queues/${encode(queue.tenant)}/${encode(queue.name)}` }, queue.name),
            queue.tenant,
            queue.depth,
            queue.inFlight,
            queue.delayed,
            queue.oldestAgeSeconds ?? "",
            queue.deadLettered,
            queue.consumer ? `${queue.consumer.worker} (${queue.consumer.type})` : "",
            changeButton("Purge", `Delete every message in queue ${queue.name}?`, () =>
              api("POST", `/v1/queues/${encode(queue.name)}/purge${tenantQuery(queue)}`),
            ),
          ]),
        ),
  );
}

/** The queue's messages, read without leasing them; bodies (tenant text) are shown as text. */
async function queueMessagesPage(/** @type {string} */ tenant, /** @type {string} */ queue, /** @type {URLSearchParams} */ query) {
  const cursor = query.get("cursor");
  const page = await api("GET", `/v1/queues/${encode(queue)}/messages?tenant=${encode(tenant)}&limit=50${cursor ? `&cursor=${encode(cursor)}` : ""}`);
  const here = `#/queues/${encode(tenant)}/${encode(queue)}`;
  show(
    `Queue ${queue}`,
    el("p", {}, "Tenant ", tenant, " · messages in the order they were sent; reading them leases none."),
    page.messages.length === 0
      ? el("p", {}, cursor ? "No more messages." : "No messages.")
      : table(
          ["id", "state", "attempts", "sent", "visible at", "type", "bytes", "body"],
          page.messages.map((/** @type {any} */ message) => [
            message.id,
            message.state,
            message.attempts,
            new Date(message.timestamp_ms).toISOString(),
            message.visibleAt,
            message.contentType,
            message.size,
            el("pre", {}, message.truncated ? `${message.body}…` : message.body),
          ]),
        ),
    page.cursor ? el("a", { href: `${here}?cursor=${encode(page.cursor)}` }, "Next page") : null,
  );
}

async function kvPage() {
  const { namespaces } = await api("GET", "/v1/kv/namespaces");
  show(
    "KV namespaces",
    namespaces.length === 0
      ? el("p", {}, "No KV namespaces.")
      : table(
          ["namespace", "tenant", "created"],
          namespaces.map((/** @type {any} */ ns) => [el("a", { href: `#/kv/${encode(ns.tenant)}/${encode(ns.name)}` }, ns.name), ns.tenant, ns.created_at]),
        ),
  );
}

/** @param {string} tenant @param {string} namespace @param {URLSearchParams} query */
async function kvKeysPage(tenant, namespace, query) {
  const base = `/v1/kv/namespaces/${encode(namespace)}`;
  const prefix = query.get("prefix") ?? "";
  const listing = await api(
    "GET",
    `${base}/keys?tenant=${encode(tenant)}&limit=100&prefix=${encode(prefix)}${query.get("cursor") ? `&cursor=${encode(query.get("cursor") ?? "")}` : ""}`,
  );
  const value = el("pre", { id: "kv-value" });
  const filter = el("input", { name: "prefix", value: prefix });
  const here = `#/kv/${encode(tenant)}/${encode(namespace)}`;
  show(
    `KV ${namespace}`,
    el(
      "form",
      {
        class: "filters",
        onsubmit: (event) => (event.preventDefault(), (location.hash = `${here}?prefix=${encode(/** @type {HTMLInputElement} */ (filter).value)}`)),
      },
      el("label", {}, "Prefix ", filter),
      el("button", { type: "submit" }, "List"),
    ),
    table(
      ["key", "expiration", "metadata", ""],
      listing.keys.map((/** @type {any} */ key) => [
        key.name,
        key.expiration ? new Date(key.expiration * 1000).toISOString() : "",
        key.metadata === undefined ? "" : JSON.stringify(key.metadata),
        el(
          "span",
          {},
          el(
            "button",
            {
              type: "button",
              onclick: async () => {
                const response = await request(`${base}/values/${encode(key.name)}?tenant=${encode(tenant)}`);
                value.textContent = response.ok ? await response.text() : `HTTP ${response.status}`;
              },
            },
            "View",
          ),
          changeButton("Delete", `Delete key ${key.name}?`, () => api("DELETE", `${base}/values/${encode(key.name)}?tenant=${encode(tenant)}`)),
        ),
      ]),
    ),
    listing.list_complete ? null : el("a", { href: `${here}?prefix=${encode(prefix)}&cursor=${encode(listing.cursor)}` }, "Next page"),
    el("h2", {}, "Value"),
    value,
  );
}

async function r2Page() {
  const { buckets } = await api("GET", "/v1/r2/buckets");
  show(
    "R2 buckets",
    buckets.length === 0
      ? el("p", {}, "No R2 buckets.")
      : table(
          ["bucket", "tenant", "created"],
          buckets.map((/** @type {any} */ bucket) => [
            el("a", { href: `#/r2/${encode(bucket.tenant)}/${encode(bucket.name)}` }, bucket.name),
            bucket.tenant,
            bucket.created_at,
          ]),
        ),
  );
}

/**
 * A page of the bucket's keys (R2's list: prefix, delimiter, cursor), each with Delete, and an
 * object looked up by its key (HEAD: its size and metadata, not its bytes).
 * @param {string} tenant @param {string} bucket @param {URLSearchParams} query
 */
async function r2BucketPage(tenant, bucket, query) {
  const object = (/** @type {string} */ key) => `/v1/r2/buckets/${encode(bucket)}/objects/${encode(key)}?tenant=${encode(tenant)}`;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const listed = new URLSearchParams({ tenant, limit: "100", prefix, delimiter });
  if (query.get("cursor")) listed.set("cursor", query.get("cursor") ?? "");
  const listing = await api("GET", `/v1/r2/buckets/${encode(bucket)}/objects?${listed}`);
  const here = `#/r2/${encode(tenant)}/${encode(bucket)}`;
  const within = (/** @type {string} */ under, /** @type {string} */ cursor = "") =>
    `${here}?${new URLSearchParams({ prefix: under, delimiter, ...(cursor ? { cursor } : {}) })}`;
  const listFilters = /** @type {HTMLFormElement} */ (
    el(
      "form",
      {
        class: "filters",
        onsubmit: (event) => {
          event.preventDefault();
          const form = new FormData(listFilters);
          location.hash = `${here}?${new URLSearchParams({ prefix: String(form.get("prefix")), delimiter: String(form.get("delimiter")) })}`;
        },
      },
      el("label", {}, "Prefix ", el("input", { name: "prefix", value: prefix })),
      el("label", {}, "Delimiter ", el("input", { name: "delimiter", value: delimiter, size: "3" })),
      el("button", { type: "submit" }, "List"),
    )
  );
  const key = /** @type {HTMLInputElement} */ (el("input", { name: "key", size: "40" }));
  const found = el("div", { id: "r2-object" });
  const lookUp = async (/** @type {Event} */ event) => {
    event.preventDefault();
    const name = key.value;
    const response = await request(object(name), { method: "HEAD" });
    if (!response.ok) {
      found.replaceChildren(el("p", {}, response.status === 404 ? `No object ${name}.` : `HTTP ${response.status}`));
      return;
    }
    const header = (/** @type {string} */ field) => response.headers.get(field) ?? "";
    found.replaceChildren(
      table(["key", "bytes", "etag", "content-type"], [[name, header("content-length"), header("etag"), header("content-type")]]),
      changeButton("Delete", `Delete object ${name}?`, () => api("DELETE", object(name))),
    );
  };
  const rows = [
    ...listing.delimitedPrefixes.map((/** @type {string} */ common) => [el("a", { href: within(common) }, common), "", "", "", "", ""]),
    ...listing.objects.map((/** @type {any} */ item) => [
      item.key,
      item.size,
      new Date(item.uploaded).toISOString(),
      item.etag,
      item.httpMetadata.contentType ?? "",
      changeButton("Delete", `Delete object ${item.key}?`, () => api("DELETE", object(item.key))),
    ]),
  ];
  show(
    `R2 ${bucket}`,
    listFilters,
    rows.length === 0 ? el("p", {}, "No objects.") : el("div", { id: "r2-keys" }, table(["key", "bytes", "uploaded", "etag", "content-type", ""], rows)),
    listing.truncated ? el("a", { href: within(prefix, listing.cursor) }, "Next page") : null,
    el("h2", {}, "Look up a key"),
    el("form", { class: "filters", onsubmit: lookUp }, el("label", {}, "Key ", key), el("button", { type: "submit" }, "Look up")),
    found,
  );
}

/** Ends the page's live tail (its stream) when another page is shown. */
let leavePage = new AbortController();

const LOG_FILTERS = ["level", "status", "outcome", "method", "search"];

/** @param {string} name @param {URLSearchParams} query */
async function logsPage(name, query) {
  const path = `/v1/workers/${encode(name)}`;
  const filters = new URLSearchParams();
  for (const key of LOG_FILTERS) if (query.get(key)) filters.set(key, query.get(key) ?? "");
  const page = await api("GET", `${path}/logs?${filters}&limit=100${query.get("cursor") ? `&cursor=${encode(query.get("cursor") ?? "")}` : ""}`);
  const rows = el("tbody", {}, ...page.events.map(logRow));
  const input = (/** @type {string} */ key) => el("input", { name: key, value: query.get(key) ?? "", size: "10" });
  const tailing = query.get("tail") === "on";
  const here = `#/logs/${encode(name)}`;
  show(
    `Logs of ${name}`,
    el(
      "form",
      {
        class: "filters",
        onsubmit: (event) => {
          event.preventDefault();
          const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
          location.hash = `${here}?${new URLSearchParams([...form].filter(([, value]) => value !== "").map(([key, value]) => [key, String(value)]))}`;
        },
      },
      ...LOG_FILTERS.map((key) => el("label", {}, `${key} `, input(key))),
      el("label", {}, el("input", { type: "checkbox", name: "tail", id: "tail", ...(tailing ? { checked: "" } : {}) }), " live tail"),
      el("button", { type: "submit" }, "Show"),
    ),
    page.dropped > 0 ? el("p", { class: "error" }, `${page.dropped} invocation(s) were not stored: the log store was slow or down.`) : null,
    el("p", { id: "tail-state" }, tailing ? "Live tail: connecting…" : ""),
    el(
      "table",
      { id: "logs" },
      el("thead", {}, el("tr", {}, ...["time", "version", "outcome", "request", "status", "ms", "lines"].map((heading) => el("th", {}, heading)))),
      rows,
    ),
    page.cursor ? el("a", { href: `${here}?${filters}&cursor=${encode(page.cursor)}` }, "Older") : null,
  );
  if (tailing) tail(`${path}/tail?${filters}`, rows);
}

/** Reads the NDJSON tail until the page changes, putting each invocation at the top of `rows`. */
async function tail(/** @type {string} */ url, /** @type {HTMLElement} */ rows) {
  const state = /** @type {HTMLElement} */ (document.getElementById("tail-state"));
  const { signal } = leavePage;
  try {
    const response = await request(url, { signal });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    state.textContent = "Live tail: new invocations appear at the top.";
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line !== "") rows.prepend(logRow(JSON.parse(line)));
    }
    state.textContent = "The live tail ended; reload the page to resume.";
  } catch (error) {
    if (!signal.aborted) state.textContent = `The live tail stopped: ${/** @type {Error} */ (error).message}`;
  }
}

/** @param {any} event a stored invocation */
function logRow(event) {
  const lines = [
    ...event.logs.map((/** @type {any} */ line) => `${line.level}: ${line.message}`),
    ...event.exceptions.map((/** @type {any} */ exception) => `${exception.name}: ${exception.message}`),
  ];
  const request =
    event.trigger === "fetch"
      ? `${event.method} ${event.path}`
      : event.trigger === "queue"
        ? `queue ${event.queue}`
        : event.cron
          ? `cron ${event.cron}`
          : event.trigger;
  return el(
    "tr",
    {},
    el("td", {}, event.at),
    el("td", {}, String(event.version).slice(0, 12)),
    el("td", {}, event.outcome),
    el("td", {}, request),
    el("td", {}, event.status ?? ""),
    el("td", {}, event.durationMs ?? ""),
    el("td", {}, el("pre", {}, lines.join("\n"))),
  );
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * Requests, errors and latency per minute over the last hour, from the worker's stored
 * invocations (so after head sampling, and at most the newest 500).
 * @param {string} name
 */
async function charts(name) {
  const hourAgo = Date.now() - 60 * 60 * 1000;
  let events;
  try {
    ({ events } = await api("GET", `/v1/workers/${encode(name)}/logs?since=${hourAgo}&limit=500`));
  } catch (error) {
    return el("p", { class: "unavailable" }, "Charts come from stored logs: ", /** @type {Error} */ (error).message);
  }
  const minutes = Array.from({ length: 60 }, () => ({ requests: 0, errors: 0, latencies: /** @type {number[]} */ ([]) }));
  for (const event of events) {
    const minute = minutes[Math.min(59, Math.floor((Date.parse(event.at) - hourAgo) / 60_000))];
    if (!minute) continue;
    minute.requests++;
    if (event.outcome !== "ok" || event.status >= 500) minute.errors++;
    if (event.durationMs !== null) minute.latencies.push(event.durationMs);
  }
  const median = (/** @type {number[]} */ values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return el(
    "div",
    { class: "charts" },
    chart(
      "requests / min",
      minutes.map((minute) => minute.requests),
    ),
    chart(
      "errors / min",
      minutes.map((minute) => minute.errors),
    ),
    chart(
      "median latency (ms)",
      minutes.map((minute) => median(minute.latencies)),
    ),
  );
}

/** A bar chart of 60 values, drawn as SVG elements (no markup parsed). */
function chart(/** @type {string} */ title, /** @type {number[]} */ values) {
  const top = Math.max(1, ...values);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 120 40");
  values.forEach((value, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const height = (value / top) * 38;
    for (const [attribute, number] of Object.entries({ x: i * 2, y: 40 - height, width: 1.6, height })) bar.setAttribute(attribute, String(number));
    svg.append(bar);
  });
  return el("figure", {}, svg, el("figcaption", {}, `${title}: max ${Math.max(0, ...values)}`));
}

/** The page the hash names; a change of hash shows another. */
async function route() {
  leavePage.abort();
  leavePage = new AbortController();
  const [path = "", search = ""] = location.hash.slice(1).split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").slice(1).map(decodeURIComponent);
  try {
    if (parts[0] === "workers" && parts[1]) await workerPage(parts[1]);
    else if (parts[0] === "incidents") await incidentsPage();
    else if (parts[0] === "queues" && parts[1] && parts[2]) await queueMessagesPage(parts[1], parts[2], query);
    else if (parts[0] === "queues") await queuesPage();
    else if (parts[0] === "kv" && parts[1] && parts[2]) await kvKeysPage(parts[1], parts[2], query);
    else if (parts[0] === "kv") await kvPage();
    else if (parts[0] === "r2" && parts[1] && parts[2]) await r2BucketPage(parts[1], parts[2], query);
    else if (parts[0] === "r2") await r2Page();
    else if (parts[0] === "logs" && parts[1]) await logsPage(parts[1], query);
    else await workersPage();
  } catch (error) {
    if (error instanceof Unavailable)
      show("Not available", el("p", { class: "unavailable" }, "This platform version does not have this API yet: ", error.message));
    else show("Error", el("p", { class: "error" }, /** @type {Error} */ (error).message));
  }
}

const login = /** @type {HTMLFormElement} */ (document.getElementById("login"));

function showLogin() {
  login.hidden = false;
  page.replaceChildren();
  for (const id of ["nav", "logout"]) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = true;
}

/** @param {{ tenant: string | null }} session */
function loggedIn(session) {
  login.hidden = true;
  for (const id of ["nav", "logout"]) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = false;
  /** @type {HTMLElement} */ (document.getElementById("who")).textContent = session.tenant === null ? "operator" : `tenant ${session.tenant}`;
  route();
}

login.addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = /** @type {HTMLInputElement} */ (document.getElementById("token"));
  const error = /** @type {HTMLElement} */ (document.getElementById("login-error"));
  const response = await fetch("/v1/session", { method: "POST", credentials: "same-origin", headers: { authorization: `Bearer ${token.value}` } });
  const body = await response.json();
  token.value = "";
  if (!response.ok) error.textContent = body.error.message;
  else {
    error.textContent = "";
    csrf = body.csrf;
    sessionStorage.setItem(SESSION_KEY, csrf);
    loggedIn(body);
  }
});

/** @type {HTMLElement} */ (document.getElementById("logout")).addEventListener("click", async () => {
  await api("DELETE", "/v1/session");
  csrf = "";
  sessionStorage.removeItem(SESSION_KEY);
  showLogin();
});

window.addEventListener("hashchange", route);

if (csrf === "") showLogin();
else request("/v1/session").then(async (response) => (response.ok ? loggedIn(await response.json()) : showLogin()));
