//! Test harness: a fresh database per test (SQLite in a temp dir, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` is a postgres URL), the router driven by `oneshot`, and helpers for tokens.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use server::config::Config;
use server::AppState;
use tower::ServiceExt as _;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub app: Router,
    pub state: AppState,
    pub _dir: tempfile::TempDir,
}

/// A response: status, headers and JSON body (Null when empty).
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl Resp {
    /// Asserts the error envelope with the status code inside.
    pub fn assert_envelope(&self, status: StatusCode) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.body["error"]["code"].as_u64(),
            Some(u64::from(status.as_u16())),
            "envelope: {}",
            self.body
        );
        assert!(self.body["error"]["message"].is_string(), "{}", self.body);
    }
}

/// The database a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    /// The server named by `TEST_DATABASE_URL`, a new database per test.
    Postgres,
}

impl Db {
    /// Whether this backend can be tested here.
    pub fn available(self) -> bool {
        match self {
            Db::Sqlite => true,
            Db::Postgres => {
                std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
            }
        }
    }
}

/// Runs a test body once per backend: `name::sqlite` always, `name::postgres` when
/// `TEST_DATABASE_URL` is a postgres URL (it passes without running otherwise).
#[macro_export]
macro_rules! both {
    ($name:ident, $db:ident => $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $db = common::Db::Sqlite;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if !common::Db::Postgres.available() {
                    eprintln!("TEST_DATABASE_URL is not a postgres URL: not run");
                    return;
                }
                let $db = common::Db::Postgres;
                $body
            }
        }
    };
}

/// Creates a fresh database for one test (a file in `dir` for SQLite).
pub async fn database_url(db: Db, dir: &std::path::Path) -> String {
    match (db, std::env::var("TEST_DATABASE_URL")) {
        (Db::Postgres, Ok(url)) => {
            use sqlx::Executor as _;
            sqlx::any::install_default_drivers();
            let name = format!("authcheck_test_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::AnyPool::connect(&url)
                .await
                .expect("connect TEST_DATABASE_URL");
            pool.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            pool.close().await;
            let (base, query) = match url.split_once('?') {
                Some((b, q)) => (b.to_owned(), format!("?{q}")),
                None => (url.clone(), String::new()),
            };
            let base = base
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(base);
            format!("{base}/{name}{query}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
    }
}

impl TestApp {
    pub async fn new(db: Db) -> Self {
        Self::with(db, |_| {}).await
    }

    pub async fn with(db: Db, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(db, dir.path()).await;
        Self::build(dir, url, tweak).await
    }

    /// An app (pool, limits, state of its own) on an existing database: several of them on one
    /// database are instances of one deployment.
    pub async fn on_database(url: String, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::build(tempfile::tempdir().unwrap(), url, tweak).await
    }

    async fn build(dir: tempfile::TempDir, url: String, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::for_data_dir(dir.path()).unwrap();
        config.database_url = url;
        config.jwt_secret = TEST_SECRET.to_vec();
        config.keys_secret = TEST_KEYS_SECRET;
        config.auth_rate_limit_per_min = 100_000;
        tweak(&mut config);
        let state = AppState::new(config).await.unwrap();
        let app = server::app(state.clone());
        TestApp {
            app,
            state,
            _dir: dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    pub async fn get(&self, uri: &str, token: &str) -> Resp {
        self.call("GET", uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> Resp {
        self.call("POST", uri, Some(token), Some(body)).await
    }

    pub async fn put(&self, uri: &str, token: &str, body: Value) -> Resp {
        self.call("PUT", uri, Some(token), Some(body)).await
    }

    pub async fn delete(&self, uri: &str, token: &str) -> Resp {
        self.call("DELETE", uri, Some(token), None).await
    }

    /// Logs in and returns the token pair's JSON.
    pub async fn login(&self, login: &str) -> Value {
        let r = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"login": login, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// Creates a user with a role and returns an access token.
    pub async fn user(&self, login: &str, role: &str) -> String {
        if role == "admin" {
            server::http::create_admin(&self.state, login, PASSWORD.into())
                .await
                .unwrap();
        } else {
            let r = self
                .call(
                    "POST",
                    "/api/v1/auth/register",
                    None,
                    Some(json!({"login": login, "password": PASSWORD})),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            if role != "viewer" {
                use sqlx::Executor as _;
                let sql = format!("UPDATE users SET role = '{role}' WHERE login = '{login}'");
                self.state.db.pool.execute(sql.as_str()).await.unwrap();
            }
        }
        self.login(login).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row as _;
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    }
}

/// Every operation of the served OpenAPI document: (method, path template, protected).
pub async fn operations(t: &TestApp) -> Vec<(String, String, bool)> {
    let r = t.call("GET", "/api-docs/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let mut ops = Vec::new();
    for (path, item) in r.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} documents no security"));
            let protected = security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.contains_key("bearer_auth")));
            ops.push((method.to_uppercase(), path.clone(), protected));
        }
    }
    ops.sort();
    ops
}

/// A concrete URI for a path template.
pub fn concrete(path: &str) -> String {
    path.replace("{pack_ref}", "core")
        .replace("{id}", "1")
        .replace("{name}", "api_token")
}

/// Signs arbitrary claims with the test secret (or another).
pub fn forge(secret: &[u8], typ: &str, exp_offset: i64, sub: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "authcheck-server", "aud": "authcheck-api", "sub": sub,
        "iat": now, "exp": now + exp_offset, "jti": uuid::Uuid::new_v4().to_string(),
        "typ": typ, "ver": 0
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

/// An unsigned token (`alg: none`) with otherwise valid claims.
pub fn alg_none(sub: &str) -> String {
    use base64::Engine as _;
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let now = chrono::Utc::now().timestamp();
    format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(
            json!({"iss": "authcheck-server", "aud": "authcheck-api", "sub": sub, "iat": now,
                   "exp": now + 600, "jti": "x", "typ": "access", "ver": 0})
        )
    )
}

pub const TEST_SECRET: &[u8] = b"test secret test secret test secret!!";
pub const TEST_KEYS_SECRET: [u8; 32] = [7; 32];
