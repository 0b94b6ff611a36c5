// Attacks on hosts: a tenant trying to answer at another tenant's hosts through routes, domain
// registrations or worker names. Claims are open here (tenants register their own domains), the
// setting where a tenant can try the most.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, taggedWorker } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let victimToken;
/** @type {string} */
let attackerToken;
/** Every refusal the attacker saw: none may name the victim's tenant or workers. */
const refusals = /** @type {unknown[]} */ ([]);

const VICTIM = "tenant-victim";
const ATTACKER = "tenant-attacker";

/** @param {string} method @param {string} path @param {unknown} [body] */
const asVictim = (method, path, body) => platform.admin(method, path, body, victimToken);
/** @param {string} method @param {string} path @param {unknown} [body] */
async function asAttacker(method, path, body) {
  const response = await platform.admin(method, path, body, attackerToken);
  if (response.status >= 400) refusals.push(response.body);
  return response;
}

/** @param {string} worker @param {string[]} routes @param {string} [tag] */
const attackerDeploys = async (worker, routes, tag = "attacker") => asAttacker("PUT", `/v1/workers/${worker}`, { ...(await taggedWorker(tag)), routes });
/** @param {string} host @param {string} [path] */
const answerAt = async (host, path = "/") => {
  const response = await httpRequest(platform.port, host, path);
  return response.status === 404 ? 404 : response.text;
};

/** @param {number} status @param {string} code @param {string} message */
const error = (status, code, message) => ({ status, body: { error: { code, message } } });

beforeAll(async () => {
  platform = await startPlatform({ env: { OUTPOST_DOMAIN_CLAIMS: "open", OUTPOST_RESERVED_NAMES: "status, Console" } });
  victimToken = (await platform.admin("POST", "/v1/tokens", { name: "victim", tenant: VICTIM })).body.token;
  attackerToken = (await platform.admin("POST", "/v1/tokens", { name: "attacker", tenant: ATTACKER })).body.token;
  expect((await asVictim("PUT", "/v1/domains/alpha.example.com")).status).toBe(201);
  expect((await asVictim("PUT", "/v1/domains/*.alphacorp.test")).status).toBe(201);
  expect((await asVictim("PUT", "/v1/workers/alpha", await taggedWorker("victim home"))).status).toBe(201);
  const site = await asVictim("PUT", "/v1/workers/victim-shop", {
    ...(await taggedWorker("victim shop")),
    routes: ["alpha.example.com/*", "*.alphacorp.test/*"],
  });
  expect(site.status, JSON.stringify(site.body)).toBe(201);
});
afterAll(() => platform?.stop());

describe("routes on hosts under the base domain", () => {
  for (const pattern of ["*.localhost/*", "*localhost/*", "alpha.localhost/*", "ALPHA.LOCALHOST./*", "localhost/*"]) {
    it(`base domain: ${pattern} is refused and every NAME.localhost still answers as its worker`, async () => {
      expect(await attackerDeploys("grab-all", [pattern])).toEqual(
        error(
          400,
          "ERR_BAD_REQUEST",
          `Route ${pattern}: hosts under the base domain localhost are reached only as NAME.localhost, by worker NAME; no route may name or match them.`,
        ),
      );
      expect((await asAttacker("GET", "/v1/workers/grab-all")).status).toBe(404);
      expect(await answerAt("alpha.localhost")).toBe("victim home");
      expect(await answerAt("victim-shop.localhost")).toBe("victim shop");
    });
  }

  it("base domain: routes stored before hosts had owners are never consulted for NAME.localhost", async () => {
    expect((await attackerDeploys("legacy", [])).status).toBe(201);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      // As an upgrade would leave them: the attacker's old routes, their hosts registered by the migration.
      await sql`INSERT INTO routes (pattern, worker) VALUES ('*.localhost/*', 'legacy'), ('*localhost/*', 'legacy'), ('alpha.localhost/*', 'legacy')`;
      await sql`INSERT INTO domains (domain, tenant) VALUES ('*.localhost', ${ATTACKER}), ('localhost', ${ATTACKER}), ('alpha.localhost', ${ATTACKER})`;
      await sql`SELECT pg_notify('outpost_routes', 'legacy')`;
      expect(await answerAt("alpha.localhost")).toBe("victim home");
      expect(await answerAt("ALPHA.localhost.")).toBe("victim home");
      expect(await answerAt("nobody.localhost")).toBe(404);
      expect(await answerAt("localhost")).toBe(404);
    } finally {
      await sql`DELETE FROM routes WHERE worker = 'legacy'`;
      await sql`DELETE FROM domains WHERE tenant = ${ATTACKER} AND domain LIKE '%localhost'`;
      await sql.end();
    }
  });
});

