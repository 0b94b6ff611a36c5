// The dashboard page: plain DOM, no framework, no build step. Every text from the API (worker
// names, keys, log lines, queue names: tenant-controlled) reaches the page as a text node through
// el(); nothing is parsed as HTML. Changes send the session's CSRF token (runner/admin/session.ts).

/** The session's CSRF token, kept in memory only. */
let csrf = "";

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

/** @param {string} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers] */
async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { ...headers, ...(method === "GET" ? {} : { "x-csrf-token": csrf }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
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
  const [worker, { versions }] = await Promise.all([api("GET", path), api("GET", `${path}/versions`)]);
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
            incident.certain ? "yes" : "no (several workers were in flight)",
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
            queue.name,
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
                const response = await fetch(`${base}/values/${encode(key.name)}?tenant=${encode(tenant)}`, { credentials: "same-origin" });
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
          buckets.map((/** @type {any} */ bucket) => [bucket.name, bucket.tenant, bucket.created_at]),
        ),
  );
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let tailTimer;

/** @param {string} name @param {URLSearchParams} query */
async function logsPage(name, query) {
  const path = `/v1/workers/${encode(name)}/logs`;
  const filters = new URLSearchParams();
  for (const key of ["level", "status", "search"]) if (query.get(key)) filters.set(key, query.get(key) ?? "");
  filters.set("limit", "100");
  const { events } = await api("GET", `${path}?${filters}`);
  const rows = el("tbody", {});
  /** @param {any[]} batch newest first */
  const add = (batch) => rows.prepend(...batch.map(logRow));
  add(events);
  const input = (/** @type {string} */ key) => el("input", { name: key, value: query.get(key) ?? "" });
  const tail = el("input", { type: "checkbox", id: "tail", ...(query.get("tail") ? { checked: "" } : {}) });
  show(
    `Logs of ${name}`,
    el(
      "form",
      {
        class: "filters",
        onsubmit: (event) => {
          event.preventDefault();
          location.hash = `#/logs/${encode(name)}?${new URLSearchParams(/** @type {any} */ (new FormData(/** @type {HTMLFormElement} */ (event.target))))}`;
        },
      },
      el("label", {}, "Level ", input("level")),
      el("label", {}, "Status ", input("status")),
      el("label", {}, "Search ", input("search")),
      el("label", {}, tail, " live tail"),
      el("button", { type: "submit" }, "Show"),
    ),
    el("table", { id: "logs" }, el("thead", {}, el("tr", {}, ...["time", "outcome", "request", "status", "ms", "lines"].map((h) => el("th", {}, h)))), rows),
  );
  if (!query.get("tail")) return;
  let since = events[0]?.at ?? new Date().toISOString();
  const here = location.hash;
  const poll = async () => {
    if (location.hash !== here) return;
    const { events: newer } = await api("GET", `${path}?${filters}&since=${Date.parse(since) + 1}`);
    if (newer.length > 0) {
      since = newer[0].at;
      add(newer);
    }
    tailTimer = setTimeout(poll, 1000);
  };
  tailTimer = setTimeout(poll, 1000);
}

/** @param {any} event a stored invocation */
function logRow(event) {
  const lines = [
    ...event.logs.map((/** @type {any} */ line) => `${line.level}: ${line.message}`),
    ...event.exceptions.map((/** @type {any} */ exception) => `${exception.name}: ${exception.message}`),
  ];
  return el(
    "tr",
    {},
    el("td", {}, event.at),
    el("td", {}, event.outcome),
    el("td", {}, event.method ? `${event.method} ${event.path}` : event.trigger),
    el("td", {}, event.status ?? ""),
    el("td", {}, event.duration_ms ?? ""),
    el("td", {}, el("pre", {}, lines.join("\n"))),
  );
}

/** The page the hash names; a change of hash shows another. */
async function route() {
  clearTimeout(tailTimer);
  const [path = "", search = ""] = location.hash.slice(1).split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").slice(1).map(decodeURIComponent);
  try {
    if (parts[0] === "workers" && parts[1]) await workerPage(parts[1]);
    else if (parts[0] === "incidents") await incidentsPage();
    else if (parts[0] === "queues") await queuesPage();
    else if (parts[0] === "kv" && parts[1] && parts[2]) await kvKeysPage(parts[1], parts[2], query);
    else if (parts[0] === "kv") await kvPage();
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

/** @param {{ tenant: string | null, csrf: string }} session */
function loggedIn(session) {
  csrf = session.csrf;
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
    loggedIn(body);
  }
});

/** @type {HTMLElement} */ (document.getElementById("logout")).addEventListener("click", async () => {
  await api("DELETE", "/v1/session");
  csrf = "";
  showLogin();
});

window.addEventListener("hashchange", route);

fetch("/v1/session", { credentials: "same-origin" }).then(async (response) => (response.ok ? loggedIn(await response.json()) : showLogin()));
