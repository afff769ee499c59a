//! The caller's address, for rate limits and sign-in throttles.
//!
//! A forwarded address is believed only from a proxy in
//! `TRUSTED_PROXY_NETWORKS`: starting from the peer, `X-Forwarded-For` (every
//! header line, in order) is read from the right while the address so far is
//! a trusted proxy; the first address outside those networks is the client.
//! Entries a client writes into the header itself sit left of it and are never
//! used. This is the rule of Rails' `RemoteIp` and of Go's
//! `gin.SetTrustedProxies`, and what MDN documents for `X-Forwarded-For`.
//!
//! IPv6 callers are grouped by their /64 network: one host is routinely given
//! a whole /64, so a per-address limit on single addresses would be beaten by
//! rotating through it (RFC 6177 and OWASP's rate-limiting guidance).

use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::IpAddr;

/// The rate-limit identity of the caller: an IPv4 address (`203.0.113.7`),
/// an IPv6 /64 network (`2001:db8:1:2::/64`), or `unknown` when actix knows
/// no peer.
pub fn of(req: &HttpRequest, trusted_proxies: &[IpNet]) -> String {
    let forwarded_for: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    match client_address(
        req.peer_addr().map(|a| a.ip()),
        &forwarded_for,
        trusted_proxies,
    ) {
        Some(address) => bucket(address),
        None => "unknown".into(),
    }
}

/// The client's address: the peer's, or with trusted proxies in front, the
/// rightmost `X-Forwarded-For` entry that is not a trusted proxy. An entry
/// that is not an address stops the walk at the last proxy that forwarded it.
fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted_proxies: &[IpNet],
) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    let mut client = peer?.to_canonical();
    let entries = forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim);
    for entry in entries.collect::<Vec<_>>().into_iter().rev() {
        if !trusted(&client) {
            break;
        }
        match parse_entry(entry) {
            Some(ip) => client = ip,
            None => break,
        }
    }
    Some(client)
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// IPv4 addresses as they are; IPv6 addresses as their /64 network.
fn bucket(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => IpNet::new(IpAddr::V6(v6), 64)
            .map(|net| net.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// Parses `TRUSTED_PROXY_NETWORKS`: comma-separated networks (`10.0.0.0/8`)
/// or single addresses (`127.0.0.1`, taken as /32 or /128).
pub fn parse_networks(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an IP network (10.0.0.0/8) or address"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(text: &str) -> Vec<IpNet> {
        parse_networks(text).unwrap()
    }

    fn client(peer: &str, forwarded: &[&str], trusted: &str) -> String {
        bucket(client_address(Some(peer.parse().unwrap()), forwarded, &nets(trusted)).unwrap())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        // The example the security review gave: before, any caller's
        // X-Forwarded-For picked its own rate-limit bucket.
        assert_eq!(client("198.51.100.9", &["1.2.3.4"], ""), "198.51.100.9");
        assert_eq!(
            client("198.51.100.9", &["1.2.3.4"], "10.0.0.0/8"),
            "198.51.100.9"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_address_from_the_right_is_the_client() {
        let trusted = "10.0.0.0/8, 127.0.0.1";
        // One proxy: the entry it appended, not the client's claim to its left.
        assert_eq!(
            client("10.0.0.5", &["6.6.6.6, 203.0.113.7"], trusted),
            "203.0.113.7"
        );
        // A load balancer and nginx, both trusted.
        assert_eq!(
            client("127.0.0.1", &["6.6.6.6, 203.0.113.7, 10.0.0.9"], trusted),
            "203.0.113.7"
        );
        // Several header lines are one list, in order.
        assert_eq!(
            client("10.0.0.5", &["6.6.6.6", "203.0.113.7, 10.0.0.9"], trusted),
            "203.0.113.7"
        );
        // A client inside the trusted networks: the leftmost address.
        assert_eq!(client("10.0.0.5", &["10.0.0.7"], trusted), "10.0.0.7");
        // No header, or garbage: the last proxy that forwarded it.
        assert_eq!(client("10.0.0.5", &[], trusted), "10.0.0.5");
        assert_eq!(client("10.0.0.5", &["not-an-ip"], trusted), "10.0.0.5");
        assert_eq!(
            client("10.0.0.5", &["6.6.6.6, not-an-ip, 10.0.0.9"], trusted),
            "10.0.0.9"
        );
        // Ports and IPv4-mapped IPv6 addresses.
        assert_eq!(
            client("10.0.0.5", &["203.0.113.7:4711"], trusted),
            "203.0.113.7"
        );
        assert_eq!(
            client("::ffff:10.0.0.5", &["::ffff:203.0.113.7"], trusted),
            "203.0.113.7"
        );
    }

    #[test]
    fn ipv6_callers_share_their_slash_64() {
        let trusted = "10.0.0.0/8";
        assert_eq!(
            client("10.0.0.5", &["2001:db8:1:2:aaaa::1"], trusted),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client("10.0.0.5", &["[2001:db8:1:2:bbbb::9]:443"], trusted),
            "2001:db8:1:2::/64"
        );
        assert_eq!(client("2001:db8:1:3::1", &[], trusted), "2001:db8:1:3::/64");
    }

    #[test]
    fn networks_are_parsed_or_refused() {
        assert_eq!(nets("").len(), 0);
        assert_eq!(nets("10.0.0.0/8, 127.0.0.1, fd00::/8, ::1").len(), 4);
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.internal").is_err());
        assert!(parse_networks("*").is_err());
    }
}
