import { type Scope, actingTenant } from "../control/scope.ts";
import { parse } from "./parse.ts";
import { TenantSchema } from "./schemas.ts";

/** The tenant a data route acts for: the token's, or `?tenant=` when an operator token names one. */
export const tenantOf = (scope: Scope, query: string | undefined): string =>
  actingTenant(scope, query === undefined ? undefined : parse(TenantSchema, query, "tenant"));
