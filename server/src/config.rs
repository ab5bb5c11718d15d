//! Server configuration: an optional TOML file overridden by environment variables.
//!
//! The file is `authcheck-server.toml` in the working directory, or the path in `AUTHCHECK_CONFIG`.
//! Every key can be set by an environment variable (listed in `server/README.md`); the environment wins.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use rand::RngCore as _;
use serde::Deserialize;

/// Shortest JWT secret accepted in production mode, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid value for {key}: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("production mode requires {key} of at least {MIN_SECRET_LEN} bytes")]
    WeakSecret { key: &'static str },
    #[error("cannot prepare the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How strictly secrets are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Missing secrets are generated (with a warning).
    Development,
    /// Missing or short secrets stop the server.
    Production,
}

/// The configuration file, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    mode: Option<Mode>,
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    jwt_secret: Option<String>,
    keys_secret: Option<String>,
    allow_registration: Option<bool>,
    access_token_ttl_secs: Option<i64>,
    refresh_token_ttl_secs: Option<i64>,
    body_limit_bytes: Option<usize>,
    cors_origins: Option<Vec<String>>,
    auth_rate_limit_per_min: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    forwarded_header: Option<ForwardedHeader>,
    header_read_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    audit_retention_days: Option<u32>,
}

/// The header a trusted proxy appends the client's address to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    pub mode: Mode,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub jwt_secret: Vec<u8>,
    /// 32-byte key of the AEAD that encrypts key values at rest.
    pub keys_secret: [u8; 32],
    pub allow_registration: bool,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub body_limit_bytes: usize,
    pub cors_origins: Vec<String>,
    /// Requests per minute per client IP on `/auth/*`.
    pub auth_rate_limit_per_min: u32,
    /// Peers whose forwarded-for header is believed (none by default: the TCP peer is the client).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Which header the trusted proxies append the client's address to.
    pub forwarded_header: ForwardedHeader,
    /// A connection must deliver a request's headers within this time (also the idle keep-alive limit).
    pub header_read_timeout: Duration,
    /// A request must be read and answered within this time, headers excluded.
    pub request_timeout: Duration,
    /// How long a shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Audit entries older than this many days are pruned; `None` keeps everything.
    pub audit_retention_days: Option<u32>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("mode", &self.mode)
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("jwt_secret", &"<redacted>")
            .field("keys_secret", &"<redacted>")
            .field("allow_registration", &self.allow_registration)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("forwarded_header", &self.forwarded_header)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("audit_retention_days", &self.audit_retention_days)
            .finish_non_exhaustive()
    }
}

