// `[assets]` for `outpost deploy`: hash every file of the directory (SHA-256, the content
// address), ask the platform which it lacks, and upload only those.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { callAdmin, adminEndpoint } from "./admin-client.js";

/** Cloudflare's per-file limit. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

/**
 * @param {string} directory absolute
 * @returns {Promise<Record<string, { hash: string, size: number, file: string }>>} URL path → file
 */
export async function collectAssets(directory) {
  /** @type {Record<string, { hash: string, size: number, file: string }>} */
  const files = {};
  const walk = async (/** @type {string} */ dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      // Dotfiles (.git, .assetsignore, …) are never served, as with wrangler's defaults.
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const { size } = await stat(path);
        if (size > MAX_FILE_BYTES) throw new Error(`asset ${path} is ${size} bytes; the limit is ${MAX_FILE_BYTES}`);
        const hash = createHash("sha256")
          .update(await readFile(path))
          .digest("hex");
        files[`/${relative(directory, path).split(sep).join("/")}`] = { hash, size, file: path };
      }
    }
  };
  await walk(directory);
  return files;
}

/**
 * Uploads the files the tenant does not have yet; returns how many were sent.
 * @param {Record<string, { hash: string, file: string }>} files
 * @param {string} [tenant]
 */
export async function uploadAssets(files, tenant) {
  const byHash = new Map(Object.values(files).map((file) => [file.hash, file.file]));
  const { missing } = await callAdmin("POST", "/v1/assets/missing", { hashes: [...byHash.keys()], ...(tenant ? { tenant } : {}) });
  const { url, token } = adminEndpoint();
  for (const hash of missing) {
    const response = await fetch(`${url}/v1/assets/${hash}${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ""}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: /** @type {ReadableStream} */ (Readable.toWeb(createReadStream(byHash.get(hash) ?? ""))),
      duplex: "half",
    });
    if (!response.ok) throw new Error(`uploading asset ${byHash.get(hash)} failed: ${await response.text()}`);
  }
  return missing.length;
}
