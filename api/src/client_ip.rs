//! The caller's IP address, for rate limits: the peer's, or with trusted
//! proxies in front (`TRUSTED_PROXY_HOPS`), the address the outermost of them
//! saw. Entries a client writes into `X-Forwarded-For` itself are never used.

use actix_web::HttpRequest;

/// The caller's address as text (`"unknown"` when actix knows no peer).
pub fn of(req: &HttpRequest, trusted_proxy_hops: usize) -> String {
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    from_parts(
        req.peer_addr().map(|a| a.ip()),
        forwarded_for,
        trusted_proxy_hops,
    )
}

/// With `hops` trusted proxies, the `hops`-th `X-Forwarded-For` entry from the
/// right; entries further left are the client's own claims.
fn from_parts(peer: Option<std::net::IpAddr>, forwarded_for: Option<&str>, hops: usize) -> String {
    let from_proxies = forwarded_for.and_then(|header| {
        let entries: Vec<&str> = header.split(',').map(str::trim).collect();
        entries
            .len()
            .checked_sub(hops)
            .and_then(|i| entries.get(i))
            .and_then(|entry| entry.parse::<std::net::IpAddr>().ok())
    });
    match (hops, from_proxies, peer) {
        (0, _, Some(peer)) => peer.to_string(),
        (_, Some(ip), _) => ip.to_string(),
        (_, None, Some(peer)) => peer.to_string(),
        (_, None, None) => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::from_parts;

    #[test]
    fn the_client_ip_comes_from_trusted_proxies_only() {
        let peer = Some("10.0.0.5".parse().unwrap());
        // No trusted proxy: a client cannot pick its own bucket.
        assert_eq!(from_parts(peer, Some("1.2.3.4"), 0), "10.0.0.5");
        // One proxy: the entry it appended, not the client's claim to its left.
        assert_eq!(
            from_parts(peer, Some("6.6.6.6, 203.0.113.7"), 1),
            "203.0.113.7"
        );
        assert_eq!(
            from_parts(peer, Some("6.6.6.6, 203.0.113.7, 10.0.0.9"), 2),
            "203.0.113.7"
        );
        // Fewer entries than proxies, or garbage: the peer.
        assert_eq!(from_parts(peer, Some("203.0.113.7"), 2), "10.0.0.5");
        assert_eq!(from_parts(peer, Some("not-an-ip"), 1), "10.0.0.5");
        assert_eq!(from_parts(peer, None, 1), "10.0.0.5");
    }
}
