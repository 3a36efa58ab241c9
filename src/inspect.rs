//! The operator's decode tool: hex from a capture in, one JSON object per PDU out.
//!
//! Several PDUs may follow each other in the hex; each is cut by its command_length. A PDU whose
//! body is bad is reported and the next one is still read; a broken length ends the walk, since
//! nothing after it can be cut reliably.

use serde_json::{Value, json};

use crate::framing::DEFAULT_MAX_PDU;
use crate::pdu::{HEADER_LEN, Header, Limits, Pdu};

/// Decodes every PDU in `hex` and returns one JSON value per PDU or error, and whether all
/// decoded cleanly. Whitespace, `:` separators and a leading `0x` are ignored.
pub fn decode_hex(hex: &str, limits: &Limits) -> (Vec<Value>, bool) {
    let bytes = match parse_hex(hex) {
        Ok(bytes) => bytes,
        Err(e) => return (vec![e], false),
    };
    if bytes.is_empty() {
        return (vec![error_json("no input: give the PDU as hex", 0)], false);
    }
    let mut out = Vec::new();
    let mut clean = true;
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let Some(h) = Header::peek(rest) else {
            out.push(error_json(
                &format!("{} octets left: too few for a 16-octet header", rest.len()),
                at,
            ));
            return (out, false);
        };
        let len = h.command_length as usize;
        let framing = if len < HEADER_LEN {
            Some(format!("command_length {len} is below the 16-octet header"))
        } else if h.command_length > DEFAULT_MAX_PDU {
            Some(format!(
                "command_length {len} exceeds the maximum of {DEFAULT_MAX_PDU}"
            ))
        } else if len > rest.len() {
            Some(format!(
                "command_length is {len} but only {} octets remain",
                rest.len()
            ))
        } else {
            None
        };
        if let Some(message) = framing {
            out.push(error_json(&message, at));
            return (out, false);
        }
        match Pdu::decode_with(&rest[..len], limits) {
            Ok(pdu) => out.push(pdu.to_json()),
            Err(e) => {
                clean = false;
                let mut v = error_json(&e.kind.to_string(), at + e.offset);
                v["command_id"] = match e.command_id.name() {
                    Some(name) => name.into(),
                    None => format!("0x{:08X}", e.command_id.raw()).into(),
                };
                v["sequence_number"] = e.sequence_number.into();
                v["reply_status"] = e.status().name().into();
                out.push(v);
            }
        }
        at += len;
    }
    (out, clean)
}

fn error_json(message: &str, offset: usize) -> Value {
    json!({ "error": message, "offset": offset })
}

fn parse_hex(text: &str) -> Result<Vec<u8>, Value> {
    let text = text.trim();
    let text = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let digits: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace() && *c != ':')
        .collect();
    if let Some((pos, c)) = digits.iter().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(json!({
            "error": format!("{c:?} at character {pos} is not a hex digit"),
            "offset": pos,
        }));
    }
    if digits.len() % 2 == 1 {
        return Err(json!({
            "error": "odd number of hex digits: the last octet is incomplete",
            "offset": digits.len() / 2,
        }));
    }
    let digits: String = digits.into_iter().map(|(_, c)| c).collect();
    // Every character was checked above, so this cannot fail.
    hex::decode(digits).map_err(|e| json!({ "error": e.to_string(), "offset": 0 }))
}
