import { describe, expect, it } from "vitest";
import { databaseShareConfig } from "../../cli/database-share-config.js";

describe("databaseShareConfig", () => {
  it("databaseShareConfig: by default a tenant runs at most 3 of a process's 4 database calls at once", () => {
    expect(databaseShareConfig({})).toEqual({ databaseTenantCalls: 3 });
  });

  it("databaseShareConfig: reads the operator's setting", () => {
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_CALLS: "2" })).toEqual({ databaseTenantCalls: 2 });
    expect(databaseShareConfig({ OUTPOST_DB_TENANT_CALLS: "4" })).toEqual({ databaseTenantCalls: 4 });
  });

  it("databaseShareConfig: bad values are refused, naming the variable", () => {
    for (const value of ["0", "5", "1.5", "lots", "-3"]) {
      expect(() => databaseShareConfig({ OUTPOST_DB_TENANT_CALLS: value })).toThrow(`OUTPOST_DB_TENANT_CALLS must be a whole number from 1 to 4, got ${value}`);
    }
  });
});
