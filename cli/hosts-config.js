// The operator's host and name policy (docs/workers.md, "Domains"), read from the environment at start.

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ reservedNames: string[], nameGraceDays: number, domainClaims: "open" | "closed" }}
 */
export function hostsConfig(env) {
  const claims = env.OUTPOST_DOMAIN_CLAIMS ?? "closed";
  if (claims !== "open" && claims !== "closed") throw new Error(`OUTPOST_DOMAIN_CLAIMS must be open or closed, got ${claims}`);
  const days = Number(env.OUTPOST_NAME_GRACE_DAYS ?? "7");
  if (!Number.isInteger(days) || days < 0) throw new Error(`OUTPOST_NAME_GRACE_DAYS must be a whole number of days, got ${env.OUTPOST_NAME_GRACE_DAYS}`);
  const reservedNames = (env.OUTPOST_RESERVED_NAMES ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  return { reservedNames, nameGraceDays: days, domainClaims: claims };
}