describe("routes on another tenant's hosts", () => {
  const notOwned = (/** @type {string} */ pattern, /** @type {string} */ need) =>
    error(403, "ERR_FORBIDDEN", `Route ${pattern}: your tenant does not own ${need}; register it with \`outpost domains add ${need.replace(/^host /, "")}\`.`);

  for (const [pattern, normalised] of /** @type {[string, string][]} */ ([
    ["alpha.example.com/*", "alpha.example.com/*"],
    ["ALPHA.EXAMPLE.COM/*", "alpha.example.com/*"],
    ["HTTP://Alpha.Example.com./*", "alpha.example.com/*"],
    ["alpha.example.com:8787/*", "alpha.example.com/*"],
  ])) {
    it(`foreign host: ${pattern} (the victim's own pattern, spelt differently) is refused; the victim still answers`, async () => {
      expect(await attackerDeploys("shadow", [pattern])).toEqual(notOwned(normalised, "host alpha.example.com"));
      expect(await answerAt("alpha.example.com")).toBe("victim shop");
      expect(await answerAt("Alpha.Example.COM.")).toBe("victim shop");
    });
  }

  it("foreign host: a longer path under the victim's route is refused", async () => {
    expect(await attackerDeploys("shadow", ["alpha.example.com/admin"])).toEqual(notOwned("alpha.example.com/admin", "host alpha.example.com"));
    expect(await answerAt("alpha.example.com", "/admin")).toBe("victim shop");
  });

  it("foreign host: hosts under the victim's wildcard, at any depth, and the wildcard itself are refused", async () => {
    expect(await attackerDeploys("shadow", ["deep.www.alphacorp.test/*"])).toEqual(notOwned("deep.www.alphacorp.test/*", "host deep.www.alphacorp.test"));
    expect(await attackerDeploys("shadow", ["*.alphacorp.test/*"])).toEqual(notOwned("*.alphacorp.test/*", "*.alphacorp.test"));
    expect(await attackerDeploys("shadow", ["*alphacorp.test/*"])).toEqual(notOwned("*alphacorp.test/*", "host alphacorp.test"));
    expect(await answerAt("deep.www.alphacorp.test")).toBe("victim shop");
  });

  it("foreign host: a route on a domain nobody registered is refused", async () => {
    expect(await attackerDeploys("shadow", ["unclaimed.test/*"])).toEqual(notOwned("unclaimed.test/*", "host unclaimed.test"));
    expect(await answerAt("unclaimed.test")).toBe(404);
  });

  it("foreign host: routes stored before hosts had owners do not serve on hosts their tenant does not own", async () => {
    expect((await attackerDeploys("legacy2", [])).status).toBe(201);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      await sql`INSERT INTO routes (pattern, worker) VALUES ('alpha.example.com/admin', 'legacy2'), ('ALPHA.EXAMPLE.COM/*', 'legacy2'), ('*.alphacorp.test/x', 'legacy2')`;
      await sql`SELECT pg_notify('outpost_routes', 'legacy2')`;
      expect(await answerAt("alpha.example.com", "/admin")).toBe("victim shop");
      expect(await answerAt("alpha.example.com", "/")).toBe("victim shop");
      expect(await answerAt("www.alphacorp.test", "/x")).toBe("victim shop");
    } finally {
      await sql`DELETE FROM routes WHERE worker = 'legacy2'`;
      await sql.end();
    }
  });
});

