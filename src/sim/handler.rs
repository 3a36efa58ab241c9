//! What each PDU from a client gets: binds checked against the configuration, requests checked
//! against the bind state (smpp-reference §2.1, §9.2), submissions judged by the faults and
//! given ids and receipts, and the message-management requests answered from the id book.
//!
//! A refused bind leaves the connection open, so a client may try again on it. Every answer is
//! appended to the connection's batch buffer; nothing here does I/O.

use rand::Rng;
use std::sync::atomic::Ordering::Relaxed;
use tokio::time::Instant;

use super::clock;
use super::config::FinalState;
use super::connection::{Conn, End, Mode, State};
use super::faults::{Verdict, judge};
use super::ids::{IdText, parse_id};
use super::receipts::{self, Address, Outbound, Payload, Receipt};
use crate::pdu::{
    Bind, BindResp, Body, COctet, CommandId, CommandStatus, DataSm, List, MessageIdResp,
    MessageState, Pdu, QuerySm, QuerySmResp, SubmitMultiResp, SubmitSm, Tlv,
};

/// sc_interface_version in bind_*_resp: SMPP 3.4.
const INTERFACE_VERSION: u8 = 0x34;

/// A submission's outcome after faults.
enum Outcome {
    Accepted {
        id: u64,
        text: IdText,
        state: FinalState,
    },
    Refused(CommandStatus),
    Unanswered,
}

impl Conn {
    /// Handles one whole frame.
    pub(crate) fn on_frame(&mut self, frame: &[u8], now: Instant) {
        self.received += 1;
        if self.faults.drop_after.is_some_and(|n| self.received >= n) {
            self.shared.stats.drops.fetch_add(1, Relaxed);
            self.close = Some(End::Dropped);
            return;
        }
        let pdu = match Pdu::decode_with(frame, &self.shared.limits) {
            Ok(pdu) => pdu,
            Err(e) => {
                self.shared.stats.malformed_pdus.fetch_add(1, Relaxed);
                tracing::debug!(target: "smppd::sim", peer = %self.peer, error = %e, "malformed PDU");
                if let Some(reply) = e.reply() {
                    self.count_refusal(reply.command_id(), reply.command_status);
                    self.put(&reply);
                }
                return;
            }
        };
        let stats = &self.shared.stats;
        let id = pdu.command_id();
        stats.pdus_received.add(id.raw());
        let seq = pdu.sequence_number;
        if id.is_response() {
            self.on_response(&pdu);
            return;
        }
        match &pdu.body {
            Body::EnquireLink => {
                stats.enquire_link.fetch_add(1, Relaxed);
                self.put(&Pdu::new(seq, Body::EnquireLinkResp));
            }
            Body::BindTransmitter(b) => self.bind(Mode::Transmitter, seq, b),
            Body::BindReceiver(b) => self.bind(Mode::Receiver, seq, b),
            Body::BindTransceiver(b) => self.bind(Mode::Transceiver, seq, b),
            // SMSC-to-ESME commands that have no answer (reference §9.2).
            Body::Outbind(_) | Body::AlertNotification(_) => {}
            Body::Other { .. } => {
                self.put(&Pdu::generic_nack(seq, CommandStatus::InvalidCommandId));
            }
            Body::Unbind if self.state != State::Open => {
                stats.unbind.fetch_add(1, Relaxed);
                self.put(&Pdu::new(seq, Body::UnbindResp));
                self.release_bind();
                self.close = Some(End::Unbound);
            }
            _ if !self.bound().is_some_and(Mode::can_submit) => {
                self.refuse(id, seq, CommandStatus::InvalidBindStatus);
            }
            Body::SubmitSm(sm) => self.submit_sm(&pdu, sm, now),
            Body::DataSm(d) => self.data_sm(seq, d, now),
            Body::SubmitMulti(_) => match self.decide(now) {
                Outcome::Accepted { text, .. } => {
                    self.shared.stats.other_submissions.fetch_add(1, Relaxed);
                    self.put(&Pdu::new(
                        seq,
                        Body::SubmitMultiResp(Some(SubmitMultiResp {
                            message_id: COctet::new(text.as_bytes()),
                            unsuccess_sme: List::default(),
                            tlvs: List::default(),
                        })),
                    ));
                }
                Outcome::Refused(status) => self.refuse(id, seq, status),
                Outcome::Unanswered => {}
            },
            Body::QuerySm(q) => self.query_sm(seq, q, now),
            Body::CancelSm(c) => {
                let known = c.message_id.is_empty() || self.lookup(c.message_id).is_some();
                let status = if known {
                    if let Some(id) = self.parse(c.message_id) {
                        self.shared.book.cancel(id);
                    }
                    CommandStatus::Ok
                } else {
                    CommandStatus::CancelFailed
                };
                self.refuse(id, seq, status);
            }
            Body::ReplaceSm(r) => {
                let status = match self.lookup(r.message_id) {
                    Some(_) => CommandStatus::Ok,
                    None => CommandStatus::ReplaceFailed,
                };
                self.refuse(id, seq, status);
            }
            // Cell broadcast (5.0) is not something this SMSC offers.
            Body::BroadcastSm(_) | Body::QueryBroadcastSm(_) | Body::CancelBroadcastSm(_) => {
                self.refuse(id, seq, CommandStatus::Prohibited);
            }
            // deliver_sm only flows from SMSC to ESME, so no bind may send it; binds and
            // unbind in the wrong state are handled above. Responses never reach here.
            _ => self.refuse(id, seq, CommandStatus::InvalidBindStatus),
        }
    }

