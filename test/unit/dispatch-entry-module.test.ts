import { expect, it } from "vitest";
import { ENTRY_MODULE, MANIFEST_MODULE, SHIMS_MODULE, entryModule } from "../../runner/dispatch/entry-module.ts";

it("entryModule: imports the user's main module and exports it wrapped by the shims", () => {
  expect(entryModule("index.js")).toBe(
    [
      'import { WorkerEntrypoint } from "cloudflare:workers";',
      'import { wrapWorker } from "./__outpost_shims.js";',
      'import * as user from "./index.js";',
      'import manifest from "./__outpost_bindings.json";',
      "export default wrapWorker(user.default, manifest);",
      "export class __outpost_warm extends WorkerEntrypoint { warm() {} }",
      "",
    ].join("\n"),
  );
});

it("entryModule: keeps the main module's directory", () => {
  expect(entryModule("src/worker.mjs").split("\n")[2]).toBe('import * as user from "./src/worker.mjs";');
});

it("entryModule: a module name cannot break out of the import specifier", () => {
  const source = entryModule('evil";\nimport "x.js');
  expect(source.split("\n")[2]).toBe('import * as user from "./evil\\";\\nimport \\"x.js";');
  expect(source.split("\n")).toHaveLength(7);
});

it("entryModule: imports the shims and manifest under the module names the loader provides", () => {
  const source = entryModule("index.js");
  expect(source).toContain(`from "./${SHIMS_MODULE}";`);
  expect(source).toContain(`from "./${MANIFEST_MODULE}";`);
  expect([ENTRY_MODULE, SHIMS_MODULE, MANIFEST_MODULE]).toEqual(["__outpost_entry.js", "__outpost_shims.js", "__outpost_bindings.json"]);
});

it("entryModule: re-exports the user's named entrypoints but never one named like the platform's warm-up entrypoint", () => {
  const source = entryModule("index.js", ["Api", "__outpost_warm"]);
  expect(source).toContain("export const Api = wrapWorker(user.Api, manifest);");
  expect(source).not.toContain("user.__outpost_warm");
});

it("entryModule: the shims are imported before the user's module, so their limits are in place before user code runs", () => {
  const lines = entryModule("index.js").split("\n");
  expect(lines.findIndex((line) => line.includes(SHIMS_MODULE))).toBeLessThan(lines.findIndex((line) => line.includes("import * as user")));
});
