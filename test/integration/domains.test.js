// Custom domains: operators assign hosts to tenants, routes serve only on hosts their tenant owns,
// and an upgrade registers the hosts existing routes use. (Attacks: test/hostile/hosts.test.js.)
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startPlatform, taggedWorker } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {string} */
let shopToken;

/** @param {string} method @param {string} path @param {unknown} [body] */
const asShop = (method, path, body) => platform.admin(method, path, body, shopToken);
/** @param {string} host @param {string} [path] */
const answerAt = async (host, path = "/") => {
  const response = await httpRequest(platform.port, host, path);
  return response.status === 404 ? 404 : response.text;
};

beforeAll(async () => {
  platform = await startPlatform();
  shopToken = (await platform.admin("POST", "/v1/tokens", { name: "shop", tenant: "shop" })).body.token;
});
afterAll(() => platform?.stop());

describe("domains API", () => {
  it("domains: an operator assigns a domain to a tenant (201, then 200), and the tenant's route serves there", async () => {
    const assigned = await platform.admin("PUT", "/v1/domains/Shop.Example.COM.", { tenant: "shop" });
    expect(assigned).toEqual({ status: 201, body: { domain: "shop.example.com", tenant: "shop", created_at: expect.any(String) } });
    expect(await platform.admin("PUT", "/v1/domains/shop.example.com", { tenant: "shop" })).toEqual({ status: 200, body: assigned.body });
    const deployed = await asShop("PUT", "/v1/workers/storefront", { ...(await taggedWorker("storefront")), routes: ["HTTPS://Shop.Example.com/*"] });
    expect(deployed.status).toBe(201);
    expect((await asShop("GET", "/v1/routes")).body.routes).toEqual([{ pattern: "shop.example.com/*", worker: "storefront" }]);
    expect(await answerAt("shop.example.com", "/anything")).toBe("storefront");
  });

  it("domains: the same tenant's second worker on the same normalised pattern is refused, naming its own worker", async () => {
    const response = await asShop("PUT", "/v1/workers/storefront-2", { ...(await taggedWorker("two")), routes: ["SHOP.EXAMPLE.COM/*"] });
    expect(response).toEqual({
      status: 409,
      body: { error: { code: "ERR_CONFLICT", message: "Route shop.example.com/* is already used by worker storefront." } },
    });
    expect(await answerAt("shop.example.com")).toBe("storefront");
  });

  it("domains: a tenant token cannot claim domains while claims are closed (the default)", async () => {
    expect(await asShop("PUT", "/v1/domains/other.example.com")).toEqual({
      status: 403,
      body: {
        error: {
          code: "ERR_FORBIDDEN",
          message: "Domains are assigned by the operator of this platform (outpost domains add other.example.com --tenant shop); ask them.",
        },
      },
    });
    expect((await platform.admin("GET", "/v1/domains")).body.domains.map((/** @type {any} */ d) => d.domain)).not.toContain("other.example.com");
  });

  it("domains: the operator lists every domain, a tenant its own", async () => {
    expect((await platform.admin("PUT", "/v1/domains/ops.example.org")).status).toBe(201);
    expect((await platform.admin("GET", "/v1/domains")).body.domains).toEqual(
      expect.arrayContaining([
        { domain: "ops.example.org", tenant: "default", created_at: expect.any(String) },
        { domain: "shop.example.com", tenant: "shop", created_at: expect.any(String) },
      ]),
    );
    expect((await asShop("GET", "/v1/domains")).body.domains.map((/** @type {any} */ d) => d.domain)).toEqual(["shop.example.com"]);
  });

  it("domains: a wildcard owns subdomains at any depth, not the apex; *d routes need both d and *.d", async () => {
    expect((await platform.admin("PUT", "/v1/domains/*.brand.test", { tenant: "shop" })).status).toBe(201);
    const code = await taggedWorker("brand");
    expect((await asShop("PUT", "/v1/workers/brand", { ...code, routes: ["*.brand.test/*", "a.b.brand.test/x"] })).status).toBe(201);
    expect(await answerAt("eu.brand.test")).toBe("brand");
    expect(await answerAt("a.b.brand.test", "/x")).toBe("brand");
    expect((await asShop("PUT", "/v1/workers/brand", { ...code, routes: ["*brand.test/*"] })).body.error.message).toBe(
      "Route *brand.test/*: your tenant does not own host brand.test; an operator assigns domains with `outpost domains add`.",
    );
    expect((await platform.admin("PUT", "/v1/domains/brand.test", { tenant: "shop" })).status).toBe(201);
    expect((await asShop("PUT", "/v1/workers/brand", { ...code, routes: ["*brand.test/*"] })).status).toBe(200);
    expect(await answerAt("brand.test")).toBe("brand");
    expect(await answerAt("x.y.brand.test")).toBe("brand");
  });

  it("domains: removal is refused while one of the owner's routes needs it, naming its own worker; allowed once none does", async () => {
    expect(await asShop("DELETE", "/v1/domains/brand.test")).toEqual({
      status: 409,
      body: {
        error: {
          code: "ERR_CONFLICT",
          message: "brand.test is still used by route *brand.test/* of worker brand; deploy that worker without the route first.",
        },
      },
    });
    expect((await asShop("PUT", "/v1/workers/brand", { ...(await taggedWorker("brand")), routes: ["*.brand.test/*"] })).status).toBe(200);
    expect((await asShop("DELETE", "/v1/domains/brand.test")).status).toBe(204);
    expect(await answerAt("brand.test")).toBe(404);
    expect(await answerAt("eu.brand.test")).toBe("brand");
    expect((await platform.admin("DELETE", "/v1/domains/ops.example.org")).status).toBe(204);
    expect((await platform.admin("GET", "/v1/domains")).body.domains.map((/** @type {any} */ d) => d.domain)).not.toContain("ops.example.org");
  });

  it("domains: bad input is refused and nothing is stored", async () => {
    for (const [domain, message] of /** @type {[string, string][]} */ ([
      ["exa_mple.com", "exa_mple.com is not a domain: use a host name such as shop.example.com, or *.example.com for all its subdomains."],
      ["*example.com", "*example.com is not a domain: use a host name such as shop.example.com, or *.example.com for all its subdomains."],
    ])) {
      expect(await platform.admin("PUT", `/v1/domains/${encodeURIComponent(domain)}`)).toEqual({
        status: 400,
        body: { error: { code: "ERR_BAD_REQUEST", message } },
      });
    }
    expect((await platform.admin("PUT", "/v1/domains/ok.example.com", { tenant: "Not Valid" })).status).toBe(400);
    expect((await platform.admin("PUT", "/v1/domains/ok.example.com", { owner: "shop" })).status).toBe(400);
    const listed = (await platform.admin("GET", "/v1/domains")).body.domains.map((/** @type {any} */ d) => d.domain);
    expect(listed).not.toContain("ok.example.com");
    expect(listed).not.toContain("exa_mple.com");
  });
});