    /// The bind type, while bound (not while unbinding).
    fn bound(&self) -> Option<Mode> {
        match self.state {
            State::Bound(mode) => Some(mode),
            _ => None,
        }
    }

    /// A header-only answer (`*_resp` of `request`, or generic_nack) with `status`.
    fn refuse(&mut self, request: CommandId, seq: u32, status: CommandStatus) {
        let answer = Pdu::rejection(request, seq, status);
        self.count_refusal(answer.command_id(), status);
        self.put(&answer);
    }

    fn count_refusal(&self, answer: CommandId, status: CommandStatus) {
        let stats = &self.shared.stats;
        match answer {
            CommandId::SubmitSmResp => stats.submit_sm_resp.add_status(status),
            CommandId::BindReceiverResp
            | CommandId::BindTransmitterResp
            | CommandId::BindTransceiverResp => stats.binds_failed.add_status(status),
            _ => {}
        }
    }

    fn on_response(&mut self, pdu: &Pdu<'_>) {
        match pdu.body {
            Body::DeliverSmResp(_) | Body::GenericNack => {
                self.on_delivery_answer(pdu.sequence_number, pdu.command_status);
            }
            Body::UnbindResp if matches!(self.state, State::Unbinding { .. }) => {
                self.release_bind();
                self.close = Some(End::Unbound);
            }
            // Answers to requests this simulator never sends: dropped (reference §9.2).
            _ => {}
        }
    }

    fn bind(&mut self, mode: Mode, seq: u32, bind: &Bind<'_>) {
        let shared = self.shared.clone();
        let config = &shared.config;
        let request = match mode {
            Mode::Transmitter => CommandId::BindTransmitter,
            Mode::Receiver => CommandId::BindReceiver,
            Mode::Transceiver => CommandId::BindTransceiver,
        };
        let status = if self.state != State::Open {
            CommandStatus::AlreadyBound
        } else if bind.system_id.as_bytes() != config.system_id.as_bytes() {
            CommandStatus::InvalidSystemId
        } else if bind.password.as_bytes() != config.password.as_bytes() {
            CommandStatus::InvalidPassword
        } else if !self.shared.stats.try_bind(config.max_binds) {
            CommandStatus::BindFailed
        } else {
            CommandStatus::Ok
        };
        if !status.is_ok() {
            tracing::debug!(target: "smppd::sim", peer = %self.peer, %status, "bind refused");
            self.refuse(request, seq, status);
            return;
        }
        let resp = BindResp {
            system_id: COctet::from_str(&config.smsc_system_id),
            tlvs: List::from(vec![Tlv::ScInterfaceVersion(INTERFACE_VERSION)]),
        };
        let body = match mode {
            Mode::Transmitter => Body::BindTransmitterResp(Some(resp)),
            Mode::Receiver => Body::BindReceiverResp(Some(resp)),
            Mode::Transceiver => Body::BindTransceiverResp(Some(resp)),
        };
        self.put(&Pdu::new(seq, body));
        self.state = State::Bound(mode);
        tracing::debug!(target: "smppd::sim", peer = %self.peer, ?mode, "bound");
    }

    /// Applies the faults; an accepted submission gets its id and final state.
    fn decide(&mut self, now: Instant) -> Outcome {
        match judge(&self.faults, &mut self.rng, &self.shared.rate, now) {
            Verdict::NoAnswer => Outcome::Unanswered,
            Verdict::Throttle => Outcome::Refused(CommandStatus::Throttled),
            Verdict::Error(status) => Outcome::Refused(status),
            Verdict::Accept => {
                let mix = &self.shared.config.receipts.mix;
                let state = if mix.is_all_delivered() {
                    FinalState::Delivered
                } else {
                    mix.pick(self.rng.random())
                };
                let id = self.shared.book.issue(self.shared.elapsed_ms(now), state);
                let text = IdText::new(id, self.shared.config.id_format);
                Outcome::Accepted { id, text, state }
            }
        }
    }

