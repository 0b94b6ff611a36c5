import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { VAULT_SCOPE } from "./constants.ts";
import { UndecryptableSecret, deleteSecret, getSecret, listSecrets, putSecret } from "./store.ts";
import { secretProblem } from "./validate.ts";
import type { VaultProps, VaultRunner } from "./contract.ts";
import { storageStep, tenantFacing } from "../tenant-errors.ts";

/**
 * The vault's server side: the tenant's named secrets, reachable only with props minted for
 * that tenant (its method names: see contract.ts).
 */
export class Vault extends WorkerEntrypoint<Env, VaultProps> implements VaultRunner {
  async read(name: string): Promise<string | null> {
    this.#check("get", name);
    return this.#read(name);
  }

  async write(name: string, value: string): Promise<void> {
    this.#check("set", name, value);
    await storageStep("database", () => putSecret(this.env, this.#identity(name), value));
  }

  async remove(name: string): Promise<void> {
    this.#check("delete", name);
    await storageStep("database", () => deleteSecret(this.env, this.#identity(name)));
  }

  async names(): Promise<string[]> {
    this.#writable("list");
    return (await storageStep("database", () => listSecrets(this.env, this.ctx.props.tenant, VAULT_SCOPE))).map((row) => row.name);
  }

  /** The Secrets Store-style binding's `get()`: its one secret, which must exist. */
  async readBound(): Promise<string> {
    const { secret, binding } = this.ctx.props;
    if (secret === undefined) throw new TypeError(`${binding} is a vault binding, not a single secret.`);
    const value = await this.#read(secret);
    if (value === null) throw new Error(`Secret ${secret} (binding ${binding}) was not found in the vault.`);
    return value;
  }

  // A value that fails authentication is reported as such (store.ts), not as a storage failure.
  #read(name: string): Promise<string | null> {
    return storageStep(
      "database",
      () => getSecret(this.env, this.#identity(name)),
      (error) => error instanceof UndecryptableSecret,
    );
  }

  #check(operation: string, name: string, value?: string): void {
    this.#writable(operation);
    const problem = secretProblem(name, value);
    if (problem) throw new TypeError(`Vault ${operation} failed: ${problem}`);
  }

  // A Secrets Store-style binding reads its one secret and nothing else.
  #writable(operation: string): void {
    if (this.ctx.props.secret !== undefined) throw new TypeError(`${this.ctx.props.binding} only supports get(), not ${operation}.`);
  }

  #identity(name: string) {
    return { tenant: this.ctx.props.tenant, scope: VAULT_SCOPE, name };
  }
}
const VAULT_OPERATIONS: Record<string, string> = { read: "get", readBound: "get", write: "set", remove: "delete", names: "list" };

// Neither the vault (Outpost's) nor Secrets Store has a documented wording for an internal
// failure; both follow workerd's "<binding> <operation> failed: <status text>" (KV, Queues).
tenantFacing<VaultProps>(Vault, {
  binding: "vault",
  operation: (method) => VAULT_OPERATIONS[method] ?? method,
  internal: (operation, { secret }) => new Error(`${secret === undefined ? "Vault" : "Secrets Store"} ${operation} failed: Internal Server Error`),
});