/// The URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Reads one variable from an environment given as a lookup function (tests pass their own).
type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Config {
    /// Loads the file named by `AUTHCHECK_CONFIG` (or `authcheck-server.toml` if it exists) and the
    /// process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        let path = env("AUTHCHECK_CONFIG").map(PathBuf::from).or_else(|| {
            let default = PathBuf::from("authcheck-server.toml");
            default.exists().then_some(default)
        });
        let file = match path {
            Some(path) => read_file(&path)?,
            None => FileConfig::default(),
        };
        Self::resolve(file, &env)
    }

    /// A development configuration for a data dir, used by tests and tools.
    pub fn for_data_dir(data_dir: &Path) -> Result<Self, ConfigError> {
        let file = FileConfig {
            data_dir: Some(data_dir.to_owned()),
            ..FileConfig::default()
        };
        Self::resolve(file, &|_| None)
    }

    fn resolve(file: FileConfig, env: Env<'_>) -> Result<Self, ConfigError> {
        let mode = match env("AUTHCHECK_MODE") {
            Some(v) => match v.as_str() {
                "production" => Mode::Production,
                "development" => Mode::Development,
                _ => {
                    return Err(ConfigError::Invalid {
                        key: "AUTHCHECK_MODE",
                        message: "expected `production` or `development`".into(),
                    })
                }
            },
            None => file.mode.unwrap_or(Mode::Development),
        };
        let listen_text = env("AUTHCHECK_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text.parse().map_err(|e| ConfigError::Invalid {
            key: "listen",
            message: format!("{listen_text:?}: {e}"),
        })?;
        let data_dir = env("AUTHCHECK_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        std::fs::create_dir_all(&data_dir).map_err(|source| ConfigError::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("authcheck.db").display()
                )
            });
        let jwt_secret = match env("AUTHCHECK_JWT_SECRET").or(file.jwt_secret) {
            Some(s) if mode == Mode::Production && s.len() < MIN_SECRET_LEN => {
                return Err(ConfigError::WeakSecret {
                    key: "AUTHCHECK_JWT_SECRET",
                })
            }
            Some(s) => s.into_bytes(),
            None if mode == Mode::Production => {
                return Err(ConfigError::WeakSecret {
                    key: "AUTHCHECK_JWT_SECRET",
                })
            }
            None => {
                tracing::warn!("no JWT secret configured: using a random one (tokens end with the process; set AUTHCHECK_JWT_SECRET)");
                random_bytes::<48>().to_vec()
            }
        };
        let keys_secret = match env("AUTHCHECK_KEYS_SECRET").or(file.keys_secret) {
            Some(s) => decode_key(&s)?,
            None if mode == Mode::Production => {
                return Err(ConfigError::WeakSecret {
                    key: "AUTHCHECK_KEYS_SECRET",
                })
            }
            None => dev_keys_secret(&data_dir)?,
        };
        let allow_registration = match env("AUTHCHECK_ALLOW_REGISTRATION") {
            Some(v) => parse_bool("AUTHCHECK_ALLOW_REGISTRATION", &v)?,
            None => file.allow_registration.unwrap_or(true),
        };
        let access_token_ttl_secs = env_num("AUTHCHECK_ACCESS_TOKEN_TTL_SECS", env)?
            .or(file.access_token_ttl_secs)
            .unwrap_or(900);
        let refresh_token_ttl_secs = env_num("AUTHCHECK_REFRESH_TOKEN_TTL_SECS", env)?
            .or(file.refresh_token_ttl_secs)
            .unwrap_or(14 * 24 * 3600);
        let body_limit_bytes = env_num("AUTHCHECK_BODY_LIMIT_BYTES", env)?
            .or(file.body_limit_bytes)
            .unwrap_or(256 * 1024);
        let cors_origins = match env("AUTHCHECK_CORS_ORIGINS") {
            Some(v) => v.split(',').map(|s| s.trim().to_owned()).collect(),
            None => file.cors_origins.unwrap_or_default(),
        };
        let auth_rate_limit_per_min = env_num("AUTHCHECK_AUTH_RATE_LIMIT_PER_MIN", env)?
            .or(file.auth_rate_limit_per_min)
            .unwrap_or(20);
        let trusted_proxies = match env("AUTHCHECK_TRUSTED_PROXIES") {
            Some(v) => v.split(',').map(|s| s.trim().to_owned()).collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        let trusted_proxies = parse_cidrs(&trusted_proxies)?;
        let forwarded_header = match env("AUTHCHECK_FORWARDED_HEADER") {
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "x-forwarded-for" => ForwardedHeader::XForwardedFor,
                "forwarded" => ForwardedHeader::Forwarded,
                _ => {
                    return Err(ConfigError::Invalid {
                        key: "AUTHCHECK_FORWARDED_HEADER",
                        message: "expected `x-forwarded-for` or `forwarded`".into(),
                    })
                }
            },
            None => file
                .forwarded_header
                .unwrap_or(ForwardedHeader::XForwardedFor),
        };
        let seconds = |key: &'static str, file: Option<u64>, default: u64| {
            let secs = env_num(key, env)?.or(file).unwrap_or(default);
            if secs == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "must be at least 1 second".into(),
                });
            }
            Ok(Duration::from_secs(secs))
        };
        let header_read_timeout = seconds(
            "AUTHCHECK_HEADER_READ_TIMEOUT_SECS",
            file.header_read_timeout_secs,
            10,
        )?;
        let request_timeout = seconds(
            "AUTHCHECK_REQUEST_TIMEOUT_SECS",
            file.request_timeout_secs,
            30,
        )?;
        let shutdown_grace = seconds(
            "AUTHCHECK_SHUTDOWN_GRACE_SECS",
            file.shutdown_grace_secs,
            30,
        )?;
        let audit_retention_days =
            env_num("AUTHCHECK_AUDIT_RETENTION_DAYS", env)?.or(file.audit_retention_days);
        if audit_retention_days == Some(0) {
            return Err(ConfigError::Invalid {
                key: "audit_retention_days",
                message: "must be at least 1 (leave it unset to keep everything)".into(),
            });
        }
        Ok(Self {
            mode,
            listen,
            data_dir,
            database_url,
            jwt_secret,
            keys_secret,
            allow_registration,
            access_token_ttl_secs,
            refresh_token_ttl_secs,
            body_limit_bytes,
            cors_origins,
            auth_rate_limit_per_min,
            trusted_proxies,
            forwarded_header,
            header_read_timeout,
            request_timeout,
            shutdown_grace,
            audit_retention_days,
        })
    }
}

/// CIDRs (`10.0.0.0/8`, `fd00::/8`) or single addresses (a /32 or /128).
fn parse_cidrs(items: &[String]) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    items
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    key: "trusted_proxies",
                    message: format!("{s:?} is not a CIDR or an IP address"),
                })
        })
        .collect()
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_owned(),
        source,
    })
}

