import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fdLimitFor, hardFdLimit, withFdLimit } from "../../cli/fd-limit.js";
import { poolConfig } from "../../cli/pool-config.js";

/** What `ulimit -n` (soft) and `ulimit -Hn` say inside the command line withFdLimit builds. */
function limitsUnder(/** @type {number | null} */ limit) {
  const [command, args] = withFdLimit(limit, "/bin/sh", ["-c", 'echo "$(ulimit -n) $(ulimit -Hn)"']);
  return spawnSync(command, args, { encoding: "utf8" }).stdout.trim();
}

describe("fd limit", () => {
  it("fdLimitFor: the hard limit, or the operator's when lower", () => {
    expect(fdLimitFor(20_000, null)).toBe(20_000);
    expect(fdLimitFor(20_000, 256)).toBe(256);
    expect(fdLimitFor(20_000, 50_000)).toBe(20_000);
    expect(fdLimitFor(null, null)).toBe(null);
  });

  it("withFdLimit: the command runs with that limit, soft and hard", () => {
    expect(limitsUnder(100)).toBe("100 100");
    const hard = hardFdLimit();
    expect(hard).toBeGreaterThan(100);
    expect(limitsUnder(hard)).toBe(`${hard} ${hard}`);
  });

  it("withFdLimit: the command is exec'd: the pid spawned is its own, with its own command line", () => {
    const [command, args] = withFdLimit(100, "/bin/sh", ["-c", 'echo $$; tr "\\0" " " < /proc/$$/cmdline', "own-name"]);
    const ran = spawnSync(command, args, { encoding: "utf8" });
    const [pid, commandLine] = ran.stdout.split("\n");
    expect(Number(pid)).toBe(ran.pid);
    expect(commandLine?.trim()).toBe(`/bin/sh -c echo $$; tr "\\0" " " < /proc/$$/cmdline own-name`);
  });

  it("poolConfig: OUTPOST_FD_LIMIT is read, and checked", () => {
    expect(poolConfig({}, 2).fdLimit).toBe(null);
    expect(poolConfig({ OUTPOST_FD_LIMIT: "256" }, 2).fdLimit).toBe(256);
    expect(() => poolConfig({ OUTPOST_FD_LIMIT: "10" }, 2)).toThrow("OUTPOST_FD_LIMIT must be a whole number from 64 to 1048576, got 10");
  });
});
