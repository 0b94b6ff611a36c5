import { describe, expect, it } from "vitest";
import { databaseShareConfig } from "../../cli/database-share-config.js";

describe("databaseShareConfig", () => {
  it("databaseShareConfig: by default a tenant holds at most 3 of a process's 4 database connections at once", () => {
    expect(databaseShareConfig({})).toEqual({ databaseTenantConnections: 3 });
  });

  it("databaseShareConfig: reads the operator's setting", () => {
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_CONNECTIONS: "1" })).toEqual({ databaseTenantConnections: 1 });
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_CONNECTIONS: "4" })).toEqual({ databaseTenantConnections: 4 });
  });

  it("databaseShareConfig: bad values are refused, naming the variable", () => {
    for (const value of ["0", "5", "1.5", "lots", "-3"]) {
      expect(() => databaseShareConfig({ OUTPOST_DB_TENANT_CONNECTIONS: value })).toThrow(
        `OUTPOST_DB_TENANT_CONNECTIONS must be a whole number from 1 to 4, got ${value}`,
      );
    }
  });
});
