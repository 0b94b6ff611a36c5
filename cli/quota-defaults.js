// Every tenant's quotas unless an operator set its own (docs/operations.md, "Quotas"). Written
// to the database's quota_defaults at every start, where the storage triggers read them.

/** @type {Record<string, number>} */
export const QUOTA_DEFAULTS = {
  kv_bytes: 1024 ** 3,
  r2_bytes: 10 * 1024 ** 3,
  queue_messages: 100_000,
  queue_bytes: 1024 ** 3,
  secrets: 1_000,
  workers: 100,
  versions: 1_000,
  routes: 1_000,
  domains: 100,
  tokens: 100,
  deploys_per_minute: 60,
  log_bytes_per_minute: 10 * 1024 ** 2,
  d1_databases: 100,
  d1_bytes: 10 * 1024 ** 3,
  d1_history_bytes: 10 * 1024 ** 3,
};
