//! What every request goes through around its handler:
//!
//! - the client's address is resolved (the TCP peer, or what trusted proxies forwarded) and put in
//!   the request as [`ClientIp`] for the rate limits and the audit log;
//! - the request gets a deadline (`request_timeout` after its headers arrived): a body still
//!   arriving then is cut off and answered 408 with `Connection: close`, and a handler still
//!   running then is answered 503 while it finishes its work in the background;
//! - the handler runs in a task of its own, tracked by [`AppState::tasks`]: a client that
//!   disconnects does not cancel it half-way, a panic becomes the 500 envelope, and a graceful
//!   shutdown waits for it.

use std::future::Future as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use hyper::body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::error::Error;
use crate::client_ip::ClientIp;
use crate::AppState;

/// The middleware (see the module documentation).
pub async fn lifecycle(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let deadline = Instant::now() + state.config.request_timeout;
    let (mut parts, body) = req.into_parts();
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        let client = state.proxies.client(peer.ip(), &parts.headers);
        parts.extensions.insert(ClientIp(client));
    }
    // A request without a body (or with an empty one) has nothing left to arrive.
    let body_done = Arc::new(AtomicBool::new(body.is_end_stream()));
    let body = DeadlineBody {
        inner: body,
        deadline: Box::pin(tokio::time::sleep_until(deadline)),
        done: body_done.clone(),
    };
    let req = Request::from_parts(parts, Body::new(body));
    let mut handler = state.tasks.spawn(next.run(req));
    let finished = tokio::select! {
        finished = &mut handler => Some(finished),
        () = tokio::time::sleep_until(deadline) => None,
    };
    let body_complete = body_done.load(Ordering::Acquire);
    match finished {
        // A handler that ended because its body was cut off at the deadline is a late body too.
        Some(_) if !body_complete && Instant::now() >= deadline => body_too_late(),
        Some(finished) => finished
            .unwrap_or_else(|e| Error::Internal(format!("handler failed: {e}")).into_response()),
        None if !body_complete => body_too_late(),
        // The handler goes on (its change and audit entry are stored together or not at all); the
        // client is told to look before retrying.
        None => Error::Timeout.into_response(),
    }
}

/// 408, and the connection closed: what is left of the body is not worth reading.
fn body_too_late() -> Response {
    let mut response = Error::RequestTimeout.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request body that fails once the request's deadline has passed, and says when it was read
/// to its end.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<Sleep>>,
    done: Arc<AtomicBool>,
}

/// The error a body read past the deadline gives.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the request timeout")]
struct BodyTimedOut;

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.done.load(Ordering::Acquire) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.done.store(true, Ordering::Release);
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => {
                if self.inner.is_end_stream() {
                    self.done.store(true, Ordering::Release);
                }
                Poll::Ready(Some(frame.map_err(Into::into)))
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimedOut.into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done.load(Ordering::Acquire) || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
