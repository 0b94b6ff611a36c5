/// <reference types="vite/types/importMeta.d.ts" />
import { expect, it } from "vitest";

// The lowest layer: runner/db imports only its own files, plus the environment's type.
const sources = import.meta.glob<string>("../../runner/db/*.ts", { query: "?raw", import: "default", eager: true });

it("runner/db: imports nothing above it (only the Env type from runner/env.ts)", () => {
  expect(Object.keys(sources).length).toBeGreaterThan(3);
  const outside: string[] = [];
  for (const [file, text] of Object.entries(sources)) {
    for (const [statement, specifier] of text.matchAll(/^(?:import|export)\b[^;]*?from "([^"]+)";/gms)) {
      if (specifier?.startsWith("./") || !specifier?.startsWith(".")) continue;
      if (specifier === "../env.ts" && statement.startsWith("import type ")) continue;
      outside.push(`${file}: ${statement}`);
    }
  }
  expect(outside).toEqual([]);
});
