import { expect, it } from "vitest";
import { z } from "zod/v4";
import { BindingNameSchema, bindingNameProblem, moduleNameProblem, safeRecord } from "../../runner/admin/names.ts";

const issues = (schema: z.ZodType, input: unknown) => schema.safeParse(input).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

it("bindingNameProblem: identifiers of up to 64 characters are binding names", () => {
  for (const name of ["KV", "_x", "MY_BINDING_2", "a".repeat(64), "toString", "valueOf"]) expect(bindingNameProblem(name)).toBe(null);
});

it("bindingNameProblem: __proto__, constructor and prototype are refused by name", () => {
  for (const name of ["__proto__", "constructor", "prototype"]) {
    expect(bindingNameProblem(name)).toBe(`Binding name ${name} is reserved (__proto__, constructor and prototype cannot be env keys).`);
  }
});

it("bindingNameProblem: non-identifiers, over-long names and __outpost names are refused", () => {
  expect(bindingNameProblem("a-b")).toBe('Binding name "a-b" is not a JavaScript identifier of at most 64 characters.');
  expect(bindingNameProblem("1X")).toMatch(/not a JavaScript identifier/);
  expect(bindingNameProblem("")).toMatch(/not a JavaScript identifier/);
  expect(bindingNameProblem("a".repeat(65))).toMatch(/not a JavaScript identifier/);
  expect(bindingNameProblem("__outpost_bindings")).toBe("Binding name __outpost_bindings is reserved (names starting with __outpost are the platform's).");
});

it("moduleNameProblem: relative paths are module names", () => {
  for (const name of ["index.js", "src/a.mjs", "0f3a-data.bin", "a.b/c_d-e.wasm"]) expect(moduleNameProblem(name)).toBe(null);
});

it("moduleNameProblem: schemes are refused, so built-in modules cannot be replaced", () => {
  for (const name of ["cloudflare:workers", "cloudflare:sockets", "node:fs", "workerd:x", "a:b.js", "file:///etc/passwd"]) {
    expect(moduleNameProblem(name)).toBe(
      `Module name ${JSON.stringify(name)} has a scheme or ':'; module names are relative paths, and built-in modules cannot be replaced.`,
    );
  }
});

it("moduleNameProblem: '..' anywhere, '%2e' and backslashes are refused", () => {
  for (const name of ["a/../b", "..x", "x..", "../x.js", "%2e%2e/x.js", "a/%2E./b", "a\\b.js"]) {
    expect(moduleNameProblem(name)).toBe(`Module name ${JSON.stringify(name)} contains '..', '%2e' or '\\'.`);
  }
});

it("moduleNameProblem: absolute paths, empty or '.' segments, platform names and bad lengths are refused", () => {
  expect(moduleNameProblem("/x.js")).toMatch(/is not a relative path/);
  expect(moduleNameProblem("a//b.js")).toMatch(/is not a relative path/);
  expect(moduleNameProblem("./x.js")).toMatch(/is not a relative path/);
  expect(moduleNameProblem("__outpost_shims.js")).toBe(`Module name "__outpost_shims.js" is reserved (names starting with __outpost are the platform's).`);
  expect(moduleNameProblem("")).toBe("Module names are 1-256 characters.");
  expect(moduleNameProblem("a".repeat(257))).toBe("Module names are 1-256 characters.");
});

it("safeRecord: reserved keys are refused by name, where zod's record would throw or drop them", () => {
  const Vars = safeRecord(BindingNameSchema, z.unknown());
  expect(issues(Vars, JSON.parse('{"constructor": null}'))).toEqual([
    "constructor: Binding name constructor is reserved (__proto__, constructor and prototype cannot be env keys).",
  ]);
  expect(issues(Vars, JSON.parse('{"__proto__": "x", "OK": 1}'))).toEqual([
    "__proto__: Binding name __proto__ is reserved (__proto__, constructor and prototype cannot be env keys).",
  ]);
  expect(issues(safeRecord(BindingNameSchema, z.string()), JSON.parse('{"prototype": "a", "constructor": null}'))).toHaveLength(2);
});

it("safeRecord: other keys go through the key schema; valid records parse to plain objects", () => {
  const Vars = safeRecord(BindingNameSchema, z.unknown());
  expect(issues(Vars, { "a-b": 1 })).toEqual(['a-b: Binding name "a-b" is not a JavaScript identifier of at most 64 characters.']);
  expect(Vars.parse({ A: 1, B: { c: null } })).toEqual({ A: 1, B: { c: null } });
  expect(Vars.safeParse(null).success).toBe(false);
  expect(Vars.safeParse([]).success).toBe(false);
});

it("safeRecord: a reserved key uses the key schema's own message (asset paths)", () => {
  const Files = safeRecord(z.string().regex(/^\//, "Asset paths start with /."), z.number());
  expect(issues(Files, JSON.parse('{"constructor": null}'))).toEqual(["constructor: Asset paths start with /."]);
});
