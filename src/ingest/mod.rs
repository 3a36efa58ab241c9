//! The submission edge: what the gateway backend sends (POST /v1/messages bodies) and how each
//! refusal is answered. The HTTP listener that serves it comes with the daemon.

mod accept;
mod auth;
mod refusal;
mod request;

pub use accept::{Acceptor, Answer, BULK_VALIDITY, OTP_VALIDITY};
pub use auth::{Caller, TokenBook};
pub use refusal::{ApiError, Refusal};
pub use request::{
    E164, Kind, MAX_CLIENT_REF, MAX_TEXT_CHARS, MAX_VALIDITY, Sender, Submission, SubmitRequest,
    parse_submission,
};
