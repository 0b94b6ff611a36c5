// The browser tier drives Debian's `chromium` package with playwright-core. This installs it with
// apt-get when it is missing (root only), or says how to, and exits non-zero if it cannot.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

if (!existsSync(CHROMIUM)) {
  const isRoot = process.getuid?.() === 0;
  const install = (/** @type {string[]} */ args) =>
    spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status === 0;
  console.log(`${CHROMIUM} is missing; installing Debian's chromium package with apt-get.`);
  if (!isRoot || !install(["update", "-qq"]) || !install(["install", "-y", "-qq", "chromium"]) || !existsSync(CHROMIUM)) {
    console.error(
      `Could not install chromium${isRoot ? "" : " (not root)"}: run \`apt-get update && apt-get install -y chromium\` as root, then npm test again.`,
    );
    process.exit(1);
  }
}
