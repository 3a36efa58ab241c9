//! deliver_sm and data_sm handed from a bind to their consumer. The carrier answers the SMSC
//! only when the consumer acknowledges (after storing the message durably); a consumer that
//! drops the message unanswered makes the carrier answer ESME_RX_T_APPN so the SMSC retries.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::pdu::{CommandId, CommandStatus, DecodeError, Pdu};

/// One inbound PDU awaiting its consumer's verdict.
#[derive(Debug)]
pub struct Inbound {
    /// The carrier's name.
    pub carrier: Arc<str>,
    /// The bind it came on.
    pub bind: usize,
    /// deliver_sm or data_sm.
    pub command_id: CommandId,
    /// The whole PDU.
    pub frame: Bytes,
    pub(crate) ack: oneshot::Sender<CommandStatus>,
}

impl Inbound {
    /// The PDU, decoded from the frame (borrowing it).
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        Pdu::decode(&self.frame)
    }

    /// Answers the SMSC: `ESME_ROK` once stored, or an error (ESME_RX_T_APPN to have it
    /// redelivered later, ESME_RX_P_APPN to refuse it for good).
    pub fn ack(self, status: CommandStatus) {
        // The bind may be gone; the SMSC then redelivers, which is what we want.
        let _ = self.ack.send(status);
    }
}
