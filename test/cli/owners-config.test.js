import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostSeats, ownersConfig } from "../../cli/owners-config.js";

describe("ownersConfig", () => {
  it("ownersConfig: defaults are a 10 s lease, a copy of a changed object every 60 s, 7 days of history and loopback private sockets", () => {
    expect(ownersConfig({})).toEqual({ ownerLeaseSeconds: 10, objectSnapshotSeconds: 60, objectHistoryDays: 7, privateHost: "127.0.0.1" });
  });

  it("ownersConfig: reads the operator's settings", () => {
    const env = {
      OUTPOST_OWNER_LEASE_SECONDS: "30",
      OUTPOST_OBJECT_SNAPSHOT_SECONDS: "5",
      OUTPOST_OBJECT_HISTORY_DAYS: "30",
      OUTPOST_PRIVATE_HOST: "127.0.0.2",
    };
    expect(ownersConfig(env)).toEqual({
      ownerLeaseSeconds: 30,
      objectSnapshotSeconds: 5,
      objectHistoryDays: 30,
      privateHost: "127.0.0.2",
    });
  });

  it("ownersConfig: bad values are refused, naming the variable", () => {
    for (const text of ["2", "601", "1.5", "ten"]) {
      expect(() => ownersConfig({ OUTPOST_OWNER_LEASE_SECONDS: text })).toThrow(
        `OUTPOST_OWNER_LEASE_SECONDS must be a whole number from 3 to 600, got ${text}`,
      );
    }
    for (const text of ["0", "86401", "2.5"]) {
      expect(() => ownersConfig({ OUTPOST_OBJECT_SNAPSHOT_SECONDS: text })).toThrow(
        `OUTPOST_OBJECT_SNAPSHOT_SECONDS must be a whole number from 1 to 86400, got ${text}`,
      );
    }
    for (const text of ["0", "366", "7d"]) {
      expect(() => ownersConfig({ OUTPOST_OBJECT_HISTORY_DAYS: text })).toThrow(
        `OUTPOST_OBJECT_HISTORY_DAYS must be a whole number from 1 to 365, got ${text}`,
      );
    }
    expect(() => ownersConfig({ OUTPOST_PRIVATE_HOST: "127.0.0.2:80/x" })).toThrow("OUTPOST_PRIVATE_HOST must be an address or host name, got 127.0.0.2:80/x");
  });
});

describe("hostSeats", () => {
  it("hostSeats: a host id made on the first start and kept, its seats under objects/<id>", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "outpost-seats-"));
    try {
      const first = await hostSeats(dataDir);
      expect(first.hostId).toMatch(/^[0-9a-f]{16}$/);
      expect(first.objectsDir).toBe(join(dataDir, "objects", first.hostId));
      expect(existsSync(first.objectsDir)).toBe(true);
      expect(await hostSeats(dataDir)).toEqual(first);
      // A damaged file is replaced, never used as a path.
      await writeFile(join(dataDir, "host-id"), "../../etc\n");
      const fresh = await hostSeats(dataDir);
      expect(fresh.hostId).toMatch(/^[0-9a-f]{16}$/);
      expect((await readFile(join(dataDir, "host-id"), "utf8")).trim()).toBe(fresh.hostId);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
