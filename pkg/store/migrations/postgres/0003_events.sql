-- Change events: webhook endpoints, the event log, deliveries (which are
-- also the delivery job queue), and the state of virtual webhooks (poll
-- schedules, per-object cursors, record fingerprints).

CREATE TABLE webhook_endpoints (
    id                          TEXT PRIMARY KEY,
    project_id                  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    description                 TEXT NOT NULL DEFAULT '',
    event_types                 TEXT NOT NULL DEFAULT '',
    connections                 TEXT NOT NULL DEFAULT '',
    fields                      TEXT NOT NULL DEFAULT '',
    disabled                    INTEGER NOT NULL DEFAULT 0,
    disabled_reason             TEXT NOT NULL DEFAULT '',
    key_id                      TEXT NOT NULL,
    sealed_secret               BYTEA NOT NULL,
    previous_key_id             TEXT NOT NULL DEFAULT '',
    previous_sealed_secret      BYTEA,
    previous_secret_expire_time BIGINT,
    -- When the receiver started failing without a success since: the
    -- endpoint is disabled once that is three days ago.
    failing_since               BIGINT,
    create_time                 BIGINT NOT NULL,
    update_time                 BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_project ON webhook_endpoints (project_id, create_time);

-- Events keep no foreign key to connections: a connection.deleted event
-- outlives its connection.
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    connection_id TEXT NOT NULL DEFAULT '',
    integration   TEXT NOT NULL DEFAULT '',
    source        INTEGER NOT NULL,
    occurred_time BIGINT NOT NULL,
    create_time   BIGINT NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX events_by_project ON events (project_id, create_time, id);

-- A delivery is one event on its way to one endpoint, and the job that
-- sends it: due when PENDING (1) and next_attempt_time has passed. A worker
-- claims it by moving next_attempt_time past its send timeout under a fresh
-- lease_token, so a crashed worker's claim simply falls due again.
CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    endpoint_id       TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id          TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type        TEXT NOT NULL,
    state             INTEGER NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_time BIGINT NOT NULL,
    lease_token       TEXT NOT NULL DEFAULT '',
    create_time       BIGINT NOT NULL,
    complete_time     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_time);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, create_time, id);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    attempt_time BIGINT NOT NULL,
    http_status  INTEGER NOT NULL,
    latency_us   BIGINT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);

-- One row per polled connection: its schedule and the lease that keeps two
-- replicas from polling it at once.
CREATE TABLE poll_connections (
    connection_id  TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    project_id     TEXT NOT NULL,
    interval_us    BIGINT NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    next_poll_time BIGINT NOT NULL,
    lease_owner    TEXT NOT NULL DEFAULT '',
    lease_until    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX poll_connections_due ON poll_connections (next_poll_time);

CREATE TABLE poll_objects (
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    object          TEXT NOT NULL,
    baseline_done   INTEGER NOT NULL DEFAULT 0,
    cursor_time     BIGINT NOT NULL DEFAULT 0,
    last_poll_time  BIGINT NOT NULL DEFAULT 0,
    last_sweep_time BIGINT NOT NULL DEFAULT 0,
    sweep_gen       BIGINT NOT NULL DEFAULT 0,
    unsupported     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (connection_id, object)
);

-- What Unimesh knows of a provider's records: ids and hashes of their
-- normalized form, never the records themselves.
CREATE TABLE record_fingerprints (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    object        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    fingerprint   BYTEA NOT NULL,
    sweep_gen     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (connection_id, object, record_id)
);

-- Positions of the events service's readers of other tables (the platform
-- events that connect writes), with a lease so one replica reads at a time.
CREATE TABLE event_cursors (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX platform_events_by_time ON platform_events (occurred_time);

-- Native webhook subscriptions: one per connection whose provider pushes
-- changes. The secret is the one the provider presents or signs with;
-- state is what the connector needs to unsubscribe (the provider's ids).
CREATE TABLE native_subscriptions (
    connection_id TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    status        INTEGER NOT NULL,
    key_id        TEXT NOT NULL DEFAULT '',
    sealed_secret BYTEA,
    state         TEXT NOT NULL DEFAULT '',
    objects       TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    update_time   BIGINT NOT NULL
);
