// Ceph's Debian packages, unpacked into the repository's cache instead of installed: the
// packages `apt-get install --no-install-recommends radosgw ceph-mon ceph-osd` would add to
// this machine are fetched with `apt-get download` and extracted with `dpkg-deb -x`, so
// nothing outside the repository changes (except `apt-get update`, as root, when apt's
// package lists are missing or stale).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The packages that carry the daemons; apt adds what they need that this machine lacks. */
const PACKAGES = ["radosgw", "ceph-mon", "ceph-osd"];
/** Written last into an unpacked tree: its presence means the tree is complete. */
const MANIFEST = ".outpost-packages";
const DEFAULT_CACHE = fileURLToPath(new URL("../../.cache/ceph", import.meta.url));

/**
 * @typedef {object} CephInstall
 * @property {string} root  the unpacked tree (`<root>/usr/bin/radosgw`, …)
 * @property {string} libDir  `<root>/usr/lib/<multiarch>`: plugins, RADOS classes
 * @property {string} libraryPath  LD_LIBRARY_PATH for the daemons
 * @property {string} version  the radosgw package version
 * @property {boolean} downloaded  whether this call downloaded and unpacked the packages
 */

/**
 * Ceph's binaries, downloaded and unpacked on first use into `cacheDir` (default
 * `.cache/ceph/` in the repository), reused afterwards without asking apt anything.
 * Concurrent first uses in one process share one download; across processes each
 * downloads into its own staging folder, the first to finish wins the rename and the others
 * discard theirs.
 * @param {{ cacheDir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<CephInstall>}
 */
export function ensureCeph(options = {}) {
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE;
  let install = installs.get(cacheDir);
  if (!install) {
    install = prepare(cacheDir, options.log ?? (() => {}));
    installs.set(cacheDir, install);
    install.catch(() => installs.delete(cacheDir));
  }
  return install;
}

/** @type {Map<string, Promise<CephInstall>>} */
const installs = new Map();

/**
 * @param {string} cacheDir
 * @param {(line: string) => void} log
 * @returns {Promise<CephInstall>}
 */
async function prepare(cacheDir, log) {
  const root = join(cacheDir, "root");
  let downloaded = false;
  if (!existsSync(join(root, MANIFEST))) {
    await mkdir(cacheDir, { recursive: true });
    await removeAbandonedStaging(cacheDir);
    const staging = join(cacheDir, `staging-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      await downloadAndUnpack(staging, log);
      // A tree without a manifest is a leftover of an interrupted run: replace it.
      if (existsSync(root) && !existsSync(join(root, MANIFEST))) await rm(root, { recursive: true, force: true });
      await rename(join(staging, "root"), root).catch((error) => {
        if (!existsSync(join(root, MANIFEST))) throw error;
      });
      await rm(join(cacheDir, "debs"), { recursive: true, force: true });
      await rename(join(staging, "debs"), join(cacheDir, "debs")).catch(() => {});
      downloaded = true;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const multiarch = (await readdir(join(root, "usr", "lib"))).find((name) => name.endsWith("-linux-gnu"));
  if (!multiarch) throw new Error(`ERR_CEPH_PACKAGES: no usr/lib/<arch>-linux-gnu in ${root}; delete ${cacheDir} and retry`);
  for (const binary of ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool", "osdmaptool"]) {
    if (!existsSync(join(root, "usr", "bin", binary))) throw new Error(`ERR_CEPH_PACKAGES: ${binary} is missing from ${root}; delete ${cacheDir} and retry`);
  }
  const libDir = join(root, "usr", "lib", multiarch);
  const libraryPath = [libDir, join(libDir, "ceph"), join(root, "lib", multiarch), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const manifest = await readFile(join(root, MANIFEST), "utf8");
  const version = manifest.match(/^radosgw=(\S+)$/m)?.[1] ?? "unknown";
  return { root, libDir, libraryPath, version, downloaded };
}

/** Staging folders of processes that died mid-download. @param {string} cacheDir */
async function removeAbandonedStaging(cacheDir) {
  for (const name of await readdir(cacheDir)) {
    const pid = Number(name.match(/^staging-(\d+)-/)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === "ESRCH") await rm(join(cacheDir, name), { recursive: true, force: true });
    }
  }
}

/**
 * @param {string} staging
 * @param {(line: string) => void} log
 */
async function downloadAndUnpack(staging, log) {
  const debs = join(staging, "debs");
  const root = join(staging, "root");
  await mkdir(debs, { recursive: true });
  await mkdir(root, { recursive: true });
  let packages;
  log("downloading Ceph's Debian packages");
  try {
    packages = await resolvePackages();
    await download(packages, debs);
  } catch (error) {
    // No package lists (a fresh image) or stale ones (a 404 after a Debian point release).
    if (process.getuid?.() !== 0) {
      throw new Error(`ERR_CEPH_PACKAGES: apt could not provide ${PACKAGES.join(", ")}; run \`sudo apt-get update\` and retry`, { cause: error });
    }
    log("apt-get update (package lists missing or stale)");
    await run("apt-get", ["update", "-qq"], { env: aptEnv(), maxBuffer: 16 << 20 });
    packages = await resolvePackages();
    await rm(debs, { recursive: true, force: true });
    await mkdir(debs);
    await download(packages, debs);
  }
  log(`downloaded ${packages.length} packages (${await sizeOf(debs)} bytes)`);
  const files = (await readdir(debs)).filter((name) => name.endsWith(".deb"));
  if (files.length !== packages.length) throw new Error(`ERR_CEPH_PACKAGES: expected ${packages.length} .deb files in ${debs}, found ${files.length}`);
  await inParallel(files, availableParallelism(), (file) => run("dpkg-deb", ["-x", join(debs, file), root]));
  log("unpacked");
  const manifest = packages.map(({ name, version }) => `${name}=${version}\n`).join("");
  await writeFile(join(root, MANIFEST), manifest);
}

