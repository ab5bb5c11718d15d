//! The audit log: who did what to which target, when, from where, with what outcome. Never a secret.
//!
//! A change and its entry are one transaction ([`Audited`]): the handler runs its statements on
//! the transaction and commits it with the entry, so either both are stored or neither (a failed
//! entry, an error or a cancelled handler rolls the change back). Entries that go with no change —
//! refusals, failed logins, decryptions — are appended on their own with [`record`].

use sqlx::AnyConnection;
use sqlx::{Any, Transaction};

use crate::db::Db;
use crate::http::error::Error;

/// Where a request came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub request_id: String,
}

/// Who is recorded as acting: a login, `login/pat:ID`, `apikey:NAME`, `cli` or `system`.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub origin: Origin,
}

async fn insert(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    target: &str,
    outcome: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, outcome, ip, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::db::now())
    .bind(actor.name.clone())
    .bind(action.to_owned())
    .bind(target.to_owned())
    .bind(outcome.to_owned())
    .bind(actor.origin.ip.clone())
    .bind(actor.origin.request_id.clone())
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends one entry that goes with no change (a refusal, a failed login, a read worth recording).
pub async fn record(
    db: &Db,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
    origin: &Origin,
) -> Result<(), Error> {
    let actor = Actor {
        name: actor.to_owned(),
        origin: origin.clone(),
    };
    let mut conn = db.pool.acquire().await?;
    insert(&mut conn, &actor, action, target, outcome).await
}

/// A change in progress, stored only together with its audit entry.
pub struct Audited {
    tx: Transaction<'static, Any>,
    actor: Actor,
}

impl Audited {
    /// Opens the transaction (on SQLite with the write lock taken at once, so that concurrent
    /// writers wait for each other instead of failing).
    pub async fn begin(db: &Db, actor: Actor) -> Result<Self, Error> {
        Ok(Self {
            tx: db.begin_write().await?,
            actor,
        })
    }

    /// The connection the change's statements run on.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Appends `action` on `target` (outcome `ok`) and commits the change with it.
    pub async fn commit(self, action: &str, target: &str) -> Result<(), Error> {
        self.commit_with(action, target, "ok").await
    }

    /// Appends an entry with another outcome (a refusal that also changes something, such as a
    /// reused refresh token revoking its family) and commits.
    pub async fn commit_with(
        mut self,
        action: &str,
        target: &str,
        outcome: &str,
    ) -> Result<(), Error> {
        insert(&mut self.tx, &self.actor, action, target, outcome).await?;
        self.tx.commit().await?;
        Ok(())
    }
}
