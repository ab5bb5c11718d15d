//! Schema migrations, applied in order at start-up and recorded in `schema_migrations`.
//!
//! The SQL is shared by both backends; `{pk}` becomes the auto-increment primary key of each.

use sqlx::Executor as _;
use sqlx::Row as _;

use super::{Backend, Db};

/// `(version, statements)`, oldest first. Never edit a released migration: add one.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE users (
    id {pk},
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    token_version BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE refresh_tokens (
    id {pk},
    token_hash TEXT NOT NULL UNIQUE,
    family TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE TABLE revoked_access_tokens (
    jti TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE TABLE packs (
    id {pk},
    ref TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE actions (
    id {pk},
    pack_id BIGINT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    runner_type TEXT NOT NULL,
    entry_point TEXT NOT NULL,
    parameters TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (pack_id, name)
);
CREATE TABLE triggers (
    id {pk},
    pack_id BIGINT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    payload_schema TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (pack_id, name)
);
CREATE TABLE sensors (
    id {pk},
    pack_id BIGINT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    trigger_id BIGINT NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    entry_point TEXT NOT NULL,
    poll_interval_secs BIGINT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (pack_id, name)
);
CREATE TABLE rules (
    id {pk},
    pack_id BIGINT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    trigger_id BIGINT NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
    action_id BIGINT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    criteria TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (pack_id, name)
);
CREATE TABLE executions (
    id {pk},
    action_id BIGINT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    parameters TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX executions_status ON executions(status);
CREATE TABLE events (
    id {pk},
    trigger_id BIGINT NOT NULL REFERENCES triggers(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE enforcements (
    id {pk},
    rule_id BIGINT NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    event_id BIGINT REFERENCES events(id) ON DELETE SET NULL,
    execution_id BIGINT REFERENCES executions(id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE inquiries (
    id {pk},
    execution_id BIGINT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    prompt TEXT NOT NULL,
    response_schema TEXT NOT NULL,
    status TEXT NOT NULL,
    response TEXT,
    responded_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE workflows (
    id {pk},
    pack_id BIGINT NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    definition TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (pack_id, name)
);
CREATE TABLE keys (
    id {pk},
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id {pk},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    ip TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor);
"#,
    ),
    (
        2,
        r#"
CREATE TABLE personal_access_tokens (
    id {pk},
    public_id TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    packs TEXT,
    expires_at BIGINT,
    revoked INTEGER NOT NULL DEFAULT 0,
    last_used_at TEXT,
    last_used_ip TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE api_keys (
    id {pk},
    public_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    packs TEXT,
    rate_limit_per_min BIGINT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    last_used_at TEXT,
    last_used_ip TEXT,
    created_at TEXT NOT NULL
);
"#,
    ),
    (
        3,
        r#"
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start_ms BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
"#,
    ),
];

/// Key of the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x6175_7468_6368_6b00;

/// Applies the migrations not yet recorded, each in a transaction. On PostgreSQL an advisory lock
/// serialises servers starting together; SQLite's write lock does the same there.
pub async fn migrate(db: &Db) -> Result<(), sqlx::Error> {
    let pk = match db.backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply(&mut conn, pk).await;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply(conn: &mut sqlx::AnyConnection, pk: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection as _;
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .await?;
    for (version, sql) in MIGRATIONS {
        let mut tx = conn.begin().await?;
        let done = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if done > 0 {
            continue;
        }
        for statement in sql.replace("{pk}", pk).split(';') {
            if !statement.trim().is_empty() {
                tx.execute(statement).await?;
            }
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(super::now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}
