import { expect, it } from "vitest";
import { NODE_CRYPTO_SOURCE, hasBuiltinModules } from "../../runner/dispatch/node-crypto.ts";
import { limitNodePbkdf2 } from "../../shims/crypto-limits.ts";
import { thrown } from "./thrown.ts";

it("hasBuiltinModules: nodejs_compat from 2024-09-23, or nodejs_compat_v2; never without Node.js compatibility", () => {
  expect(hasBuiltinModules("2024-09-23", ["nodejs_compat"])).toBe(true);
  expect(hasBuiltinModules("2024-09-22", ["nodejs_compat"])).toBe(false);
  expect(hasBuiltinModules("2024-04-03", ["nodejs_compat_v2"])).toBe(true);
  expect(hasBuiltinModules("2025-06-01", ["nodejs_compat", "no_nodejs_compat_v2"])).toBe(false);
  expect(hasBuiltinModules("2026-01-01", [])).toBe(false);
});

it("node:crypto module: re-exports every name of the built-in, pbkdf2 among them", () => {
  expect(NODE_CRYPTO_SOURCE).toMatch(
    /^const crypto = process\.getBuiltinModule\("node:crypto"\);\nexport const \{ [^}]*\bpbkdf2Sync\b[^}]*\} = crypto;\nexport default crypto;\n$/,
  );
  expect(NODE_CRYPTO_SOURCE).toContain(" createHash,");
});

it("limitNodePbkdf2: getBuiltinModule gives a guarded copy for crypto and node:crypto, other modules untouched", () => {
  const calls: unknown[][] = [];
  const real = { pbkdf2Sync: (...args: unknown[]) => calls.push(args), pbkdf2: () => {}, createHash: "createHash" };
  const other = { other: true };
  const process = { getBuiltinModule: (name: string) => (name.endsWith("crypto") ? real : other) };
  limitNodePbkdf2(process);
  const guarded = process.getBuiltinModule("node:crypto") as typeof real;
  expect(process.getBuiltinModule("crypto")).toBe(guarded);
  expect(process.getBuiltinModule("node:path")).toBe(other);
  expect(guarded.createHash).toBe("createHash");
  guarded.pbkdf2Sync("pw", "salt", 100_000, 32, "sha256");
  expect(calls).toEqual([["pw", "salt", 100_000, 32, "sha256"]]);
  expect(thrown(() => guarded.pbkdf2Sync("pw", "salt", 100_001, 32, "sha256"))).toBe(
    "DOMException: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 100001).",
  );
  expect(calls).toHaveLength(1);
});

it("limitNodePbkdf2: without process.getBuiltinModule there is nothing to guard", () => {
  expect(() => limitNodePbkdf2(undefined)).not.toThrow();
  expect(() => limitNodePbkdf2({})).not.toThrow();
});
