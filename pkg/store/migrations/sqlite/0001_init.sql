-- Projects, API keys, connections and their sealed credentials.
-- Times are Unix microseconds (INTEGER), the same in both dialects, so that
-- every query is portable and no driver reinterprets a time zone.
CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    display_name   TEXT NOT NULL,
    secret_hash    BLOB NOT NULL,
    scopes         TEXT NOT NULL,
    create_time    INTEGER NOT NULL,
    last_used_time INTEGER
);
CREATE INDEX api_keys_by_project ON api_keys (project_id, create_time DESC, id DESC);

CREATE TABLE connections (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    integration        TEXT NOT NULL,
    status             INTEGER NOT NULL,
    status_detail      TEXT NOT NULL DEFAULT '',
    display_name       TEXT NOT NULL DEFAULT '',
    end_user_origin_id TEXT NOT NULL DEFAULT '',
    end_user_name      TEXT NOT NULL DEFAULT '',
    end_user_email     TEXT NOT NULL DEFAULT '',
    config             TEXT NOT NULL DEFAULT '{}',
    auth_type          INTEGER NOT NULL,
    scopes             TEXT NOT NULL DEFAULT '',
    create_time        INTEGER NOT NULL,
    update_time        INTEGER NOT NULL,
    last_used_time     INTEGER
);
CREATE INDEX connections_by_project ON connections (project_id, create_time DESC, id DESC);

CREATE TABLE credentials (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    key_id        TEXT NOT NULL,
    sealed        BLOB NOT NULL,
    expire_time   INTEGER,
    update_time   INTEGER NOT NULL
);
CREATE INDEX credentials_by_key ON credentials (key_id);
