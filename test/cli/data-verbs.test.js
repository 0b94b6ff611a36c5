// End to end: the data verbs (outpost kv, r2, queues send, secret bulk) as a user types them,
// against a real platform; what they write is read back through a deployed worker's bindings.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform } from "../helpers/platform.js";
import { removeTempProjects, tempProject } from "./temp-project.js";
import { runWithInput } from "./run-with-input.js";

const CLI = fileURLToPath(new URL("../../cli/outpost.js", import.meta.url));

/** @type {import("../helpers/platform.js").Platform} */
let platform;
/** A project binding KV namespace "seeds" as SEEDS, bucket "media" as MEDIA and queue "jobs" as JOBS. */
let project = "";

const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/kv") return new Response(await env.SEEDS.get(url.searchParams.get("key")));
    if (url.pathname === "/r2") {
      const object = await env.MEDIA.get(url.searchParams.get("key"));
      return new Response(object ? object.body : "missing", { headers: { "x-type": object?.httpMetadata.contentType ?? "" } });
    }
    return new Response(\`\${env.API_KEY}/\${env.OTHER}\`);
  },
};
`;

beforeAll(async () => {
  platform = await startPlatform();
  project = await tempProject({
    "wrangler.toml": `name = "seeded"
main = "src/index.js"
compatibility_date = "2025-01-01"
kv_namespaces = [{ binding = "SEEDS", id = "seeds" }]
r2_buckets = [{ binding = "MEDIA", bucket_name = "media" }]
[[queues.producers]]
binding = "JOBS"
queue = "jobs"
`,
    "src/index.js": WORKER,
    "value.bin": new Uint8Array([0, 1, 2, 255]),
    "photo.txt": "a photo, in words",
    "pairs.json": JSON.stringify([
      { key: "bulk/a", value: "first, then replaced" },
      { key: "bulk/a", value: "one" },
      { key: "bulk/b", value: "dHdv", base64: true, metadata: { n: 2 } },
    ]),
    "many.json": JSON.stringify(Array.from({ length: 10_001 }, (_, i) => ({ key: `many/${String(i).padStart(5, "0")}`, value: String(i) }))),
    "doomed.json": JSON.stringify(["bulk/a", { name: "bulk/b" }]),
    "bad-pairs.json": JSON.stringify([
      { key: "bad/ok", value: "fine" },
      { key: "x".repeat(513), value: "too long a key" },
    ]),
    "secrets.json": JSON.stringify({ API_KEY: "k-123", OTHER: "o-456" }),
    ".env.production": 'API_KEY=from-env\nOTHER="quoted value"\n',
  });
});
afterAll(async () => {
  await removeTempProjects();
  await platform?.stop();
});

/** Runs the CLI in `cwd` (default: the project). @param {string[]} args @param {string} [cwd] */
async function outpost(args, cwd = project) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
  return promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env, encoding: "buffer" }).then(({ stdout, stderr }) => ({
    stdout: stdout.toString(),
    stderr: stderr.toString(),
    bytes: stdout,
  }));
}

/** Runs the CLI in the project with `input` on its stdin. @param {string[]} args @param {string} input @returns {Promise<string>} stdout */
function outpostWithInput(args, input) {
  const env = { ...process.env, OUTPOST_ADMIN_URL: platform.adminUrl, OUTPOST_ADMIN_TOKEN: platform.token };
  return runWithInput([process.execPath, CLI, ...args], { cwd: project, env }, input);
}

/** @param {string[]} args @returns {Promise<string>} stderr */
async function outpostFails(args) {
  const failure = await outpost(args).then(
    () => null,
    (/** @type {{ stderr: Buffer, code: number }} */ error) => error,
  );
  expect(failure?.code).toBe(1);
  return failure?.stderr.toString() ?? "";
}

