//! The client's address behind reverse proxies: the TCP peer, unless the peer is a trusted proxy,
//! in which case the forwarded-for chain is walked from the right and the first address that is
//! not a trusted proxy is the client (the right-most untrusted address). Everything to the left of
//! it was written by the client itself and is ignored, so a client cannot choose its address.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::config::ForwardedHeader;

/// The client's address of a request, as resolved when it came in (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Which peers are believed, and which header they append to.
#[derive(Debug, Clone)]
pub struct Proxies {
    pub trusted: Vec<IpNet>,
    pub header: ForwardedHeader,
}

impl Proxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let chain = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded(headers),
        };
        // The peer is trusted; walk the hops it and the proxies before it reported, right to left.
        let mut nearest_trusted = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => nearest_trusted = *ip,
                Some(ip) => return *ip,
                // A trusted proxy reported something that is not an address: nothing to its left
                // can be believed, and the proxy itself is the nearest known hop.
                None => return nearest_trusted,
            }
        }
        // Every hop is a trusted proxy (or there is no header): the left-most one is the client.
        nearest_trusted
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, from dual-stack sockets) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Every `X-Forwarded-For` header, in order, split at commas; `None` for an entry that is not an IP.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| {
            let text = value.to_str().ok();
            let entries: Vec<Option<IpAddr>> = match text {
                Some(text) => text.split(',').map(|e| parse_node(e.trim())).collect(),
                None => vec![None],
            };
            entries
        })
        .collect()
}

/// The `for=` of every element of every `Forwarded` header (RFC 7239), in order.
fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|value| {
            let elements: Vec<Option<IpAddr>> = match value.to_str() {
                Ok(text) => text
                    .split(',')
                    .map(|element| {
                        element.split(';').find_map(|pair| {
                            let (name, value) = pair.trim().split_once('=')?;
                            name.trim()
                                .eq_ignore_ascii_case("for")
                                .then(|| value.trim().trim_matches('"'))
                        })
                    })
                    .map(|node| node.and_then(parse_node))
                    .collect(),
                Err(_) => vec![None],
            };
            elements
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        return ip.parse().ok().map(canonical);
    }
    let (ip, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(trusted: &[&str], header: ForwardedHeader) -> Proxies {
        Proxies {
            trusted: trusted.iter().map(|s| s.parse().unwrap()).collect(),
            header,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let p = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let h = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(p.client(ip("203.0.113.9"), &h), ip("203.0.113.9"));
        let none = proxies(&[], ForwardedHeader::XForwardedFor);
        assert_eq!(none.client(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let p = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        // The client forged "6.6.6.6"; the first proxy appended the real peer, 198.51.100.7.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.7"),
            ("x-forwarded-for", "10.1.1.1"),
        ]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("198.51.100.7"));
        // Only trusted hops: the left-most is the client.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(p.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        // Garbage written by a trusted hop: the nearest trusted hop.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, nonsense, 10.1.1.1")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.1.1.1"));
        // A dual-stack socket's mapped address is the IPv4 one.
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(p.client(ip("::ffff:10.0.0.2"), &h), ip("198.51.100.7"));
    }

    #[test]
    fn forwarded_elements_with_ports_and_brackets() {
        let p = proxies(&["10.0.0.0/8", "fd00::/8"], ForwardedHeader::Forwarded);
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https, For=\"[fd00::1]\"",
        )]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "for=192.0.2.60:8080;by=10.0.0.1")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("192.0.2.60"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.0.0.2"));
        // The header the proxies do not use is ignored: the client may have sent it.
        let h = headers(&[("x-forwarded-for", "6.6.6.6")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.0.0.2"));
    }
}
