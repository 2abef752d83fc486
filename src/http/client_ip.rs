//! The caller's address behind load balancers (`CHATAPI_TRUSTED_PROXIES`).

use std::net::IpAddr;

use actix_web::{web, HttpRequest};
use ipnet::IpNet;

/// Load balancers whose `X-Forwarded-For` names the real client; registered as app
/// data by `startup`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

/// The caller's address. `X-Forwarded-For` is believed only when the peer is a
/// trusted proxy, and then read from the right: the first address that is not a
/// trusted proxy is the client (anything further left the client could have written).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<TrustedProxies>>()
        .map(|proxies| proxies.0.as_slice())
        .unwrap_or_default();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return Some(ip.to_string()),
            Err(_) => break,
        }
    }
    Some(client.to_string())
}
