//! Where a webhook URL may point. Loopback, private, link-local, multicast and
//! unspecified addresses reach into the network the server runs in (SSRF), so they
//! are refused unless the operator allows them. The check resolves the host, and a
//! delivery connects to the very addresses it checked, so DNS that changes between
//! the check and the connection cannot slip a private address in.

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;

/// A URL, checked, with the addresses its host resolved to.
pub struct Target {
    pub url: Url,
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

/// Parses and resolves `text`; `Err` says why it is refused.
pub async fn check(text: &str, allow_private: bool) -> Result<Target, String> {
    let url = Url::parse(text).map_err(|_| "must be an absolute http or https URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".to_owned());
    }
    let host = url
        .host_str()
        .ok_or_else(|| "must name a host".to_owned())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|_| "has a host that does not resolve".to_owned())?
        .collect();
    if addrs.is_empty() {
        return Err("has a host that does not resolve".to_owned());
    }
    if !allow_private && addrs.iter().any(|addr| is_internal(addr.ip())) {
        return Err(
            "must not resolve to a loopback, private, link-local or multicast address".to_owned(),
        );
    }
    Ok(Target { url, host, addrs })
}

/// Whether an address belongs to the inside of a network rather than the internet.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                // 100.64.0.0/10, carrier-grade NAT: private in practice.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unspecified()
                // fc00::/7 unique local, fe80::/10 link-local.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.1.1",
            "224.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(text.parse().unwrap()), "{text}");
        }
        for text in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!is_internal(text.parse().unwrap()), "{text}");
        }
    }

    #[tokio::test]
    async fn a_loopback_url_is_refused_unless_allowed() {
        assert!(check("http://127.0.0.1:9/hook", false).await.is_err());
        assert!(check("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check("ftp://example.com/", true).await.is_err());
    }
}
