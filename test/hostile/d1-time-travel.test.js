// Attacks on D1 Time Travel's admin routes: a tenant token cannot read the bookmark of, or
// restore, another tenant's database (answered exactly as a missing one), and a bookmark or
// timestamp crafted to be SQL, huge, or in the future is a 400 before anything runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** @type {{ token: string }} */
let acme;
/** @type {{ token: string }} */
let evil;

const BOOKMARK = "0000000000000001-00000000000000ff";

/**
 * An admin call with any body; the answer as status and text.
 * @param {string} method @param {string} path @param {string} token @param {string} [body]
 */
async function call(method, path, token, body) {
  const response = await fetch(platform.adminUrl + path, { method, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) });
  return { status: response.status, text: await response.text() };
}

/** acme's rows, as acme reads them. */
async function acmeRows() {
  const answer = await call("POST", "/v1/d1/databases/ledger/query", acme.token, JSON.stringify({ sql: "SELECT v FROM entries ORDER BY v" }));
  return JSON.parse(answer.text).results[0].results;
}

/** The error an answer carries. @param {{ status: number, text: string }} answer */
const errorOf = ({ status, text }) => ({ status, ...JSON.parse(text).error });

beforeAll(async () => {
  platform = await startPlatform();
  acme = (await platform.admin("POST", "/v1/tokens", { name: "acme-ci", tenant: "acme" })).body;
  evil = (await platform.admin("POST", "/v1/tokens", { name: "evil-ci", tenant: "evil" })).body;
  expect((await call("POST", "/v1/d1/databases", acme.token, JSON.stringify({ name: "ledger" }))).status).toBe(201);
  const seed = await call(
    "POST",
    "/v1/d1/databases/ledger/query",
    acme.token,
    JSON.stringify({ sql: "CREATE TABLE entries (v TEXT); INSERT INTO entries VALUES ('kept')" }),
  );
  expect(seed.status).toBe(200);
});
afterAll(() => platform?.stop());

/** Every time-travel call, as method and the path after `/v1/d1/databases/NAME/time-travel/`. */
const CALLS = [
  { method: "GET", route: "bookmark" },
  { method: "GET", route: "bookmark?timestamp=1700000000" },
  { method: "POST", route: `restore?bookmark=${BOOKMARK}` },
  { method: "POST", route: "restore?timestamp=2025-11-30T08:46:42Z" },
];
const pathOf = (/** @type {string} */ name, /** @type {string} */ route) => `/v1/d1/databases/${name}/time-travel/${route}`;

describe("another tenant's database", () => {
  it("no oracle: its bookmark and its restore are answered exactly as a database that exists nowhere", async () => {
    for (const { method, route } of CALLS) {
      const attempt = await call(method, pathOf("ledger", route), evil.token);
      const control = await call(method, pathOf("nowhere", route), evil.token);
      expect(errorOf(attempt), route).toMatchObject({ status: 404, message: expect.stringMatching(/^No D1 database named ledger\./) });
      expect(attempt.text.replaceAll("ledger", "X")).toBe(control.text.replaceAll("nowhere", "X"));
    }
    expect(await acmeRows()).toEqual([{ v: "kept" }]);
  });

  it("?tenant=: a tenant token cannot name acme, whether or not it exists", async () => {
    for (const { method, route } of CALLS) {
      const tenant = (/** @type {string} */ name) => `${pathOf("ledger", route)}${route.includes("?") ? "&" : "?"}tenant=${name}`;
      const attempt = await call(method, tenant("acme"), evil.token);
      const control = await call(method, tenant("nobody"), evil.token);
      expect(attempt.status, route).toBe(403);
      expect(attempt.text.replace("acme", "X")).toBe(control.text.replace("nobody", "X"));
    }
    expect(await acmeRows()).toEqual([{ v: "kept" }]);
  });
});