fn env_num<T: std::str::FromStr>(key: &'static str, env: Env<'_>) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    env(key)
        .map(|v| {
            v.parse().map_err(|e: T::Err| ConfigError::Invalid {
                key,
                message: e.to_string(),
            })
        })
        .transpose()
}

fn parse_bool(key: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            key,
            message: format!("{v:?} is not a boolean"),
        }),
    }
}

/// A keys secret is 32 bytes in standard base64 (`openssl rand -base64 32`).
fn decode_key(text: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| ConfigError::Invalid {
            key: "AUTHCHECK_KEYS_SECRET",
            message: format!("not base64: {e}"),
        })?;
    bytes.try_into().map_err(|_| ConfigError::Invalid {
        key: "AUTHCHECK_KEYS_SECRET",
        message: "must decode to exactly 32 bytes".into(),
    })
}

/// In development the keys secret is generated once and kept in the data dir, so stored keys stay
/// readable across restarts.
fn dev_keys_secret(data_dir: &Path) -> Result<[u8; 32], ConfigError> {
    let path = data_dir.join("keys.secret");
    let io = |source| ConfigError::DataDir {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => decode_key(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = random_bytes::<32>();
            let text = base64::engine::general_purpose::STANDARD.encode(key);
            write_private(&path, &text).map_err(io)?;
            tracing::warn!(path = %path.display(), "generated a development keys secret; set AUTHCHECK_KEYS_SECRET in production");
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// `N` bytes from the OS random generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn production_refuses_short_or_missing_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = || FileConfig {
            data_dir: Some(dir.path().to_owned()),
            ..FileConfig::default()
        };
        let short = env_of(&[
            ("AUTHCHECK_MODE", "production"),
            ("AUTHCHECK_JWT_SECRET", "short"),
        ]);
        assert!(matches!(
            Config::resolve(file(), &short),
            Err(ConfigError::WeakSecret { .. })
        ));
        let missing = env_of(&[("AUTHCHECK_MODE", "production")]);
        assert!(Config::resolve(file(), &missing).is_err());
        let ok = env_of(&[
            ("AUTHCHECK_MODE", "production"),
            ("AUTHCHECK_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            (
                "AUTHCHECK_KEYS_SECRET",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ),
        ]);
        let config = Config::resolve(file(), &ok).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert!(!format!("{config:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn dev_keys_secret_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = Config::for_data_dir(dir.path()).unwrap();
        let b = Config::for_data_dir(dir.path()).unwrap();
        assert_eq!(a.keys_secret, b.keys_secret);
        assert_ne!(a.jwt_secret, b.jwt_secret);
    }

    #[test]
    fn file_keys_are_checked_and_env_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nallow_registration = false\n",
        )
        .unwrap();
        let file = read_file(&path).unwrap();
        let env = env_of(&[("AUTHCHECK_LISTEN", "127.0.0.1:9001")]);
        let file = FileConfig {
            data_dir: Some(dir.path().to_owned()),
            ..file
        };
        let config = Config::resolve(file, &env).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9001");
        assert!(!config.allow_registration);
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = read_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("unknown field") && err.contains("server.toml"),
            "{err}"
        );
    }

    #[test]
    fn scaling_settings_have_defaults_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = || FileConfig {
            data_dir: Some(dir.path().to_owned()),
            ..FileConfig::default()
        };
        let config = Config::resolve(file(), &|_| None).unwrap();
        assert!(config.trusted_proxies.is_empty());
        assert_eq!(config.forwarded_header, ForwardedHeader::XForwardedFor);
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert_eq!(config.audit_retention_days, None);
        let env = env_of(&[
            (
                "AUTHCHECK_TRUSTED_PROXIES",
                "10.0.0.0/8, 192.0.2.7,fd00::/8",
            ),
            ("AUTHCHECK_FORWARDED_HEADER", "Forwarded"),
            ("AUTHCHECK_AUDIT_RETENTION_DAYS", "90"),
        ]);
        let config = Config::resolve(file(), &env).unwrap();
        let proxies: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]);
        assert_eq!(config.forwarded_header, ForwardedHeader::Forwarded);
        assert_eq!(config.audit_retention_days, Some(90));
        for (key, value) in [
            ("AUTHCHECK_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("AUTHCHECK_TRUSTED_PROXIES", "proxy.local"),
            ("AUTHCHECK_FORWARDED_HEADER", "x-real-ip"),
            ("AUTHCHECK_REQUEST_TIMEOUT_SECS", "0"),
            ("AUTHCHECK_AUDIT_RETENTION_DAYS", "0"),
        ] {
            let env = move |k: &str| (k == key).then(|| value.to_owned());
            let err = Config::resolve(file(), &env).unwrap_err().to_string();
            assert!(err.contains("invalid value"), "{key}={value}: {err}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