describe("domain registrations", () => {
  it("domains: the victim's domain, in any spelling, cannot be claimed", async () => {
    for (const spelling of ["alpha.example.com", "ALPHA.Example.com."]) {
      expect(await asAttacker("PUT", `/v1/domains/${spelling}`)).toEqual(error(409, "ERR_CONFLICT", "alpha.example.com is registered to another tenant."));
    }
  });

  it("domains: a name under the victim's wildcard cannot be claimed, by the attacker or assigned to it by an operator", async () => {
    const refused = error(409, "ERR_CONFLICT", "deep.www.alphacorp.test is under a wildcard domain another tenant owns.");
    expect(await asAttacker("PUT", "/v1/domains/deep.www.alphacorp.test")).toEqual(refused);
    expect(await platform.admin("PUT", "/v1/domains/deep.www.alphacorp.test", { tenant: ATTACKER })).toEqual(refused);
    expect(await asAttacker("PUT", "/v1/domains/*.www.alphacorp.test")).toEqual(
      error(409, "ERR_CONFLICT", "*.www.alphacorp.test is under a wildcard domain another tenant owns."),
    );
    expect(await answerAt("deep.www.alphacorp.test")).toBe("victim shop");
  });

  it("domains: a wildcard over the victim's domain cannot be claimed", async () => {
    expect(await asAttacker("PUT", "/v1/domains/*.example.com")).toEqual(
      error(409, "ERR_CONFLICT", "Another tenant owns a domain under *.example.com; a wildcard cannot include it."),
    );
    expect(await platform.admin("PUT", "/v1/domains/*.example.com", { tenant: ATTACKER })).toEqual(
      error(409, "ERR_CONFLICT", "Another tenant owns a domain under *.example.com; a wildcard cannot include it."),
    );
    expect(await answerAt("alpha.example.com")).toBe("victim shop");
  });

  it("domains: over-broad wildcards cannot be claimed by a tenant", async () => {
    expect(await asAttacker("PUT", "/v1/domains/*.test")).toEqual(
      error(403, "ERR_FORBIDDEN", "*.test is too broad to claim; name a domain such as *.example.com, or ask the operator to assign it."),
    );
  });

  it("domains: nobody can register the base domain or anything under it, operators included", async () => {
    for (const domain of ["localhost", "alpha.localhost", "*.localhost", "*.a.localhost"]) {
      const message = `${domain} includes the base domain localhost: hosts there are only NAME.localhost, answered by worker NAME, and cannot be registered.`;
      expect(await asAttacker("PUT", `/v1/domains/${domain}`)).toEqual(error(400, "ERR_BAD_REQUEST", message));
      expect(await platform.admin("PUT", `/v1/domains/${domain}`, { tenant: ATTACKER })).toEqual(error(400, "ERR_BAD_REQUEST", message));
    }
  });

  it("domains: the victim's domains can be neither listed nor removed by the attacker", async () => {
    expect(await asAttacker("DELETE", "/v1/domains/alpha.example.com")).toEqual(error(404, "ERR_NOT_FOUND", "No domain named alpha.example.com."));
    expect((await asAttacker("GET", "/v1/domains")).body.domains.map((/** @type {any} */ d) => d.domain)).not.toContain("alpha.example.com");
    // (not collected in `refusals`: it names the tenant the attacker itself chose)
    expect(await platform.admin("PUT", "/v1/domains/alpha.example.com", { tenant: VICTIM }, attackerToken)).toEqual(
      error(403, "ERR_FORBIDDEN", `This token belongs to tenant ${ATTACKER}; it cannot act for tenant ${VICTIM}.`),
    );
    expect(await answerAt("alpha.example.com")).toBe("victim shop");
  });

  it("domains: a domain reassigned by the operator stops serving the old tenant's routes at once", async () => {
    expect((await asAttacker("PUT", "/v1/domains/moving.test")).status).toBe(201);
    expect((await attackerDeploys("mover", ["moving.test/*"], "old owner")).status).toBe(201);
    expect(await answerAt("moving.test")).toBe("old owner");
    expect((await platform.admin("PUT", "/v1/domains/moving.test", { tenant: VICTIM })).status).toBe(201);
    expect(await answerAt("moving.test")).toBe(404);
    // The new owner deploys the same pattern; the old tenant's dead route gives way.
    expect((await asVictim("PUT", "/v1/workers/victim-moved", { ...(await taggedWorker("new owner")), routes: ["moving.test/*"] })).status).toBe(201);
    expect(await answerAt("moving.test")).toBe("new owner");
    expect(await attackerDeploys("mover", ["moving.test/*"], "old owner")).toEqual(
      error(403, "ERR_FORBIDDEN", "Route moving.test/*: your tenant does not own host moving.test; register it with `outpost domains add moving.test`."),
    );
  });
});

