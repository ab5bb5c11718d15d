//! The base URL a probe is sent to, and the safety check that runs before any request: its host
//! must be a loopback address unless remote targets are allowed. A host name is resolved first
//! and every address it resolves to must be loopback; those checked addresses are the only ones
//! the sender ever connects to (`send` pins them), so a name cannot point elsewhere later.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use ureq::http::Uri;

/// Resolves a host name to its addresses (the system resolver, or a stand-in in tests).
pub type Resolve<'a> = &'a dyn Fn(&str, u16) -> io::Result<Vec<IpAddr>>;

/// A checked base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// `http` or `https`.
    pub scheme: String,
    /// The host as written: a name, an IPv4 literal, or an IPv6 literal without brackets.
    pub host: String,
    pub port: u16,
    /// The path the application is mounted under, without a trailing `/` (`""` at the root).
    pub prefix: String,
    /// Every address `host` stands for: the only ones a request may connect to.
    pub addrs: Vec<SocketAddr>,
}

impl BaseUrl {
    /// `host:port`, with brackets around an IPv6 literal.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The full URL of a request path (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}://{}{}{path}",
            self.scheme,
            self.authority(),
            self.prefix
        )
    }

    /// The base URL as it is shown to people.
    pub fn display(&self) -> String {
        self.url("")
    }

    /// Whether every address is a loopback address.
    pub fn is_loopback(&self) -> bool {
        self.addrs.iter().all(|a| is_loopback(a.ip()))
    }
}

/// Why a base URL is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("base URL `{url}` is not valid: {reason}")]
    Invalid { url: String, reason: String },
    #[error("cannot resolve the host of base URL `{url}`: {reason}")]
    Unresolvable { url: String, reason: String },
    #[error(
        "base URL `{url}` is not a loopback address{}; the probe only sends requests to this \
         machine unless --allow-remote is given for a test deployment",
        resolved_from.as_ref().map(|name| format!(" (`{name}` resolves to {addr})")).unwrap_or_default()
    )]
    NotLoopback {
        url: String,
        /// The host name that resolved to `addr` (`None` for an address literal).
        resolved_from: Option<String>,
        addr: IpAddr,
    },
}

/// Loopback: 127.0.0.0/8, `::1`, and IPv4-mapped `::ffff:127.x.y.z`.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The system resolver (`getaddrinfo`: `/etc/hosts`, then DNS).
pub fn system_resolve(host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
    Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
}

