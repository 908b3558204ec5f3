//! The collector's accept loop: HTTP/1 connections with time and count limits, so slow or
//! idle clients cannot hold the process, and a shutdown that ends by a deadline.
//!
//! Invariants: at most [`ConnLimits::max_connections`] connections are open (further ones
//! wait in the listen backlog); a connection that does not finish a request head within
//! [`ConnLimits::header_read`] (idle keep-alive included) is closed; a request that is not
//! answered within [`ConnLimits::request`] (a slow body included) gets 408; after the
//! shutdown signal, connections get [`ConnLimits::shutdown`] to finish, then are dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Time and count limits of the collector's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Time to send a whole request head; also how long an idle keep-alive connection stays.
    pub header_read: Duration,
    /// Time from the head to the answer (reading the body included).
    pub request: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// Time connections get to finish after SIGTERM or Ctrl-C.
    pub shutdown: Duration,
}

impl Default for ConnLimits {
    /// A 16 KB answer needs well under a second on a phone; these leave room for a bad
    /// mobile link and still free a slot of a slow client within seconds.
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(20),
            max_connections: 1024,
            shutdown: Duration::from_secs(10),
        }
    }
}

/// Adds the request timeout to the collector's router. It bounds the whole request, body
/// included: a per-frame body timeout (`RequestBodyTimeoutLayer`) would let a client that
/// sends one byte every few seconds hold the connection for the whole 16 KB.
pub(crate) fn with_timeouts(app: Router, limits: &ConnLimits) -> Router {
    app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request,
    ))
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for open connections
/// at most `limits.shutdown`. Handlers see the peer as `Extension<ConnectInfo<SocketAddr>>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) {
    let app = with_timeouts(app, &limits);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small answers on keep-alive connections: without this, Nagle's algorithm holds a
        // reply's last segment until the client's delayed ACK (tens of milliseconds).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                use tower::ServiceExt;
                app.oneshot(request.map(axum::body::Body::new)).await
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's (reset, timeout, bad request): nothing to report.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = limits.max_connections.max(1) - slots.available_permits();
    tracing::info!(
        open,
        "shutting down; open connections get {:?}",
        limits.shutdown
    );
    if tokio::time::timeout(limits.shutdown, graceful.shutdown())
        .await
        .is_err()
    {
        let open = limits.max_connections.max(1) - slots.available_permits();
        tracing::warn!(
            open,
            "shutdown deadline reached; closing the remaining connections"
        );
    }
}
