// env.VAULT (the tenant's vault) and Secrets Store-style bindings (`await env.API_KEY.get()`)
// in tenant isolates, over the runner's Vault entrypoint.
import type { VaultRunner } from "../runner/vault/contract.ts";
import { secretProblem } from "../runner/vault/validate.ts";

export class VaultBinding {
  readonly #runner: VaultRunner;

  constructor(runner: VaultRunner) {
    this.#runner = runner;
  }

  /** The secret's value, or null if the vault has none by that name. */
  get(name: string): Promise<string | null> {
    return this.#runner.read(String(name));
  }

  set(name: string, value: string): Promise<void> {
    // Checked here as well: RPC carries strings as UTF-8, so the runner would never see a lone surrogate.
    const problem = secretProblem(String(name), value);
    if (problem) return Promise.reject(new TypeError(`Vault set failed: ${problem}`));
    return this.#runner.write(String(name), value);
  }

  delete(name: string): Promise<void> {
    return this.#runner.remove(String(name));
  }

  /** Names only: values are read one at a time with get(). */
  list(): Promise<string[]> {
    return this.#runner.names();
  }
}

/** Cloudflare Secrets Store's binding shape: https://developers.cloudflare.com/secrets-store/integrations/workers/ */
export class SecretsStoreSecret {
  readonly #runner: VaultRunner;

  constructor(runner: VaultRunner) {
    this.#runner = runner;
  }

  get(): Promise<string> {
    return this.#runner.readBound();
  }
}
