//! PostgreSQL stopped, started and restarted under a running server: requests during the outage are
//! answered with the JSON envelope (503) within the pool's acquire timeout, and the server recovers
//! by itself once the database is back, with nothing half-written.
//!
//! The test runs its own throwaway PostgreSQL cluster (`initdb` + `pg_ctl` in a temp dir, on a free
//! port, as the `postgres` user when run as root), so stopping it disturbs no other test, in this
//! run or in anyone else's on the machine, that uses the server named by `TEST_DATABASE_URL`. It
//! needs the PostgreSQL server binaries and runs when `TEST_DATABASE_URL` is a postgres URL (as in
//! CI); otherwise it prints why and passes without running.

mod common;
mod net;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::TestApp;
use net::{request, serve};
use serde_json::json;

/// The newest `/usr/lib/postgresql/<ver>/bin` with `initdb` and `pg_ctl`, or the ones on PATH.
fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    if let Some((_, bin)) = dirs.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    bin.join("initdb").exists().then_some(bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A private cluster; stopped (immediately) when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let program = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        cmd.args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"))
    }

    fn pg_ctl(&self, action: &str, extra: &[&str]) {
        let data = self.data.to_str().unwrap();
        let log = self.data.with_file_name("pg.log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.parent().unwrap().display()
        );
        let mut args = vec![action, "-D", data, "-w", "-t", "30"];
        if action != "stop" {
            args.extend(["-o", &opts, "-l", log.to_str().unwrap()]);
        }
        args.extend(extra);
        let out = self.run("pg_ctl", &args);
        assert!(
            out.status.success(),
            "pg_ctl {action}: {}{}\nlog: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn start(bin: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            let id = |flag: &str| -> u32 {
                let o = Command::new("id")
                    .args([flag, "postgres"])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
            };
            std::os::unix::fs::chown(dir.path(), Some(id("-u")), Some(id("-g"))).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster {
            bin,
            data: dir.path().join("data"),
            port,
            as_postgres,
            _dir: dir,
        };
        let out = cluster.run(
            "initdb",
            &[
                "-D",
                cluster.data.to_str().unwrap(),
                "-U",
                "authcheck",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.pg_ctl("start", &[]);
        cluster
    }

    fn url(&self) -> String {
        format!("postgres://authcheck@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap().to_owned();
        let _ = self.run("pg_ctl", &["stop", "-D", &data, "-m", "immediate", "-w"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_survives_a_database_restart() {
    if !common::Db::Postgres.available() {
        eprintln!("TEST_DATABASE_URL is not a postgres URL: not run");
        return;
    }
    let Some(bin) = pg_bin_dir() else {
        eprintln!("no PostgreSQL server binaries (initdb, pg_ctl): not run");
        return;
    };
    let started = Instant::now();
    let cluster = Cluster::start(bin);
    // SQLite test app whose database URL is replaced by the private cluster's.
    let url = cluster.url();
    let t = TestApp::with(common::Db::Sqlite, |c| c.database_url = url).await;
    assert_eq!(t.state.db.backend, server::db::Backend::Postgres);
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    let create = |r: &str| json!({"ref": r, "name": "n"});
    let r = request(
        addr,
        "POST",
        "/api/v1/packs",
        Some(&tok),
        Some(&create("before")),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");

    // Outage: every kind of request is answered, with the envelope, within the acquire timeout.
    cluster.pg_ctl("stop", &["-m", "fast"]);
    let outage = Instant::now();
    let calls = [
        ("GET", "/health", None, None),
        ("GET", "/api/v1/packs", Some(tok.clone()), None),
        (
            "POST",
            "/api/v1/packs",
            Some(tok.clone()),
            Some(create("during")),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "ed", "password": common::PASSWORD})),
        ),
    ];
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(method, path, token, body)| {
            tokio::spawn(async move {
                (
                    method,
                    path,
                    request(addr, method, path, token.as_deref(), body.as_ref()).await,
                )
            })
        })
        .collect();
    for task in tasks {
        let (method, path, r) = task.await.unwrap();
        eprintln!(
            "{method} {path} during the outage: {} {} after {:?}",
            r.status,
            r.body,
            outage.elapsed()
        );
        assert_eq!(r.status, 503, "{method} {path} during the outage: {r:?}");
        r.assert_envelope();
        assert_eq!(r.header("content-type"), Some("application/json"), "{r:?}");
    }
    assert!(
        outage.elapsed() < server::db::ACQUIRE_TIMEOUT + Duration::from_secs(5),
        "outage answers took {:?}",
        outage.elapsed()
    );

    // Back up: the same server (same pool) serves again without a restart.
    cluster.pg_ctl("start", &[]);
    let back = Instant::now();
    loop {
        let r = request(addr, "GET", "/health", None, None).await;
        if r.status == 200 {
            break;
        }
        r.assert_envelope();
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "no recovery: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = request(
        addr,
        "POST",
        "/api/v1/packs",
        Some(&tok),
        Some(&create("after")),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");

    // A quick restart drops every pooled connection at once; the next requests still succeed
    // (dead connections are noticed when acquired and replaced).
    cluster.pg_ctl("restart", &["-m", "fast"]);
    for path in ["/health", "/api/v1/packs"] {
        let r = request(addr, "GET", path, Some(&tok), None).await;
        assert_eq!(r.status, 200, "{path} after a restart: {r:?}");
    }
    let r = request(addr, "GET", "/api/v1/packs", Some(&tok), None).await;
    let mut refs: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["ref"].as_str())
        .collect();
    refs.sort_unstable();
    // Nothing from the outage was written.
    assert_eq!(refs, ["after", "before"]);
    eprintln!("database restart test took {:?}", started.elapsed());
}
