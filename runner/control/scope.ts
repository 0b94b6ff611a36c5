import { PlatformError } from "../errors.ts";

/** Who is calling the admin API: the operator (all tenants) or one tenant's token. */
export interface Scope {
  /** null for operator tokens */
  tenant: string | null;
  /** The stored token used (for the audit log); null for the operator token of the config. */
  token: { id: string; name: string } | null;
}

/** The tenant a request acts for: a tenant token's own, or the one an operator names. */
export function actingTenant(scope: Scope, requested: string | undefined): string {
  if (scope.tenant === null) return requested ?? "default";
  if (requested !== undefined && requested !== scope.tenant) {
    throw new PlatformError("ERR_FORBIDDEN", 403, `This token belongs to tenant ${scope.tenant}; it cannot act for tenant ${requested}.`);
  }
  return scope.tenant;
}

export function requireOperator(scope: Scope): void {
  if (scope.tenant !== null) throw new PlatformError("ERR_FORBIDDEN", 403, "This needs an operator token.");
}

/** Another tenant's worker is reported exactly like a missing one. */
export function workerNotFound(name: string): PlatformError {
  return new PlatformError("ERR_NOT_FOUND", 404, `No worker named ${name}.`);
}
