-- Queues: a tenant's named queues, created when a deploy names them. The counters feed the
-- operator view (messages moved to the dead-letter queue, or dropped for want of one).
CREATE TABLE queues (
  id             bigserial PRIMARY KEY,
  tenant         text NOT NULL REFERENCES tenants (id),
  name           text NOT NULL,
  dead_lettered  bigint NOT NULL DEFAULT 0,
  dropped        bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant, name)
);

-- One row per message until it is acknowledged. `visible_at` is when it may next be handed out
-- (sending + delay, a lease's end, a retry's delay); `seq` keeps FIFO order among messages
-- eligible at the same moment; `lease_id` identifies the holder of the current (or last) lease.
CREATE SEQUENCE queue_message_seq;
CREATE TABLE queue_messages (
  id            uuid PRIMARY KEY,
  queue_id      bigint NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
  seq           bigint NOT NULL DEFAULT nextval('queue_message_seq'),
  content_type  text NOT NULL CHECK (content_type IN ('text', 'bytes', 'json', 'v8')),
  body          bytea NOT NULL,
  size          integer NOT NULL,
  sent_at       timestamptz NOT NULL,
  visible_at    timestamptz NOT NULL,
  attempts      integer NOT NULL DEFAULT 0,
  lease_id      uuid
);
CREATE INDEX queue_messages_due ON queue_messages (queue_id, visible_at, seq);
CREATE INDEX queue_messages_leased ON queue_messages (lease_id) WHERE lease_id IS NOT NULL;

-- Cron ticks claimed by a host: the primary key makes each (worker, cron, tick) run exactly
-- once however many hosts reach for it.
CREATE TABLE cron_runs (
  worker          text NOT NULL,
  cron            text NOT NULL,
  scheduled_time  timestamptz NOT NULL,
  claimed_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  outcome         text,
  PRIMARY KEY (worker, cron, scheduled_time)
);
