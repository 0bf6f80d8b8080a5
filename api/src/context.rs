//! Per-request context: the request id (taken from a sane `X-Request-Id` or generated, and
//! echoed in the response) and the client's IP address, believing `X-Forwarded-For` only when
//! the direct peer is a configured trusted proxy (nginx). Both go into every event's metadata.

use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// What the middleware learned about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub request_id: String,
    pub client_ip: Option<IpAddr>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// IPv4 peers on a dual-stack socket arrive as `::ffff:a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// A client-supplied request id is kept only if it is short and plain, so it cannot smuggle
/// anything into logs or headers.
fn sane_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// The client address: the peer, unless the peer is a trusted proxy; then the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (addresses further left
/// were written by the client and prove nothing).
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer.map(canonical)?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let Some(xff) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for part in xff.rsplit(',') {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => {
                let ip = canonical(ip);
                if !trusted.contains(ip) {
                    return Some(ip);
                }
                last = ip;
            }
            // Garbage in the chain: stop believing it, keep what we know.
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

/// The middleware. Registers [`RequestContext`] in the request's extensions and echoes the
/// request id on every response, errors included.
///
/// # Errors
/// None of its own; the inner service's errors pass through, marked with the id.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let trusted = req
        .app_data::<web::Data<TrustedProxies>>()
        .map(|d| d.get_ref().clone())
        .unwrap_or_default();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let client_ip = client_ip(
        req.peer_addr().map(|a| a.ip()),
        forwarded.as_deref(),
        &trusted,
    );
    req.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        client_ip,
    });
    // Holding a clone of the HttpRequest across the call would make actix's router panic
    // (it needs the request uniquely); errors get the header through a response mapper.
    let mut res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(mut e) => {
            let id = request_id.clone();
            e.add_response_mapper(move |mut r| {
                if let Ok(v) = HeaderValue::from_str(&id) {
                    r.headers_mut().insert(REQUEST_ID, v);
                }
                r
            });
            return Err(e);
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> TrustedProxies {
        TrustedProxies(vec![
            "127.0.0.0/8".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ])
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_from_an_untrusted_peer_is_ignored() {
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &trusted()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client() {
        // The client claims 6.6.6.6; nginx appended the address it saw.
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("6.6.6.6, 198.51.100.7"), &trusted()),
            ip("198.51.100.7")
        );
        // Two trusted hops.
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("198.51.100.7, 10.1.2.3"), &trusted()),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), None, &trusted()),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("garbage"), &trusted()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_are_matched_as_ipv4() {
        assert_eq!(
            client_ip(ip("::ffff:127.0.0.1"), Some("198.51.100.7"), &trusted()),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn only_plain_short_request_ids_are_kept() {
        assert!(sane_request_id("3f2a-11ee_b.c:1"));
        assert!(!sane_request_id(""));
        assert!(!sane_request_id("a b"));
        assert!(!sane_request_id("x\r\nSet-Cookie: y"));
        assert!(!sane_request_id(&"a".repeat(101)));
    }
}
