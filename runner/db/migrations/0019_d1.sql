-- D1 databases: one per (tenant, name), created by a deploy that names it or by `outpost d1
-- create`. `id` names the database's object, which holds its tables (runner/d1/owner.ts): a
-- database deleted and created again gets a new id, so it never finds the old one's tables.
-- `cloudflare_id` is wrangler's `database_id`, recorded as given and used for nothing.
CREATE TABLE d1_databases (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant         text NOT NULL REFERENCES tenants (id),
  name           text NOT NULL,
  cloudflare_id  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, name)
);
