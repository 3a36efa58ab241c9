//! The body of POST /v1/messages (API.md §1): one message or `{"messages": [...]}`, parsed and
//! validated field by field. Each message of a batch stands alone: a bad one becomes its own
//! refusal and the others go on. Every refusal names the field (`to`, `messages[3].text`).

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::refusal::Refusal;
pub use crate::config::Sender;
use crate::text::EncodingChoice;

/// Longest text accepted before encoding (a carrier's segment limit is checked later).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Longest `client_ref`.
pub const MAX_CLIENT_REF: usize = 64;

/// Longest validity period: 30 days, beyond what any SMSC keeps a message.
pub const MAX_VALIDITY: Duration = Duration::from_secs(30 * 24 * 3600);

/// `otp` goes ahead of `bulk`, ignores quiet hours and gets a short validity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A one-time password: urgent.
    Otp,
    /// Everything else.
    #[default]
    Bulk,
}

/// A destination in E.164 form: `+`, a country code and the subscriber number, 7 to 15 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct E164(String);

impl E164 {
    /// Checks `text`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<E164, String> {
        let Some(digits) = text.strip_prefix('+') else {
            return Err(format!(
                "{text:?} is not in E.164 form: it must start with + and the country code \
                 (national forms are not accepted)"
            ));
        };
        if let Some((i, c)) = digits.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(format!(
                "{text:?} has {c:?} at position {}; only digits may follow the +",
                i + 1
            ));
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(format!(
                "{text:?} has {} digits; E.164 numbers have 7 to 15",
                digits.len()
            ));
        }
        if digits.starts_with('0') {
            return Err(format!("{text:?}: no country code starts with 0"));
        }
        Ok(E164(text.to_owned()))
    }

    /// The number with its `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits after the `+` (what goes in destination_addr with TON 1, NPI 1).
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

/// One validated message submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitRequest {
    /// Destination.
    pub to: E164,
    /// Sender; the account's default when absent.
    pub from: Option<Sender>,
    /// The text, as given.
    pub text: String,
    /// OTP or bulk.
    pub kind: Kind,
    /// Validity period; the kind's default when absent.
    pub validity: Option<Duration>,
    /// Ask the carrier for a delivery receipt.
    pub dlr: bool,
    /// The caller's id, for idempotent retries.
    pub client_ref: Option<String>,
    /// Hold until then.
    pub send_at: Option<jiff::Timestamp>,
    /// Encoding asked for.
    pub encoding: EncodingChoice,
}

/// What the request body held.
#[derive(Debug, PartialEq, Eq)]
pub enum Submission {
    /// One message (answered with its own status).
    Single(Result<SubmitRequest, Refusal>),
    /// A batch (answered 207 with one result per message, in order).
    Batch(Vec<Result<SubmitRequest, Refusal>>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessage {
    to: String,
    #[serde(default)]
    from: Option<String>,
    text: String,
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    validity_s: Option<u64>,
    #[serde(default)]
    dlr: Option<bool>,
    #[serde(default)]
    client_ref: Option<String>,
    #[serde(default)]
    send_at: Option<String>,
    #[serde(default)]
    encoding: EncodingChoice,
}

/// Parses a request body. Errors that concern the whole body (malformed JSON, a batch too
/// large) are returned as `Err`; errors in one message are in that message's slot. Each message
/// is parsed once, straight from its own text into its typed form.
pub fn parse_submission(body: &[u8], max_batch: usize) -> Result<Submission, Refusal> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Refusal::InvalidRequest(format!("malformed JSON: the body is not UTF-8: {e}"))
    })?;
    if !text.trim_start().starts_with('{') {
        return Err(Refusal::InvalidRequest(
            "the body must be a JSON object: one message, or {\"messages\": [...]}".into(),
        ));
    }
    // Only the keys matter here (values are skipped, not built): a batch has `messages` alone.
    let top = serde_json::from_str::<BatchKeys>(text)
        .map_err(|e| Refusal::InvalidRequest(format!("malformed JSON: {e}")))?
        .keys;
    if !top.contains_key("messages") {
        return Ok(Submission::Single(parse_message(text, None)));
    }
    if let Some(other) = top.keys().find(|k| *k != "messages") {
        return Err(Refusal::InvalidRequest(format!(
            "{other}: unknown field beside \"messages\" in a batch"
        )));
    }
    let batch: Batch<'_> = serde_json::from_str(text)
        .map_err(|_| Refusal::InvalidRequest("messages: must be an array of messages".into()))?;
    let items = batch.messages;
    if items.is_empty() {
        return Err(Refusal::InvalidRequest(
            "messages: the batch is empty".into(),
        ));
    }
    if items.len() > max_batch {
        return Err(Refusal::TooManyMessages {
            count: items.len(),
            max: max_batch,
        });
    }
    Ok(Submission::Batch(
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| parse_message(item.get(), Some(i)))
            .collect(),
    ))
}