describe("worker names", () => {
  it("names: a deleted worker's name stays with its tenant for the grace period", async () => {
    expect((await asVictim("PUT", "/v1/workers/victim-old", await taggedWorker("victim old"))).status).toBe(201);
    expect((await asVictim("DELETE", "/v1/workers/victim-old")).status).toBe(204);
    expect(await attackerDeploys("victim-old", [])).toEqual(
      error(409, "ERR_CONFLICT", "The worker name victim-old was deleted recently and stays with its previous owner for 7 days; choose another name."),
    );
    expect(await answerAt("victim-old.localhost")).toBe(404);
    expect((await asVictim("PUT", "/v1/workers/victim-old", await taggedWorker("victim again"))).status).toBe(201);
    expect(await answerAt("victim-old.localhost")).toBe("victim again");
  });

  it("names: labels the platform answers on and the operator's reserved names cannot be deployed; ordinary names can", async () => {
    expect(await attackerDeploys("storage", [])).toEqual(
      error(400, "ERR_BAD_REQUEST", "The worker name storage is reserved: storage.<base domain> serves presigned URLs."),
    );
    for (const name of ["status", "console"]) {
      expect(await attackerDeploys(name, [])).toEqual(
        error(400, "ERR_BAD_REQUEST", `The worker name ${name} is reserved by the operator of this platform; choose another name.`),
      );
      expect(await platform.admin("PUT", `/v1/workers/${name}`, await taggedWorker("operator"))).toMatchObject({ status: 400 });
    }
    expect((await attackerDeploys("api", [], "ordinary")).status).toBe(201);
    expect(await answerAt("api.localhost")).toBe("ordinary");
  });
});

describe("unknown hosts", () => {
  /** Postgres publishes a backend's table counters when it goes idle, 10 s later at the latest (PGSTAT_IDLE_INTERVAL). */
  const COUNTERS_PUBLISHED_MS = 12_000;
  const random = () => `r${randomBytes(6).toString("hex")}`;

  it("unknown hosts: random names under the base domain and random custom hosts answer 404 without a database query", async () => {
    const hosts = [
      ...Array.from({ length: 2000 }, () => `${random()}.localhost`),
      ...Array.from({ length: 400 }, () => `${random()}.${random()}.test`),
      ...Array.from({ length: 300 }, () => `${random()}.alpha.example.com`), // the victim owns alpha.example.com only, not its subdomains
      ...Array.from({ length: 300 }, () => `${random().toUpperCase()}.LOCALHOST.`),
    ];
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    // Every lookup of a worker by name scans the workers table once (by index or in full).
    const workerScans = async () => {
      const [row] = await sql`SELECT seq_scan + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables WHERE relname = 'workers'`;
      return Number(row?.scans);
    };
    try {
      const before = await workerScans();
      const started = Date.now();
      const answers = new Map();
      const pending = [...hosts];
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          for (let host = pending.pop(); host !== undefined; host = pending.pop()) {
            const { status, text } = await httpRequest(platform.port, host, "/");
            answers.set(host, `${status} ${text}`);
          }
        }),
      );
      for (const host of hosts) expect(answers.get(host)).toBe(`404 No worker is deployed at ${host}. Workers answer at NAME.localhost.\n`);
      // The routing table's own refreshes (at most a scan a second per process and table while
      // requests come) are all that may show: on a loaded machine the flood takes longer, and so
      // they grow with its duration, never with the number of hosts (a query per host is 3,000).
      const allowed = hosts.length / 10 + 10 * ((Date.now() - started) / 1000);
      const deadline = Date.now() + COUNTERS_PUBLISHED_MS;
      let scans = (await workerScans()) - before;
      while (scans < allowed && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        scans = (await workerScans()) - before;
      }
      expect(scans).toBeLessThan(allowed);
    } finally {
      await sql.end();
    }
  });

  it("unknown hosts: a worker deployed after the flood answers on the next request, and 404 again once deleted", async () => {
    expect(await answerAt("fresh-after-flood.localhost")).toBe(404);
    expect((await asVictim("PUT", "/v1/workers/fresh-after-flood", await taggedWorker("fresh"))).status).toBe(201);
    expect(await answerAt("fresh-after-flood.localhost")).toBe("fresh");
    expect((await asVictim("DELETE", "/v1/workers/fresh-after-flood")).status).toBe(204);
    expect(await answerAt("fresh-after-flood.localhost")).toBe(404);
  });
});

it("refusals never name the other tenant or its workers", () => {
  expect(refusals.length).toBeGreaterThan(20);
  const text = JSON.stringify(refusals);
  for (const secret of [VICTIM, "victim-shop", "victim-moved"]) expect(text).not.toContain(secret);
});
