//! Building list queries: equality filters with numbered placeholders, counted and paged.

use sqlx::any::AnyRow;

use crate::http::error::Error;
use crate::http::extract::{Page, Paging};

use super::Db;

/// A bound value.
enum Value {
    Int(i64),
    Text(String),
}

/// `WHERE` clauses and their values.
#[derive(Default)]
pub struct Filters {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Filters {
    /// `column = value`, when a value is given.
    pub fn int(mut self, column: &str, value: Option<i64>) -> Self {
        if let Some(v) = value {
            self.values.push(Value::Int(v));
            self.clauses
                .push(format!("{column} = ${}", self.values.len()));
        }
        self
    }

    /// `column = value`, when a value is given.
    pub fn text(mut self, column: &str, value: Option<String>) -> Self {
        if let Some(v) = value {
            self.values.push(Value::Text(v));
            self.clauses
                .push(format!("{column} = ${}", self.values.len()));
        }
        self
    }

    /// `column IN (..)`, when a set is given (a credential's pack scope).
    pub fn within(mut self, column: &str, set: Option<&[String]>) -> Self {
        if let Some(set) = set {
            let mut placeholders = Vec::with_capacity(set.len());
            for v in set {
                self.values.push(Value::Text(v.clone()));
                placeholders.push(format!("${}", self.values.len()));
            }
            if placeholders.is_empty() {
                self.clauses.push("1 = 0".to_owned());
            } else {
                self.clauses
                    .push(format!("{column} IN ({})", placeholders.join(", ")));
            }
        }
        self
    }

    /// `column = 1/0`, when a value is given.
    pub fn flag(self, column: &str, value: Option<bool>) -> Self {
        self.int(column, value.map(i64::from))
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.values {
            query = match value {
                Value::Int(v) => query.bind(*v),
                Value::Text(v) => query.bind(v.as_str()),
            };
        }
        query
    }
}

/// Runs `SELECT {columns} FROM {from} WHERE .. ORDER BY {order} LIMIT .. OFFSET ..` and the count.
pub async fn page<T>(
    db: &Db,
    columns: &str,
    from: &str,
    filters: Filters,
    order: &str,
    paging: Paging,
    map: fn(&AnyRow) -> Result<T, Error>,
) -> Result<Page<T>, Error> {
    use sqlx::Row as _;
    let where_sql = filters.sql();
    let count_sql = format!("SELECT COUNT(*) AS n FROM {from}{where_sql}");
    let total: i64 = filters
        .bind(sqlx::query(&count_sql))
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    let n = filters.values.len();
    let sql = format!(
        "SELECT {columns} FROM {from}{where_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = filters
        .bind(sqlx::query(&sql))
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(&db.pool)
        .await?;
    Ok(Page {
        items: rows.iter().map(map).collect::<Result<_, _>>()?,
        page: paging.page,
        per_page: paging.per_page,
        total,
    })
}
