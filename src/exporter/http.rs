//! The HTTP side: hyper's HTTP/1.1 server on the tokio runtime, one task per connection, and the
//! routes.
//!
//! | route | answer |
//! |---|---|
//! | `GET /probe?target=URL&module=NAME[&debug=true]` | one probe (see [`super::probe`]) |
//! | `GET /metrics` | the exporter's own metrics |
//! | `GET /-/healthy` | 200 `Healthy` |
//! | `POST` or `PUT /-/reload` | reload the config: 200, or 500 and why (the old config stays) |
//! | `GET /` | a short page naming the routes |
//!
//! Bounds: at most `limits.max_connections` connections at once (further ones wait in the accept
//! queue), a request head within `limits.header_timeout` (also the idle limit between requests on
//! a kept-alive connection) and within `limits.max_header_bytes` and `limits.max_headers`, no
//! request body over `limits.max_body_bytes` (bodies are never read), and probes in flight within
//! `limits.max_in_flight` (503 at once over it). On shutdown the listener closes, idle connections
//! close, and running probes finish within their timeouts.

use super::probe::{self, Answer, SCRAPE_TIMEOUT_HEADER};
use super::Exporter;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Serves on `listener` until `shutdown` turns true, then stops accepting, lets open connections
/// finish their requests (idle ones close at once) and returns when all have closed or `grace`
/// has passed.
pub async fn serve(
    listener: TcpListener,
    exporter: Arc<Exporter>,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let max_connections = exporter.config().limits.max_connections;
    let connections = Arc::new(Semaphore::new(max_connections));
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&connections).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stopping(&mut shutdown) => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopping(&mut shutdown) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, mostly: wait a little instead of spinning.
                tracing::warn!("accept: {}", crate::session::io_words(&e));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let exporter = Arc::clone(&exporter);
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let limits = exporter.config().limits.clone();
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .max_header_size(limits.max_header_bytes);
            // hyper keeps up to 100 headers on the stack; another limit costs a heap allocation
            // per request, so it is only set when it differs.
            if limits.max_headers != 100 {
                builder.max_headers(limits.max_headers);
            }
            let service = hyper::service::service_fn(move |req| {
                let exporter = Arc::clone(&exporter);
                let max_body = limits.max_body_bytes;
                async move { Ok::<_, Infallible>(route(&exporter, req, max_body).await) }
            });
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let stopping = tokio::select! {
                _ = conn.as_mut() => false,
                _ = stopping(&mut stop) => true,
            };
            if stopping {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        });
    }
    drop(listener);
    // Every connection holds a permit: all permits back means all connections closed.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(grace, connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open {grace:?} after the shutdown began; exiting regardless"
        );
    }
}

/// Resolves once the shutdown has begun (or its sender is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Answers one request.
pub async fn route(
    exporter: &Exporter,
    req: Request<Incoming>,
    max_body: u64,
) -> Response<Full<Bytes>> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body) {
        return respond(Answer::text(
            413,
            format!("the request body is larger than limits.max_body_bytes ({max_body})"),
        ));
    }
    let method = req.method().clone();
    let path = req.uri().path();
    let answer = match (path, &method) {
        ("/probe", &Method::GET | &Method::HEAD) => {
            let query = req.uri().query().unwrap_or_default();
            let scrape = req
                .headers()
                .get(SCRAPE_TIMEOUT_HEADER)
                .map(|v| v.to_str().unwrap_or("not text"));
            probe::answer(exporter, query, scrape).await
        }
        ("/metrics", &Method::GET | &Method::HEAD) => {
            let started = exporter.stats.started();
            let process =
                tokio::task::spawn_blocking(move || super::metrics::process_metrics(started))
                    .await
                    .unwrap_or_default();
            Answer {
                status: 200,
                content_type: super::exposition::CONTENT_TYPE,
                body: exporter.stats.render(&process),
            }
        }
        ("/-/healthy", &Method::GET | &Method::HEAD) => Answer::text(200, "Healthy"),
        ("/-/reload", &Method::POST | &Method::PUT) => match exporter.reload().await {
            Ok(()) => Answer::text(200, "config reloaded"),
            Err(e) => Answer::text(500, format!("failed to reload config: {e}")),
        },
        ("/", &Method::GET | &Method::HEAD) => Answer::text(200, LANDING),
        ("/probe" | "/metrics" | "/-/healthy" | "/", _) => {
            Answer::text(405, format!("{method} is not allowed here: use GET"))
        }
        ("/-/reload", _) => Answer::text(405, "use POST (or PUT) to reload the config"),
        _ => Answer::text(404, "not found: see / for the routes"),
    };
    respond(answer)
}

const LANDING: &str = "rtmp-probe exporter\n\n\
    GET  /probe?target=rtmp://HOST/APP/STREAM&module=NAME   one probe (add &debug=true for its log)\n\
    GET  /metrics                                          the exporter's own metrics\n\
    GET  /-/healthy                                        200 while it runs\n\
    POST /-/reload                                         read the config file again\n";

fn respond(a: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(a.body)));
    *response.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    response
}