    fn submit_sm(&mut self, pdu: &Pdu<'_>, sm: &SubmitSm<'_>, now: Instant) {
        self.shared.stats.submit_sm_received.fetch_add(1, Relaxed);
        let seq = pdu.sequence_number;
        let outcome = self.decide(now);
        let (message_id, answer) = match &outcome {
            Outcome::Accepted { id, text, state } => {
                let stats = &self.shared.stats;
                stats.submit_sm_accepted.fetch_add(1, Relaxed);
                stats.submit_sm_resp.add_status(CommandStatus::Ok);
                self.put(&Pdu::new(
                    seq,
                    Body::SubmitSmResp(Some(MessageIdResp {
                        message_id: COctet::new(text.as_bytes()),
                        tlvs: List::default(),
                    })),
                ));
                if receipts::wanted(sm.registered_delivery, *state) {
                    let user_data = if sm.short_message.is_empty() {
                        sm.tlvs.message_payload().unwrap_or_default()
                    } else {
                        sm.short_message
                    };
                    self.schedule_receipt(Receipt {
                        id: *id,
                        state: *state,
                        submitted: self.shared.wall(self.shared.elapsed_ms(now)),
                        source: Address::new(
                            sm.source_addr_ton,
                            sm.source_addr_npi,
                            sm.source_addr.as_bytes(),
                        ),
                        destination: Address::new(
                            sm.dest_addr_ton,
                            sm.dest_addr_npi,
                            sm.destination_addr.as_bytes(),
                        ),
                        text: receipts::excerpt(user_data.as_bytes(), sm.esm_class, sm.data_coding),
                    });
                }
                (Some(text.as_bytes()), Some(CommandStatus::Ok))
            }
            Outcome::Refused(status) => {
                let stats = &self.shared.stats;
                let counter = if *status == CommandStatus::Throttled {
                    &stats.submit_sm_throttled
                } else {
                    &stats.submit_sm_errored
                };
                counter.fetch_add(1, Relaxed);
                self.refuse(CommandId::SubmitSm, seq, *status);
                (None, Some(*status))
            }
            Outcome::Unanswered => {
                self.shared.stats.submit_sm_unanswered.fetch_add(1, Relaxed);
                (None, None)
            }
        };
        if let Some(log) = &self.submit_log {
            log.record(pdu, message_id, answer);
        }
    }

    fn data_sm(&mut self, seq: u32, d: &DataSm<'_>, now: Instant) {
        match self.decide(now) {
            Outcome::Accepted { id, text, state } => {
                self.shared.stats.other_submissions.fetch_add(1, Relaxed);
                self.put(&Pdu::new(
                    seq,
                    Body::DataSmResp(Some(MessageIdResp {
                        message_id: COctet::new(text.as_bytes()),
                        tlvs: List::default(),
                    })),
                ));
                if receipts::wanted(d.registered_delivery, state) {
                    let payload = d.tlvs.message_payload().unwrap_or_default();
                    self.schedule_receipt(Receipt {
                        id,
                        state,
                        submitted: self.shared.wall(self.shared.elapsed_ms(now)),
                        source: Address::new(
                            d.source_addr_ton,
                            d.source_addr_npi,
                            d.source_addr.as_bytes(),
                        ),
                        destination: Address::new(
                            d.dest_addr_ton,
                            d.dest_addr_npi,
                            d.destination_addr.as_bytes(),
                        ),
                        text: receipts::excerpt(payload.as_bytes(), d.esm_class, d.data_coding),
                    });
                }
            }
            Outcome::Refused(status) => self.refuse(CommandId::DataSm, seq, status),
            Outcome::Unanswered => {}
        }
    }

    fn schedule_receipt(&self, receipt: Receipt) {
        let stats = &self.shared.stats;
        stats.receipts_scheduled.fetch_add(1, Relaxed);
        let outbound = Outbound::new(Payload::Receipt(receipt));
        if !self
            .shared
            .scheduler
            .schedule(outbound, self.shared.config.receipts.delay)
        {
            stats.receipts_dropped.fetch_add(1, Relaxed);
        }
    }

    fn parse(&self, message_id: COctet<'_>) -> Option<u64> {
        parse_id(message_id.as_bytes(), self.shared.config.id_format)
    }

    fn lookup(&self, message_id: COctet<'_>) -> Option<super::ids::Entry> {
        self.parse(message_id)
            .and_then(|id| self.shared.book.get(id))
    }

    /// query_sm: ENROUTE until the receipt delay has passed, then the drawn final state;
    /// DELETED once cancelled; ESME_RQUERYFAIL for ids never issued or forgotten.
    fn query_sm(&mut self, seq: u32, q: &QuerySm<'_>, now: Instant) {
        let Some(entry) = self.lookup(q.message_id) else {
            self.refuse(CommandId::QuerySm, seq, CommandStatus::QueryFailed);
            return;
        };
        let delay = self.shared.config.receipts.delay;
        let done_ms = entry.submitted_ms + delay.as_millis() as u64;
        let now_ms = self.shared.elapsed_ms(now);
        let (state, error, final_ms) = if entry.cancelled {
            (FinalState::Deleted.message_state(), 0, Some(now_ms))
        } else if now_ms >= done_ms {
            let s = entry.state;
            (s.message_state(), s.error_code(), Some(done_ms))
        } else {
            (MessageState::Enroute, 0, None)
        };
        let final_date = final_ms.map(|ms| clock::smpp_absolute(self.shared.wall(ms)));
        self.put(&Pdu::new(
            seq,
            Body::QuerySmResp(Some(QuerySmResp {
                message_id: q.message_id,
                final_date: final_date
                    .as_ref()
                    .map_or(COctet::EMPTY, |d| COctet::new(&d[..])),
                message_state: state.into(),
                error_code: error.min(255) as u8,
                tlvs: List::default(),
            })),
        ));
    }
}