describe("upgrade", () => {
  it("upgrade: the hosts existing routes use are registered to their tenants, first come first served", async () => {
    expect((await platform.admin("PUT", "/v1/workers/early", { ...(await taggedWorker("early")), tenant: "first" })).status).toBe(201);
    expect((await platform.admin("PUT", "/v1/workers/late", { ...(await taggedWorker("late")), tenant: "second" })).status).toBe(201);
    const sql = postgres(await platform.databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      // The state before migration 0009: routes, no owners. `late` copies `early`'s host in another case.
      await sql.unsafe("DROP TABLE domains; DROP TABLE name_holds; DELETE FROM schema_migrations WHERE name = '0009_domains.sql'");
      await sql`INSERT INTO routes (pattern, worker, created_at) VALUES
        ('old.example/*', 'early', now() - interval '2 days'), ('*wild.example/*', 'early', now() - interval '2 days'),
        ('OLD.EXAMPLE/admin', 'late', now() - interval '1 day'), ('x.wild.example/*', 'late', now() - interval '1 day'),
        ('https://Late.Example/*', 'late', now() - interval '1 day')`;
    } finally {
      await sql.end();
    }
    const { dataDir } = platform;
    await platform.stop({ keepData: true });
    platform = await startPlatform({ dataDir });
    const domains = (await platform.admin("GET", "/v1/domains")).body.domains.filter((/** @type {any} */ d) => d.tenant === "first" || d.tenant === "second");
    expect(domains.map((/** @type {any} */ d) => [d.domain, d.tenant])).toEqual([
      ["*.wild.example", "first"],
      ["late.example", "second"],
      ["old.example", "first"],
      ["wild.example", "first"],
    ]);
    expect(await answerAt("old.example", "/admin")).toBe("early");
    expect(await answerAt("x.wild.example")).toBe("early");
    expect(await answerAt("late.example")).toBe("late");
    expect(await answerAt("shop.example.com")).toBe("storefront");
  });
});
