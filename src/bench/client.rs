//! HTTP/1.1 over the daemon's Unix socket: one kept-alive hyper connection per worker, so a
//! request costs a write and a read, not a connect.

use std::path::Path;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

/// A request could not be made or its answer read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    /// Connecting to the socket failed.
    #[error("connect: {0}")]
    Connect(#[from] std::io::Error),
    /// The HTTP exchange failed (connection closed, malformed answer).
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    /// The request could not be built (a bad token or path).
    #[error("request: {0}")]
    Request(#[from] hyper::http::Error),
}

/// One connection to the daemon's API.
#[derive(Debug)]
pub(crate) struct UdsClient {
    sender: SendRequest<Full<Bytes>>,
    authorization: String,
}

impl UdsClient {
    /// Connects to `socket`; requests carry `Authorization: Bearer token`.
    pub(crate) async fn connect(socket: &Path, token: &str) -> Result<UdsClient, ClientError> {
        let stream = UnixStream::connect(socket).await?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // The connection's I/O runs beside the caller; it ends when the sender is dropped.
        tokio::spawn(connection);
        Ok(UdsClient {
            sender,
            authorization: format!("Bearer {token}"),
        })
    }

    /// Sends one request and reads the whole answer: status and body.
    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Bytes,
    ) -> Result<(u16, Bytes), ClientError> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "smppd")
            .header("authorization", self.authorization.as_str())
            .header("content-type", "application/json")
            .body(Full::new(body))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}
