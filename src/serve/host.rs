//! Which `Host` a preview answers: its own loopback names only.
//!
//! A page on another site can make the browser send requests to `127.0.0.1` under the
//! other site's own name (DNS rebinding) and then read the answers as same-origin. Such a
//! request carries that foreign name in `Host`, so the preview refuses every name that is
//! not `localhost`, a `*.localhost` name or an IP address (which no DNS answer can stand
//! for), the same rule Vite and webpack-dev-server apply.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Whether a preview should answer a request that names `host` (with or without a port).
pub(crate) fn allowed(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:1111`: an IPv6 literal.
        Some(rest) => {
            return rest
                .split(']')
                .next()
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
        }
        None => host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Middleware: answers 403 to a request whose `Host` is not the preview's own.
pub(crate) async fn guard(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    match host {
        Some(host) if allowed(host) => next.run(request).await,
        _ => (
            StatusCode::FORBIDDEN,
            "Просмотр открывается только по адресу localhost или 127.0.0.1 / \
             the preview answers only at localhost or 127.0.0.1\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_loopback_names_and_ip_addresses_are_answered() {
        for ok in [
            "localhost",
            "localhost:1111",
            "LOCALHOST:1111",
            "site.localhost:1111",
            "127.0.0.1:1111",
            "127.0.0.1",
            "[::1]:1111",
            "localhost.:1111",
        ] {
            assert!(allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "localhost.evil.example:1111",
            "127.0.0.1.nip.io:1111",
            "[evil]:1111",
            "",
        ] {
            assert!(!allowed(bad), "{bad}");
        }
    }
}
