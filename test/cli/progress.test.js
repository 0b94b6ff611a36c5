// Progress lines: written only to a terminal, erased before the command's own output; a deploy
// reports its steps through them; its errors say what to do next.
import { describe, expect, it } from "vitest";
import { deploy } from "../../cli/deploy.js";
import { NO_PROGRESS, progressOn } from "../../cli/progress.js";
import { tempProject } from "./temp-project.js";

/** A stream that records what is written to it. @param {boolean | undefined} isTTY */
function fakeStream(isTTY) {
  /** @type {string[]} */
  const written = [];
  return { isTTY, written, write: (/** @type {string} */ text) => written.push(text) };
}

describe("progressOn", () => {
  it("progressOn: a terminal gets each step on one line, rewritten in place, then erased", () => {
    const stream = fakeStream(true);
    const progress = progressOn(stream);
    progress.show("Bundling src/index.ts…");
    progress.show("Uploading assets 1/3…");
    progress.clear();
    progress.clear();
    expect(stream.written).toEqual(["\r\x1b[KBundling src/index.ts…", "\r\x1b[KUploading assets 1/3…", "\r\x1b[K"]);
  });

  it("progressOn: a pipe or file (no isTTY) gets nothing", () => {
    for (const isTTY of [false, undefined]) {
      const stream = fakeStream(isTTY);
      const progress = progressOn(stream);
      expect(progress).toBe(NO_PROGRESS);
      progress.show("Bundling…");
      progress.clear();
      expect(stream.written).toEqual([]);
    }
  });

  it("progressOn: nothing shown, nothing erased", () => {
    const stream = fakeStream(true);
    progressOn(stream).clear();
    expect(stream.written).toEqual([]);
  });
});

describe("deploy: progress, and errors that say what to do", () => {
  it("deploy: on a terminal, bundling and reading assets are shown, and erased before the result", async () => {
    const dir = await tempProject({
      "wrangler.toml": 'name = "progress"\nmain = "src/index.js"\nassets = { directory = "public" }\n',
      "src/index.js": `export default { fetch() { return new Response("hi"); } };\n`,
      "public/a.txt": "a",
    });
    const stream = fakeStream(true);
    /** @type {string[]} */
    const logged = [];
    const log = console.log;
    console.log = (/** @type {string} */ line) => logged.push(line);
    try {
      await deploy({ target: dir, dryRun: true }, progressOn(stream));
    } finally {
      console.log = log;
    }
    expect(stream.written.map((text) => text.replace("\r\x1b[K", ""))).toEqual([
      expect.stringMatching(/^Bundling .*src\/index\.js…$/),
      expect.stringMatching(/^Reading assets in .*public…$/),
      "",
    ]);
    expect(logged).toEqual(["Dry run: progress bundled (1 module); nothing deployed"]);
  });

  it("deploy: a failing deploy erases the progress line before the error is printed", async () => {
    const dir = await tempProject({
      "wrangler.toml": 'name = "broken"\nmain = "src/index.js"\n',
      "src/index.js": `import "./missing.js";\n`,
    });
    const stream = fakeStream(true);
    await expect(deploy({ target: dir, dryRun: true }, progressOn(stream))).rejects.toThrow(/Could not resolve "\.\/missing\.js"/);
    expect(stream.written.at(-1)).toBe("\r\x1b[K");
  });

  it("deploy: an assets directory that does not exist says to build first", async () => {
    const dir = await tempProject({ "wrangler.toml": 'name = "unbuilt"\nassets = { directory = "dist" }\n' });
    await expect(deploy({ target: dir, dryRun: true })).rejects.toThrow(
      `the assets directory ${dir}/dist does not exist: run the project's build first, or fix [assets] directory`,
    );
  });

  it("deploy: a main that does not exist names the key and what to do", async () => {
    const dir = await tempProject({ "wrangler.toml": 'name = "unbuilt"\nmain = "dist/index.js"\n' });
    await expect(deploy({ target: dir, dryRun: true })).rejects.toThrow(
      /^wrangler\.toml: main: .*dist\/index\.js does not exist: set main to the worker's entry file, or run the project's build first$/,
    );
  });
});
