//! What a carrier's answers mean for a message (pure rules, no I/O): which segments are done,
//! which wait for another try, and what the message's status becomes.

use crate::carrier::Outcome;
use crate::config::OnTimeout;
use crate::message::{Message, SegmentStatus, Status};
use crate::pdu::CommandStatus;

/// Most dispatch attempts before a message is given up as `failed`.
pub const MAX_ATTEMPTS: u32 = 12;

/// What happens next to a message after a dispatch attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Every segment is with the carrier, or the message reached a final status.
    Done,
    /// Some segments must be sent again later.
    Retry,
}

/// Statuses worth another try later (smpp-reference §4, column T).
pub fn is_temporary(status: CommandStatus) -> bool {
    matches!(
        status,
        CommandStatus::SystemError
            | CommandStatus::MessageQueueFull
            | CommandStatus::Throttled
            | CommandStatus::ReceiverTemporaryAppError
    )
}

/// Records the outcomes of the pending segments sent to `carrier` (in segment order).
pub fn record(
    message: &mut Message,
    carrier: &str,
    sent: &[usize],
    outcomes: &[Outcome],
    on_timeout: OnTimeout,
    now_ms: u64,
) -> Next {
    let mut retry = false;
    for (&n, outcome) in sent.iter().zip(outcomes) {
        let seg = &mut message.segments[n];
        seg.carrier = Some(carrier.to_owned());
        match outcome {
            Outcome::Accepted { message_id } => {
                seg.status = SegmentStatus::Submitted;
                seg.carrier_message_id = Some(String::from_utf8_lossy(message_id).into_owned());
                seg.error = None;
            }
            Outcome::Rejected(status) if is_temporary(*status) => {
                seg.error = Some(status.to_string());
                retry = true;
            }
            Outcome::Rejected(status) => {
                seg.status = SegmentStatus::Rejected;
                seg.error = Some(status.to_string());
            }
            Outcome::Throttled(status) => {
                seg.error = Some(status.to_string());
                retry = true;
            }
            Outcome::Unknown => match on_timeout {
                OnTimeout::Report => {
                    seg.status = SegmentStatus::Unknown;
                    seg.error = Some("no answer from the carrier: it may have the message".into());
                }
                OnTimeout::Resend => retry = true,
            },
            Outcome::NotSent => retry = true,
        }
    }
    settle(message, now_ms, retry)
}

/// Sets the message's status from its segments; gives up once attempts run out.
pub fn settle(message: &mut Message, now_ms: u64, retry: bool) -> Next {
    let segs = &message.segments;
    if segs.iter().any(|s| s.status == SegmentStatus::Rejected) {
        message.status = Status::Rejected;
    } else if segs.iter().any(|s| s.status == SegmentStatus::Unknown) {
        message.status = Status::Failed;
    } else if segs.iter().all(|s| s.status == SegmentStatus::Submitted) {
        message.status = Status::Submitted;
        message.submitted_at_ms = Some(now_ms);
        return Next::Done;
    } else if retry && message.attempts < MAX_ATTEMPTS {
        message.status = Status::Queued;
        return Next::Retry;
    } else {
        message.status = Status::Failed;
        for s in message
            .segments
            .iter_mut()
            .filter(|s| s.status == SegmentStatus::Pending)
        {
            s.status = SegmentStatus::Failed;
        }
    }
    message.done_at_ms = Some(now_ms);
    Next::Done
}