describe("crafted input is refused before anything runs", () => {
  it("restore: a bookmark that is SQL, huge, or not of the log's form is a 400, in the query or the body", async () => {
    const invalid = (/** @type {string} */ shown) => ({
      status: 400,
      code: "ERR_BAD_REQUEST",
      message: `Invalid bookmark '${shown}'. A bookmark is 16 lowercase hex digits, a dash and 16 more, as \`outpost d1 time-travel info\` prints it.`,
    });
    const sql = "'; DELETE FROM entries; --";
    expect(errorOf(await call("POST", `${pathOf("ledger", "restore")}?bookmark=${encodeURIComponent(sql)}`, acme.token))).toEqual(invalid(sql));
    expect(errorOf(await call("POST", pathOf("ledger", "restore"), acme.token, JSON.stringify({ bookmark: sql })))).toEqual(invalid(sql));
    const huge = "0".repeat(16_000);
    expect(errorOf(await call("POST", `${pathOf("ledger", "restore")}?bookmark=${huge}`, acme.token))).toEqual(invalid(`${"0".repeat(64)}…`));
    expect(errorOf(await call("POST", pathOf("ledger", "restore"), acme.token, JSON.stringify({ bookmark: huge.slice(0, 4000) })))).toEqual(
      invalid(`${"0".repeat(64)}…`),
    );
    for (const near of [
      BOOKMARK.toUpperCase(),
      `${BOOKMARK}0`,
      BOOKMARK.slice(1),
      BOOKMARK.replace("-", "%00"),
      `${BOOKMARK}%0A`,
      "",
      "00000001-00000002-00004e2f-0a83ea2fceebc654de0640c422be4653",
    ]) {
      expect((await call("POST", `${pathOf("ledger", "restore")}?bookmark=${near}`, acme.token)).status, near).toBe(400);
    }
    // Refused by its form alone: another tenant's database gets the same 400, and learns nothing.
    expect(errorOf(await call("POST", `${pathOf("ledger", "restore")}?bookmark=${encodeURIComponent(sql)}`, evil.token))).toEqual(invalid(sql));
    expect(await acmeRows()).toEqual([{ v: "kept" }]);
  });

  it("timestamps: unparseable, rolled-over or in the future are a 400 on both routes", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const cases = [
      ["yesterday", "Please provide a valid Unix timestamp or ISO string, for example: 2023-07-13T08:46:42.228Z"],
      ["2025-02-30T00:00:00Z", "Please provide a valid Unix timestamp or ISO string, for example: 2023-07-13T08:46:42.228Z"],
      ["1; DROP TABLE entries", "Please provide a valid Unix timestamp or ISO string, for example: 2023-07-13T08:46:42.228Z"],
      [future, "Please provide a timestamp in the past"],
      [String(Math.floor(Date.now() / 1000) + 3600), "Please provide a timestamp in the past"],
    ];
    for (const [timestamp, why] of cases) {
      const expected = { status: 400, code: "ERR_BAD_REQUEST", message: `Invalid timestamp '${timestamp}'. ${why}` };
      const query = `timestamp=${encodeURIComponent(/** @type {string} */ (timestamp))}`;
      expect(errorOf(await call("GET", `${pathOf("ledger", "bookmark")}?${query}`, acme.token))).toEqual(expected);
      expect(errorOf(await call("POST", `${pathOf("ledger", "restore")}?${query}`, acme.token))).toEqual(expected);
      expect(errorOf(await call("POST", pathOf("ledger", "restore"), acme.token, JSON.stringify({ timestamp })))).toEqual(expected);
    }
    expect(await acmeRows()).toEqual([{ v: "kept" }]);
  });

  it("restore: both targets, neither, or the query and a body at once are refused; so is a body with other fields or too large", async () => {
    const refusal = async (/** @type {string} */ query, /** @type {string | undefined} */ body) =>
      errorOf(await call("POST", `${pathOf("ledger", "restore")}${query}`, acme.token, body));
    expect(await refusal(`?bookmark=${BOOKMARK}&timestamp=1700000000`, undefined)).toMatchObject({
      status: 400,
      message: "Provide either a timestamp, or a bookmark - not both.",
    });
    expect(await refusal("", JSON.stringify({ bookmark: BOOKMARK, timestamp: "1700000000" }))).toMatchObject({
      message: "Provide either a timestamp, or a bookmark - not both.",
    });
    expect(await refusal("", undefined)).toMatchObject({ status: 400, message: "Provide either a timestamp or a bookmark" });
    expect(await refusal("", "{}")).toMatchObject({ status: 400, message: "Provide either a timestamp or a bookmark" });
    expect(await refusal(`?bookmark=${BOOKMARK}`, JSON.stringify({ timestamp: "1700000000" }))).toMatchObject({
      status: 400,
      message: "Give bookmark or timestamp in the query or in the body, not both.",
    });
    expect(await refusal("", JSON.stringify({ bookmark: BOOKMARK, sql: "DELETE FROM entries" }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^body: Unrecognized key: "sql"/),
    });
    expect(await refusal("", JSON.stringify({ bookmark: 1 }))).toMatchObject({ status: 400, message: expect.stringMatching(/^body\.bookmark: /) });
    expect(await refusal("", "not json")).toMatchObject({ status: 400, message: "The request body is not valid JSON." });
    expect(await refusal("", JSON.stringify({ bookmark: "0".repeat(100_000) }))).toMatchObject({ status: 413, code: "ERR_TOO_LARGE" });
    expect(await acmeRows()).toEqual([{ v: "kept" }]);
  });
});