/**
 * What `apt-get install -s` would install ("Inst <name> [<old>] (<version> …)" lines),
 * plus the daemon packages themselves in case this machine already has them.
 * @returns {Promise<{ name: string, version: string }[]>}
 */
async function resolvePackages() {
  const { stdout } = await run("apt-get", ["install", "-s", "--no-install-recommends", ...PACKAGES], { env: aptEnv(), maxBuffer: 16 << 20 });
  /** @type {Map<string, string>} */
  const found = new Map();
  for (const match of stdout.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /gm)) {
    if (match[1] && match[2]) found.set(match[1], match[2]);
  }
  const missing = PACKAGES.filter((name) => !found.has(name));
  if (missing.length > 0) {
    // Installed on this machine already: download the installed version (apt-cache policy).
    const { stdout: policy } = await run("apt-cache", ["policy", ...missing], { env: aptEnv() });
    for (const section of policy.split(/^(?=\S)/m)) {
      const name = section.match(/^(\S+):/)?.[1];
      const version = section.match(/Candidate: (\S+)/)?.[1];
      if (name && version && version !== "(none)") found.set(name, version);
    }
  }
  if (!PACKAGES.every((name) => found.has(name)))
    throw new Error(`apt-get install -s resolved no candidate for ${PACKAGES.join(", ")}:\n${stdout.slice(-2000)}`);
  return [...found].map(([name, version]) => ({ name, version }));
}

/**
 * @param {{ name: string, version: string }[]} packages
 * @param {string} dir
 */
async function download(packages, dir) {
  // As root the download dir is not readable by apt's sandbox user; say so instead of a warning.
  const sandbox = process.getuid?.() === 0 ? ["-o", "APT::Sandbox::User=root"] : [];
  await run("apt-get", [...sandbox, "download", "-qq", ...packages.map(({ name, version }) => `${name}=${version}`)], {
    cwd: dir,
    env: aptEnv(),
    maxBuffer: 16 << 20,
  });
}

/** @param {string} dir */
async function sizeOf(dir) {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

function aptEnv() {
  return { ...process.env, LC_ALL: "C", DEBIAN_FRONTEND: "noninteractive" };
}

/**
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<unknown>} task
 */
async function inParallel(items, limit, task) {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}
