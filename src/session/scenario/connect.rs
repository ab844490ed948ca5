//! The connect scenario: reach the server, shake hands, open the application. Every other
//! scenario starts with [`open`].

use crate::session::driver::Session;
use crate::session::outcome::Failure;

/// `dns`, `tcp_connect`, `handshake`, `connect`.
pub(super) async fn open(s: &mut Session<'_>) -> Result<(), Failure> {
    s.reach().await?;
    s.handshake().await?;
    s.connect().await
}

/// Up to `NetConnection.Connect.Success`, for monitors that have no stream key.
pub(super) async fn run(s: &mut Session<'_>) -> Result<(), Failure> {
    open(s).await
}
