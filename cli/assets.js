// `[assets]` for `outpost deploy`: hash every file of the directory (SHA-256, the content
// address) but those `.assetsignore` names, ask the platform which it lacks, and upload only those.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { callAdmin, adminEndpoint } from "./admin-client.js";
import { assetsIgnoreMatcher } from "./assets-ignore.js";
import { invalidRulesWarning, parseHeaders, parseRedirects } from "./asset-rules.js";

/** Cloudflare's per-file limit. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

/**
 * @param {string} directory absolute
 * @returns {Promise<Record<string, { hash: string, size: number, file: string }>>} URL path → file
 */
export async function collectAssets(directory) {
  if (!(await stat(directory).catch(() => undefined))?.isDirectory()) {
    throw new Error(`the assets directory ${directory} does not exist: run the project's build first, or fix [assets] directory`);
  }
  const assetsIgnore = await readOptional(join(directory, ".assetsignore"));
  const ignored = assetsIgnoreMatcher(assetsIgnore);
  /** @type {Record<string, { hash: string, size: number, file: string }>} */
  const files = {};
  const walk = async (/** @type {string} */ dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const relativePath = relative(directory, path).split(sep).join("/");
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && !ignored(relativePath)) {
        if (assetsIgnore === undefined && (relativePath === "_worker.js" || relativePath.startsWith("_worker.js/"))) {
          throw new Error(
            `${relativePath} in ${directory} is a Pages _worker.js: uploading it as an asset would publish your server-side code. ` +
              `Add a .assetsignore file containing "_worker.js" to the assets directory (an empty one uploads it anyway).`,
          );
        }
        const { size } = await stat(path);
        if (size > MAX_FILE_BYTES) throw new Error(`asset ${path} is ${size} bytes; the limit is ${MAX_FILE_BYTES}`);
        const hash = createHash("sha256")
          .update(await readFile(path))
          .digest("hex");
        files[`/${relativePath}`] = { hash, size, file: path };
      }
    }
  };
  await walk(directory);
  return files;
}

/**
 * The directory's `_redirects` and `_headers` rules, and a warning for each file with lines
 * that were skipped.
 * @param {string} directory absolute
 * @param {string | undefined} htmlHandling
 */
export async function collectAssetRules(directory, htmlHandling) {
  const redirectsFile = await readOptional(join(directory, "_redirects"));
  const headersFile = await readOptional(join(directory, "_headers"));
  const redirects = redirectsFile === undefined ? undefined : parseRedirects(redirectsFile, { htmlHandling });
  const headers = headersFile === undefined ? undefined : parseHeaders(headersFile);
  const warnings = [
    ...(redirects?.invalid.length ? [invalidRulesWarning(join(directory, "_redirects"), "redirect", redirects.invalid)] : []),
    ...(headers?.invalid.length ? [invalidRulesWarning(join(directory, "_headers"), "header", headers.invalid)] : []),
  ];
  return { redirects: redirects?.rules.length ? redirects.rules : undefined, headers: headers?.rules.length ? headers.rules : undefined, warnings };
}

/** @param {string} path */
async function readOptional(path) {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Uploads the files the tenant does not have yet; returns how many were sent.
 * @param {Record<string, { hash: string, file: string }>} files
 * @param {string} [tenant]
 * @param {(done: number, total: number) => void} [onProgress]  called before each upload and after the last
 */
export async function uploadAssets(files, tenant, onProgress = () => {}) {
  const byHash = new Map(Object.values(files).map((file) => [file.hash, file.file]));
  const { missing } = await callAdmin("POST", "/v1/assets/missing", { hashes: [...byHash.keys()], ...(tenant ? { tenant } : {}) });
  const { url, token } = adminEndpoint();
  for (const [done, hash] of missing.entries()) {
    onProgress(done, missing.length);
    const response = await fetch(`${url}/v1/assets/${hash}${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ""}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: /** @type {ReadableStream} */ (Readable.toWeb(createReadStream(byHash.get(hash) ?? ""))),
      duplex: "half",
    });
    if (!response.ok) {
      throw new Error(`uploading asset ${byHash.get(hash)} failed: ${await response.text()}. Run the deploy again: files already uploaded are not sent twice.`);
    }
  }
  onProgress(missing.length, missing.length);
  return missing.length;
}
