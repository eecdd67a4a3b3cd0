-- OAuth apps, connect sessions, OAuth states, console sessions, the request
-- log, platform events, and the bookkeeping of token refresh.

-- version grows with every write of a credential, so that a refresh that
-- raced a re-connect never overwrites the newer tokens. The refresh lease is
-- the lock that lets one replica refresh a connection at a time: a row
-- lock that survives the holder's crash by expiring.
ALTER TABLE credentials ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE credentials ADD COLUMN refreshable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN refresh_lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN refresh_lease_until INTEGER;
ALTER TABLE credentials ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN next_refresh_time INTEGER;
CREATE INDEX credentials_to_refresh ON credentials (refreshable, expire_time);

CREATE TABLE oauth_apps (
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    integration   TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    scopes        TEXT NOT NULL DEFAULT '',
    redirect_uri  TEXT NOT NULL DEFAULT '',
    create_time   INTEGER NOT NULL,
    update_time   INTEGER NOT NULL,
    PRIMARY KEY (project_id, integration)
);

CREATE TABLE connect_sessions (
    id                      TEXT PRIMARY KEY,
    project_id              TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    token_hash              BLOB NOT NULL UNIQUE,
    end_user_origin_id      TEXT NOT NULL,
    end_user_name           TEXT NOT NULL DEFAULT '',
    end_user_email          TEXT NOT NULL DEFAULT '',
    integrations            TEXT NOT NULL DEFAULT '',
    reconnect_connection_id TEXT NOT NULL DEFAULT '',
    return_url              TEXT NOT NULL DEFAULT '',
    state                   INTEGER NOT NULL,
    connection_id           TEXT NOT NULL DEFAULT '',
    create_time             INTEGER NOT NULL,
    expire_time             INTEGER NOT NULL,
    complete_time           INTEGER
);
CREATE INDEX connect_sessions_by_project ON connect_sessions (project_id, create_time DESC, id DESC);

-- One row per OAuth redirect: the PKCE verifier (sealed) and what the
-- callback must match. used_time makes a state single-use.
CREATE TABLE oauth_states (
    id              TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES connect_sessions (id) ON DELETE CASCADE,
    integration     TEXT NOT NULL,
    config          TEXT NOT NULL DEFAULT '{}',
    redirect_uri    TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    sealed_verifier BLOB NOT NULL,
    binding_hash    BLOB NOT NULL,
    create_time     INTEGER NOT NULL,
    expire_time     INTEGER NOT NULL,
    used_time       INTEGER
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expire_time);

CREATE TABLE console_sessions (
    token_hash  BLOB PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    api_key_id  TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    expire_time INTEGER NOT NULL
);

CREATE TABLE request_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    time          INTEGER NOT NULL,
    transport     TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    status        INTEGER NOT NULL,
    code          TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    duration_us   INTEGER NOT NULL,
    trace_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX request_log_by_connection ON request_log (connection_id, time DESC, id DESC);

-- Events about the platform itself (connection.needs_reauth, ...), for the
-- events service to deliver.
CREATE TABLE platform_events (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    connection_id TEXT NOT NULL DEFAULT '',
    occurred_time INTEGER NOT NULL,
    data          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX platform_events_by_project ON platform_events (project_id, occurred_time);