describe("outpost kv", () => {
  it("kv namespace: create, list, refuse a second of the same name, delete", async () => {
    expect((await outpost(["kv", "namespace", "create", "scratch"])).stdout).toContain('[[kv_namespaces]]\nbinding = "scratch"\nid = "scratch"');
    expect(JSON.parse((await outpost(["kv", "namespace", "list"])).stdout)).toContainEqual({ id: "scratch", title: "scratch", tenant: "default" });
    expect(await outpostFails(["kv", "namespace", "create", "scratch"])).toContain('A KV namespace with the title "scratch" already exists.');
    expect((await outpost(["kv", "namespace", "delete", "scratch"])).stdout).toBe("Deleted KV namespace scratch.\n");
    expect(JSON.parse((await outpost(["kv", "namespace", "list"])).stdout).map((/** @type {any} */ n) => n.id)).not.toContain("scratch");
    expect(await outpostFails(["kv", "namespace", "delete", "scratch"])).toContain("No KV namespace named scratch.");
  });

  it("kv key: put by --binding from ./wrangler.toml, then the deployed worker reads it; get, list, delete", async () => {
    await outpost(["kv", "namespace", "create", "seeds"]);
    expect((await outpost(["kv", "key", "put", "greeting", "hello from the CLI", "--binding", "SEEDS"])).stdout).toBe(
      'Writing the value "hello from the CLI" to key "greeting" on namespace seeds.\n',
    );
    await outpost(["deploy"]);
    expect((await platform.fetchWorker("seeded", "/kv?key=greeting")).text).toBe("hello from the CLI");

    await outpost(["kv", "key", "put", "raw", "--path", "value.bin", "--namespace-id", "seeds", "--ttl", "3600", "--metadata", '{"from":"file"}']);
    expect([...(await outpost(["kv", "key", "get", "raw", "--binding", "SEEDS"])).bytes]).toEqual([0, 1, 2, 255]);
    expect((await outpost(["kv", "key", "get", "greeting", "--binding", "SEEDS", "--text"])).stdout).toBe("hello from the CLI\n");
    expect((await outpost(["kv", "key", "get", "absent", "--binding", "SEEDS"])).stdout).toBe("Value not found\n");

    const keys = JSON.parse((await outpost(["kv", "key", "list", "--binding", "SEEDS"])).stdout);
    expect(keys.map((/** @type {any} */ k) => k.name)).toEqual(["greeting", "raw"]);
    expect(keys[1].metadata).toEqual({ from: "file" });
    expect(keys[1].expiration).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(JSON.parse((await outpost(["kv", "key", "list", "--binding", "SEEDS", "--prefix", "gr"])).stdout)).toEqual([{ name: "greeting" }]);

    expect((await outpost(["kv", "key", "delete", "raw", "--binding", "SEEDS"])).stdout).toBe('Deleting the key "raw" on namespace seeds.\n');
    expect((await outpost(["kv", "key", "get", "raw", "--binding", "SEEDS"])).stdout).toBe("Value not found\n");
  });

  it("kv key: refusals in Cloudflare's words, and what to do next", async () => {
    expect(await outpostFails(["kv", "key", "put", "x".repeat(513), "v", "--binding", "SEEDS"])).toContain(
      "UTF-8 encoded length of 513 exceeds key length limit of 512.",
    );
    expect(await outpostFails(["kv", "key", "put", "k", "v", "--binding", "SEEDS", "--ttl", "30"])).toContain(
      "Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
    );
    expect(await outpostFails(["kv", "key", "put", "k", "v", "--binding", "NOPE"])).toContain(
      "has no kv_namespaces binding named NOPE; add one, or give --namespace-id",
    );
    expect(await outpostFails(["kv", "key", "list"])).toContain("name the namespace: --binding NAME");
    expect(await outpostFails(["kv", "key", "list", "--namespace-id", "nowhere"])).toContain("create one with `outpost kv namespace create nowhere`");
    const outside = await tempProject({});
    const failure = await outpost(["kv", "key", "list", "--binding", "SEEDS"], outside).catch((/** @type {{ stderr: Buffer }} */ error) =>
      error.stderr.toString(),
    );
    expect(failure).toContain("cd to the project or give --namespace-id");
  });

  it("kv bulk: put and delete files in wrangler's shape; a file with one bad pair stores nothing", async () => {
    expect((await outpost(["kv", "bulk", "put", "pairs.json", "--binding", "SEEDS"])).stdout).toBe("Success!\n");
    expect((await platform.fetchWorker("seeded", "/kv?key=bulk/b")).text).toBe("two");
    expect((await platform.fetchWorker("seeded", "/kv?key=bulk/a")).text).toBe("one");
    const listed = JSON.parse((await outpost(["kv", "key", "list", "--binding", "SEEDS", "--prefix", "bulk/"])).stdout);
    expect(listed).toEqual([{ name: "bulk/a" }, { name: "bulk/b", metadata: { n: 2 } }]);

    expect(await outpostFails(["kv", "bulk", "put", "bad-pairs.json", "--binding", "SEEDS"])).toContain(
      "body.1: UTF-8 encoded length of 513 exceeds key length limit of 512.",
    );
    expect(JSON.parse((await outpost(["kv", "key", "list", "--binding", "SEEDS", "--prefix", "bad/"])).stdout)).toEqual([]);

    expect((await outpost(["kv", "bulk", "delete", "doomed.json", "--binding", "SEEDS", "--force"])).stdout).toBe("Success!\n");
    expect(JSON.parse((await outpost(["kv", "key", "list", "--binding", "SEEDS", "--prefix", "bulk/"])).stdout)).toEqual([]);
  });

  it("kv bulk put: a file of more keys than one request takes is sent in several", async () => {
    expect((await outpost(["kv", "bulk", "put", "many.json", "--binding", "SEEDS"])).stdout).toBe("Success!\n");
    const keys = JSON.parse((await outpost(["kv", "key", "list", "--binding", "SEEDS", "--prefix", "many/"])).stdout);
    expect([keys.length, keys.at(-1)?.name]).toEqual([10_001, "many/10000"]);
  });

  it("kv namespace delete: refused while a deployed version binds it", async () => {
    expect(await outpostFails(["kv", "namespace", "delete", "--binding", "SEEDS"])).toContain(
      "KV namespace seeds is bound by worker seeded. Deploy seeded without it",
    );
  });
});

