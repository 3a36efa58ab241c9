//! What more than one bench stores: a one-segment message to a Spanish number, queued.

use smppd::message::{Kind, Message, MessageId, Segment, Status};

/// Message `n`, accepted and due at `at_ms`, waiting to be sent.
pub fn queued(n: u64, at_ms: u64) -> Message {
    Message {
        id: MessageId::generate(at_ms),
        account: "acme".into(),
        client_ref: None,
        kind: Kind::Bulk,
        to: format!("+346{n:08}"),
        from: (5, 0, "ACME".into()),
        text: "Your code is 123456".into(),
        encoding: "gsm7".into(),
        dlr: true,
        validity_s: 3600,
        country: Some("ES".into()),
        route: vec!["sim".into()],
        status: Status::Queued,
        segments: vec![Segment::pending()],
        accepted_at_ms: at_ms,
        due_ms: at_ms,
        submitted_at_ms: None,
        done_at_ms: None,
        attempts: 0,
        reference: None,
    }
}
