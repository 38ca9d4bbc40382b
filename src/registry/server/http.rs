//! Connect unary over HTTP/1.1 with hyper: accepting (plain or TLS), reading
//! and un-gzipping request bodies, running the RPC on the blocking pool,
//! logging it, and writing the protobuf or JSON-error response.

use std::convert::Infallible;
use std::io::Read;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body as _, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::State;
use super::connect::{Code, RpcError};
use super::handlers::{self, Call};

/// Largest request body accepted, before and after gzip.
const MAX_BODY: usize = 256 << 20;
/// Responses at least this large are gzipped when the client accepts it.
const GZIP_FROM: usize = 4096;

pub async fn accept_loop(listener: TcpListener, state: Arc<State>, tls: Option<TlsAcceptor>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve_connection(TokioIo::new(stream), state).await;
                    }
                }
                None => serve_connection(TokioIo::new(stream), state).await,
            }
        });
    }
}

async fn serve_connection<I>(io: I, state: Arc<State>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(respond(state, req).await) }
    });
    // A client that goes away mid-request is its own problem.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

async fn respond(state: Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    if let Some(knob) = path.strip_prefix("/_admin/") {
        return admin(state, knob.to_string(), req).await;
    }
    let method = path.trim_start_matches('/').to_string();
    if req.method() != Method::POST {
        return error_response(&RpcError::new(
            Code::Unimplemented,
            format!("{method} takes POST (Connect unary); got {}", req.method()),
        ));
    }
    let header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = header(header::HOST)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let authorization = header(header::AUTHORIZATION);
    let encoding = header(header::CONTENT_ENCODING);
    let content_type = header(header::CONTENT_TYPE).unwrap_or_default();
    let accepts_gzip = header(header::ACCEPT_ENCODING)
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));

    let body = match read_body(req.into_body(), encoding.as_deref()).await {
        Ok(body) => body,
        Err(e) => return error_response(&e),
    };
    if !content_type.starts_with("application/proto") {
        return error_response(&RpcError::invalid(format!(
            "this registry speaks Connect with protobuf bodies (Content-Type: application/proto), not \"{content_type}\""
        )));
    }
    let identity = state.auth.identify(authorization.as_deref());
    let outcome = {
        let state = state.clone();
        let method = method.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = handlers::dispatch(
                &state,
                &Call {
                    method: &method,
                    host: &host,
                    identity: &identity,
                    body: &body,
                },
            );
            let status = match &outcome.result {
                Ok(_) => "ok",
                Err(e) => e.code.as_str(),
            };
            state.log(&method, status, &outcome.request, authorization.is_some());
            outcome
        })
        .await
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            return error_response(&RpcError::internal(format!(
                "the request handler failed: {e}"
            )));
        }
    };
    match outcome.result {
        Ok(bytes) => ok_response(bytes, accepts_gzip, outcome.truncate),
        Err(e) => error_response(&e),
    }
}

async fn admin(state: Arc<State>, knob: String, req: Request<Incoming>) -> Response<Body> {
    if !state.test_admin || req.method() != Method::POST {
        return plain(StatusCode::NOT_FOUND, "not found\n".into());
    }
    let body = match read_body(req.into_body(), None).await {
        Ok(body) => body,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e.message),
    };
    let result =
        tokio::task::spawn_blocking(move || super::admin::apply(&state, &knob, &body)).await;
    match result {
        Ok(Ok(())) => json(StatusCode::OK, serde_json::json!({"ok": true})),
        Ok(Err(e)) => json(StatusCode::BAD_REQUEST, serde_json::json!({"error": e})),
        Err(e) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"error": e.to_string()}),
        ),
    }
}

async fn read_body(mut body: Incoming, encoding: Option<&str>) -> Result<Vec<u8>, RpcError> {
    let too_big = || {
        RpcError::new(
            Code::ResourceExhausted,
            format!("request bodies are limited to {} MiB", MAX_BODY >> 20),
        )
    };
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame
            .map_err(|e| RpcError::invalid(format!("could not read the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > MAX_BODY {
                return Err(too_big());
            }
            out.extend_from_slice(&data);
        }
    }
    match encoding.map(str::trim) {
        None | Some("" | "identity") => Ok(out),
        Some("gzip") => {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(out.as_slice())
                .take(MAX_BODY as u64 + 1)
                .read_to_end(&mut plain)
                .map_err(|e| {
                    RpcError::invalid(format!("the gzip request body does not decompress: {e}"))
                })?;
            if plain.len() > MAX_BODY {
                return Err(too_big());
            }
            Ok(plain)
        }
        Some(other) => Err(RpcError::new(
            Code::Unimplemented,
            format!("request compression \"{other}\" is not supported; use gzip or none"),
        )),
    }
}

fn ok_response(bytes: Vec<u8>, accepts_gzip: bool, truncate: bool) -> Response<Body> {
    let (bytes, gzipped) = if accepts_gzip && bytes.len() >= GZIP_FROM {
        match gzip(&bytes) {
            Some(packed) => (packed, true),
            None => (bytes, false),
        }
    } else {
        (bytes, false)
    };
    let mut response = Response::new(if truncate {
        Body::truncated(bytes)
    } else {
        Body::full(bytes)
    });
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/proto"),
    );
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

fn error_response(e: &RpcError) -> Response<Body> {
    let status =
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::full(e.body()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json(status: StatusCode, value: serde_json::Value) -> Response<Body> {
    let mut response = Response::new(Body::full(value.to_string().into_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn plain(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Body::full(text.into_bytes()));
    *response.status_mut() = status;
    response
}

/// A response body: all at once, or (test knob) the first half of it under
/// a Content-Length for the whole, then a broken connection.
pub struct Body {
    data: Option<Bytes>,
    /// Set when truncating: wait so the half gets flushed, then fail.
    cut: Option<Pin<Box<tokio::time::Sleep>>>,
    len: u64,
}

impl Body {
    fn full(bytes: Vec<u8>) -> Self {
        Self {
            len: bytes.len() as u64,
            data: Some(Bytes::from(bytes)),
            cut: None,
        }
    }

    fn truncated(bytes: Vec<u8>) -> Self {
        let len = bytes.len() as u64;
        let mut data = Bytes::from(bytes);
        data.truncate(data.len() / 2);
        Self {
            len,
            data: Some(data),
            cut: Some(Box::pin(tokio::time::sleep(Duration::from_millis(100)))),
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if let Some(sleep) = this.cut.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.cut = None;
            return Poll::Ready(Some(Err(std::io::Error::other(
                "response truncated by the test knob truncate_next_download",
            ))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.cut.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}