describe("outpost r2", () => {
  it("r2 bucket and object: create, put a file, the worker reads it, get to a file and a pipe, delete", async () => {
    // The deploy (in the kv tests) created the buckets its bindings name.
    expect(await outpostFails(["r2", "bucket", "create", "media"])).toContain("The bucket you tried to create already exists, and you own it. (10004)");
    expect((await outpost(["r2", "bucket", "list"])).stdout).toContain("name:           media");
    expect((await outpost(["r2", "object", "put", "media/photos/1.txt", "--file", "photo.txt", "--content-type", "text/plain"])).stdout).toBe(
      'Creating object "photos/1.txt" in bucket "media".\nUpload complete.\n',
    );
    const read = await platform.fetchWorker("seeded", "/r2?key=photos/1.txt");
    expect([read.text, read.headers["x-type"]]).toEqual(["a photo, in words", "text/plain"]);

    expect((await outpost(["r2", "object", "get", "media/photos/1.txt", "--pipe"])).stdout).toBe("a photo, in words");
    await outpost(["r2", "object", "get", "media/photos/1.txt", "--file", "copy/photo.txt"]);
    expect(await readFile(join(project, "copy/photo.txt"), "utf8")).toBe("a photo, in words");

    expect(await outpostWithInput(["r2", "object", "put", "media/piped/a b.txt", "--pipe"], "from stdin")).toBe("");
    expect((await platform.fetchWorker("seeded", "/r2?key=piped/a%20b.txt")).text).toBe("from stdin");
    expect(await outpostFails(["r2", "bucket", "delete", "media"])).toContain("is bound by worker seeded");
    expect((await outpost(["r2", "object", "delete", "media/photos/1.txt"])).stdout).toBe('Deleting object "photos/1.txt" from bucket "media".\n');
    expect(await outpostFails(["r2", "object", "get", "media/photos/1.txt", "--pipe"])).toContain("The specified key does not exist.");
  });

  it("r2 bucket delete: an empty unbound bucket goes; one with objects stays", async () => {
    expect((await outpost(["r2", "bucket", "create", "spare"])).stdout).toContain('[[r2_buckets]]\nbinding = "spare"\nbucket_name = "spare"');
    await outpost(["r2", "object", "put", "spare/k", "--file", "photo.txt"]);
    expect(await outpostFails(["r2", "bucket", "delete", "spare"])).toContain("The bucket you tried to delete is not empty. (10008) Delete its objects first.");
    await outpost(["r2", "object", "delete", "spare/k"]);
    expect((await outpost(["r2", "bucket", "delete", "spare"])).stdout).toBe("Deleted bucket spare.\n");
    expect(await outpostFails(["r2", "object", "put", "spare/k", "--file", "photo.txt"])).toContain("No R2 bucket named spare.");
    expect(await outpostFails(["r2", "object", "put", "nokey", "--file", "photo.txt"])).toContain("must be in the form of {bucket}/{key}");
  });
});

describe("outpost queues send and secret bulk", () => {
  it("queues send: text and --json messages join the queue", async () => {
    expect((await outpost(["queues", "send", "jobs", "plain words"])).stdout).toBe("Sent a message to jobs\n");
    await outpost(["queues", "send", "jobs", '{"id":1}', "--json"]);
    const { queues } = (await platform.admin("GET", "/v1/queues")).body;
    expect(queues.find((/** @type {any} */ q) => q.name === "jobs")?.depth).toBe(2);
    expect(await outpostFails(["queues", "send", "jobs", "not json", "--json"])).toContain("drop --json to send it as text");
    expect(await outpostFails(["queues", "send", "nowhere", "x"])).toContain("No queue named nowhere.");
  });

  it("secret bulk: a JSON file of name → value, for the project's worker", async () => {
    expect((await outpost(["secret", "bulk", "secrets.json"])).stdout).toBe("2 secrets successfully uploaded to seeded\n");
    expect((await platform.fetchWorker("seeded", "/")).text).toBe("k-123/o-456");
    expect(await outpostFails(["secret", "bulk", "pairs.json", "--name", "seeded"])).toContain("must hold a JSON object of name → value");
    await outpost(["secret", "bulk", ".env.production", "--name", "seeded"]);
    expect((await platform.fetchWorker("seeded", "/")).text).toBe("from-env/quoted value");
  });
});