/// Parses `url` and resolves its host; refuses it unless every address is loopback or
/// `allow_remote` is set. Opens no connection to the target.
pub fn check(url: &str, allow_remote: bool, resolve: Resolve) -> Result<BaseUrl, TargetError> {
    let invalid = |reason: &str| TargetError::Invalid {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let uri: Uri = url.parse().map_err(|e| invalid(&format!("{e}")))?;
    let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some(s @ ("http" | "https")) => s.to_string(),
        Some(other) => return Err(invalid(&format!("scheme `{other}` is not http or https"))),
        None => return Err(invalid("it needs a scheme: `http://127.0.0.1:8080`")),
    };
    let authority = uri.authority().ok_or_else(|| invalid("it names no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid(
            "credentials in the URL are not supported: use --token-env",
        ));
    }
    if uri.query().is_some() {
        return Err(invalid("it must not have a query string"));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() {
        return Err(invalid("it names no host"));
    }
    let port_text = authority
        .as_str()
        .rsplit_once(']')
        .map_or(authority.as_str(), |(_, after)| after)
        .split_once(':')
        .map(|(_, port)| port);
    let port = match (port_text, authority.port_u16()) {
        (_, Some(port)) => port,
        (None | Some(""), None) => {
            if scheme == "https" {
                443
            } else {
                80
            }
        }
        (Some(text), None) => return Err(invalid(&format!("port `{text}` is not a port number"))),
    };
    let literal = host.parse::<IpAddr>().ok();
    let ips = match literal {
        Some(ip) => vec![ip],
        None => resolve(&host, port).map_err(|e| TargetError::Unresolvable {
            url: url.to_string(),
            reason: e.to_string(),
        })?,
    };
    if ips.is_empty() {
        return Err(TargetError::Unresolvable {
            url: url.to_string(),
            reason: format!("`{host}` has no address"),
        });
    }
    if !allow_remote {
        if let Some(&addr) = ips.iter().find(|ip| !is_loopback(**ip)) {
            return Err(TargetError::NotLoopback {
                url: url.to_string(),
                resolved_from: literal.is_none().then_some(host),
                addr,
            });
        }
    }
    Ok(BaseUrl {
        scheme,
        host,
        port,
        prefix: uri.path().trim_end_matches('/').to_string(),
        addrs: ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver that knows a few names and must not be asked about literals.
    fn fake(host: &str, _port: u16) -> io::Result<Vec<IpAddr>> {
        let ips: &[&str] = match host {
            "localhost" => &["127.0.0.1", "::1"],
            "internal.example" => &["10.1.2.3"],
            "split.example" => &["127.0.0.1", "192.168.1.20"],
            "lo.example" => &["127.0.0.2"],
            "empty.example" => &[],
            "1.2.3.4" | "127.0.0.1" | "::1" => panic!("literal {host} was resolved"),
            _ => return Err(io::Error::other("no such host")),
        };
        Ok(ips.iter().map(|s| s.parse().unwrap()).collect())
    }

    fn ok(url: &str) -> BaseUrl {
        check(url, false, &fake).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn refused(url: &str) -> TargetError {
        check(url, false, &fake).expect_err(url)
    }

    #[test]
    fn loopback_literals_are_accepted_without_resolving() {
        let b = ok("http://127.0.0.1:8080");
        assert_eq!(b.addrs, vec!["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(b.display(), "http://127.0.0.1:8080");
        assert_eq!(ok("http://127.9.8.7:1/").port, 1);
        let v6 = ok("http://[::1]:3000/api/");
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.prefix, "/api");
        assert_eq!(v6.url("/x/1"), "http://[::1]:3000/api/x/1");
        ok("http://[::ffff:127.0.0.1]:80");
    }

    #[test]
    fn default_ports() {
        assert_eq!(ok("http://127.0.0.1").port, 80);
        assert_eq!(ok("HTTPS://127.0.0.1").port, 443);
    }

    #[test]
    fn names_must_resolve_to_loopback_only() {
        let b = ok("http://localhost:8080");
        assert_eq!(b.addrs.len(), 2);
        assert!(b.is_loopback());
        ok("http://lo.example:1");
        let e = refused("http://internal.example:8080");
        assert!(
            matches!(&e, TargetError::NotLoopback { addr, .. } if addr.to_string() == "10.1.2.3"),
            "{e}"
        );
        // One non-loopback address among loopback ones is enough to refuse.
        let e = refused("http://split.example:8080");
        assert!(
            matches!(&e, TargetError::NotLoopback { addr, .. } if addr.to_string() == "192.168.1.20"),
            "{e}"
        );
        assert!(matches!(
            refused("http://nowhere.example"),
            TargetError::Unresolvable { .. }
        ));
        assert!(matches!(
            refused("http://empty.example"),
            TargetError::Unresolvable { .. }
        ));
    }

    #[test]
    fn other_addresses_are_refused() {
        for url in [
            "http://1.2.3.4:8080",
            "http://0.0.0.0:8080",
            "http://[::]:8080",
            "http://[::ffff:10.0.0.1]:8080",
            "http://[fe80::1]:8080",
            "http://192.168.0.10",
        ] {
            assert!(
                matches!(refused(url), TargetError::NotLoopback { .. }),
                "{url}"
            );
        }
        let message = refused("http://1.2.3.4:8080").to_string();
        assert!(message.contains("--allow-remote"), "{message}");
        let message = refused("http://internal.example:8080").to_string();
        assert!(
            message.contains("(`internal.example` resolves to 10.1.2.3)"),
            "{message}"
        );
    }

    #[test]
    fn allow_remote_accepts_and_still_pins_the_addresses() {
        let b = check("https://internal.example/v1", true, &fake).unwrap();
        assert_eq!(b.addrs, vec!["10.1.2.3:443".parse().unwrap()]);
        assert!(!b.is_loopback());
        assert_eq!(b.url("/x"), "https://internal.example:443/v1/x");
    }

    #[test]
    fn malformed_urls_are_usage_errors() {
        for url in [
            "127.0.0.1:8080",
            "ftp://127.0.0.1",
            "http://user:pw@127.0.0.1",
            "http://127.0.0.1/?a=b",
            "http://",
            "/just/a/path",
            "http://127.0.0.1:99999",
            "",
        ] {
            assert!(
                matches!(refused(url), TargetError::Invalid { .. }),
                "{url}: {:?}",
                check(url, false, &fake)
            );
        }
    }
}
