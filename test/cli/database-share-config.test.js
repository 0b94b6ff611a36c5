import { describe, expect, it } from "vitest";
import { databaseShareConfig } from "../../cli/database-share-config.js";

describe("databaseShareConfig", () => {
  it("databaseShareConfig: by default a tenant holds at most 3 of a process's 4 database connections at once and sends 8 MiB/s", () => {
    expect(databaseShareConfig({})).toEqual({ databaseTenantConnections: 3, databaseTenantMibPerSecond: 8 });
  });

  it("databaseShareConfig: reads the operator's settings", () => {
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_CONNECTIONS: "1" })).toMatchObject({ databaseTenantConnections: 1 });
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_CONNECTIONS: "4" })).toMatchObject({ databaseTenantConnections: 4 });
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_MIB_PER_SECOND: "1" })).toMatchObject({ databaseTenantMibPerSecond: 1 });
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_MIB_PER_SECOND: "512" })).toMatchObject({ databaseTenantMibPerSecond: 512 });
  });

  it("databaseShareConfig: bad values are refused, naming the variable", () => {
    for (const value of ["0", "5", "1.5", "lots", "-3"]) {
      expect(() => databaseShareConfig({ OUTPOST_DB_TENANT_CONNECTIONS: value })).toThrow(
        `OUTPOST_DB_TENANT_CONNECTIONS must be a whole number from 1 to 4, got ${value}`,
      );
    }
    for (const value of ["0", "1048577", "0.5", "fast", "-16"]) {
      expect(() => databaseShareConfig({ OUTPOST_DB_TENANT_MIB_PER_SECOND: value })).toThrow(
        `OUTPOST_DB_TENANT_MIB_PER_SECOND must be a whole number from 1 to 1048576, got ${value}`,
      );
    }
  });
});
