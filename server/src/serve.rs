//! The server loop: accepts TCP connections and serves HTTP/1.1 on each with hyper, under the
//! header-read timeout (a client must deliver each request's headers, and an idle keep-alive
//! connection its next request, within `header_read_timeout`; `axum::serve` cannot set it), with
//! the peer address available to the app as `ConnectInfo`.
//!
//! On shutdown it stops accepting (new connections are refused), lets every request in flight
//! finish and closes idle connections, then waits for the handler tasks of requests whose
//! clients went away — all within `shutdown_grace`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Extension;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::Layer as _;

use crate::AppState;

/// A shutdown that could not wait for everything.
#[derive(Debug, thiserror::Error)]
#[error("{0} request(s) still running after the shutdown grace period of {1:?}")]
pub struct Unfinished(pub usize, pub Duration);

/// Serves the app on `listener` until `shutdown` completes, then drains (see the module docs).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Unfinished> {
    let app = crate::app(state.clone());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(state.config.header_read_timeout);
    let connections = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(%e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%e, %peer, "cannot set TCP_NODELAY");
        }
        let service = Extension(ConnectInfo::<SocketAddr>(peer)).layer(app.clone());
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let grace = state.config.shutdown_grace;
    tracing::info!(
        ?grace,
        "shutting down: refusing new connections, finishing the requests in flight"
    );
    let drained = tokio::time::timeout(grace, async {
        connections.shutdown().await;
        state.tasks.close();
        state.tasks.wait().await;
    })
    .await;
    match drained {
        Ok(()) => {
            tracing::info!("every request finished");
            Ok(())
        }
        Err(_) => Err(Unfinished(state.tasks.len(), grace)),
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(%e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(%e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