/// The top-level keys of a body, their values skipped unparsed.
struct BatchKeys {
    keys: serde_json::Map<String, Value>,
}

impl<'de> Deserialize<'de> for BatchKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = BatchKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<BatchKeys, A::Error> {
                let mut keys = serde_json::Map::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.insert(k, Value::Null);
                }
                Ok(BatchKeys { keys })
            }
        }
        d.deserialize_map(Keys)
    }
}

#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(borrow)]
    messages: Vec<&'a RawValue>,
}

/// What a field name in an error starts with: `messages[item].` in a batch, nothing alone.
fn item_prefix(item: Option<usize>) -> String {
    item.map_or_else(String::new, |i| format!("messages[{i}]."))
}

/// The message parsed with its path tracked: the refusal names the field that broke, prefixed
/// as [`parse_message`] says.
fn located(json: &str, item: Option<usize>) -> Result<RawMessage, Refusal> {
    let prefix = || item_prefix(item);
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            // Missing or unknown fields and a non-object message are reported at its level.
            let prefix = prefix();
            let at = prefix.trim_end_matches('.');
            if at.is_empty() {
                Refusal::InvalidRequest(inner.to_string())
            } else {
                Refusal::InvalidRequest(format!("{at}: {inner}"))
            }
        } else {
            Refusal::InvalidRequest(format!("{}{path}: {inner}", prefix()))
        }
    })
}

/// Parses one message from its JSON text; field names in errors are prefixed with
/// `messages[item].` for an item of a batch. The prefix is written only for an error: a
/// message that parses costs no string for it.
fn parse_message(json: &str, item: Option<usize>) -> Result<SubmitRequest, Refusal> {
    let field = |name: &str| format!("{}{name}", item_prefix(item));
    let mut de = serde_json::Deserializer::from_str(json);
    // Tracking the path of every field was a third of the parse (benches/request.rs): only a
    // message that fails is read again with it, to say where.
    let raw = match RawMessage::deserialize(&mut de) {
        Ok(raw) => raw,
        Err(_) => located(json, item)?,
    };
    let to = E164::parse(&raw.to).map_err(|reason| Refusal::InvalidNumber {
        field: field("to"),
        reason,
    })?;
    if raw.text.is_empty() {
        return Err(Refusal::EmptyText {
            field: field("text"),
        });
    }
    let chars = raw.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(Refusal::TextTooLong {
            field: field("text"),
            reason: format!("{chars} characters; at most {MAX_TEXT_CHARS} are accepted"),
        });
    }
    let from = raw
        .from
        .as_deref()
        .map(Sender::parse)
        .transpose()
        .map_err(|reason| Refusal::InvalidSender {
            field: field("from"),
            reason,
        })?;
    let validity = match raw.validity_s {
        None => None,
        Some(0) => {
            return Err(Refusal::InvalidRequest(format!(
                "{}: must be at least 1 second",
                field("validity_s")
            )));
        }
        Some(s) if Duration::from_secs(s) > MAX_VALIDITY => {
            return Err(Refusal::InvalidRequest(format!(
                "{}: {s} s is more than the {} s allowed",
                field("validity_s"),
                MAX_VALIDITY.as_secs()
            )));
        }
        Some(s) => Some(Duration::from_secs(s)),
    };
    if let Some(r) = &raw.client_ref {
        let n = r.chars().count();
        if n == 0 || n > MAX_CLIENT_REF {
            return Err(Refusal::InvalidRequest(format!(
                "{}: must be 1 to {MAX_CLIENT_REF} characters, not {n}",
                field("client_ref")
            )));
        }
    }
    let send_at = raw
        .send_at
        .as_deref()
        .map(|t| {
            t.parse::<jiff::Timestamp>().map_err(|e| {
                Refusal::InvalidRequest(format!(
                    "{}: {t:?} is not an RFC 3339 time: {e}",
                    field("send_at")
                ))
            })
        })
        .transpose()?;
    Ok(SubmitRequest {
        to,
        from,
        text: raw.text,
        kind: raw.kind,
        validity,
        dlr: raw.dlr.unwrap_or(true),
        client_ref: raw.client_ref,
        send_at,
        encoding: raw.encoding,
    })
}
