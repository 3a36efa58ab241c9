//! `[[carriers]]` → [`CarrierSettings`]: the pool's [`CarrierConfig`], the carrier's
//! [`TextProfile`] and the dispatcher's settings.

use std::collections::HashMap;
use std::time::Duration;

use rustls_pki_types::ServerName;

use super::{Context, Report, Valid, check_label, pem};
use crate::carrier::{BindCounts, CarrierConfig, TlsSettings};
use crate::config::duration;
use crate::config::error::KeyPath;
use crate::config::raw::{
    RawCarrier, RawClientTls, RawConcatenation, RawDataCoding, RawInterfaceVersion,
    RawMessageIdFormat, RawNationalTable, RawOnTimeout, RawPacking,
};
use crate::config::secret;
use crate::config::types::{CarrierSettings, MessageIdFormat, OnTimeout};
use crate::text::{
    Concatenation, DEFAULT_MAX_SEGMENTS, DefaultAlphabet, NationalLanguage, Packing, TextProfile,
};

/// The bind password's size by the specification (C-Octet String of 9, terminator included).
const DEFAULT_PASSWORD_MAX: i64 = 8;

/// What routes need to know about the carriers.
#[derive(Debug)]
pub(super) struct Carriers {
    /// Every carrier, when all are valid.
    pub(super) valid: Valid<Vec<CarrierSettings>>,
    /// Each carrier whose name could be read, and whether it has a bind that can submit
    /// (`None` when its binds are wrong).
    pub(super) submits: HashMap<String, Option<bool>>,
    /// Whether every carrier's name could be read; if not, a name a route uses may be the
    /// unreadable one, and "unknown carrier" would only be noise.
    pub(super) all_named: bool,
}

/// `[[carriers]]`.
pub(super) fn carriers(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: Option<&[RawCarrier]>,
) -> Carriers {
    let mut out = Carriers {
        valid: None,
        submits: HashMap::new(),
        all_named: raw.is_some(),
    };
    let raw = match raw {
        Some(list) if !list.is_empty() => list,
        _ => {
            report.error(path, "at least one [[carriers]] table is required");
            return out;
        }
    };
    let mut valid = Some(Vec::with_capacity(raw.len()));
    let mut first_use: HashMap<&str, usize> = HashMap::new();
    for (i, c) in raw.iter().enumerate() {
        let p = path.index(i);
        let binds = binds(report, &p, c);
        let submits = binds.map(|b| b.transmitter + b.transceiver > 0);
        let settings = carrier(report, cx, &p, c, binds);
        match c.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => {
                if let Some(first) = first_use.get(name) {
                    report.error(
                        &p.key("name"),
                        format!("{name:?} is already the name of carriers[{first}]"),
                    );
                } else {
                    first_use.insert(name, i);
                    out.submits.insert(name.to_owned(), submits);
                }
            }
            None => out.all_named = false,
        }
        match (settings, valid.as_mut()) {
            (Some(s), Some(list)) => list.push(s),
            _ => valid = None,
        }
    }
    if first_use.len() != raw.len() {
        valid = None;
    }
    out.valid = valid;
    out
}

/// One carrier; its `binds` are validated first by the caller, which needs them for routes.
fn carrier(
    report: &mut Report,
    cx: &Context<'_>,
    path: &KeyPath,
    raw: &RawCarrier,
    binds: Valid<BindCounts>,
) -> Valid<CarrierSettings> {
    let name_path = path.key("name");
    let name = report
        .required(&name_path, raw.name.as_deref())
        .and_then(|n| check_label(report, &name_path, n));
    let host_path = path.key("host");
    let host = report
        .required(&host_path, raw.host.as_deref())
        .and_then(|h| report.check(&host_path, check_host(h)));
    let port = report.req_int::<u16>(&path.key("port"), raw.port, 1..=65535);
    let system_id_path = path.key("system_id");
    let system_id = report
        .required(&system_id_path, raw.system_id.as_deref())
        .and_then(|s| report.check(&system_id_path, c_octet(s, 1, 15)));
    let system_type_path = path.key("system_type");
    let system_type = report.check(
        &system_type_path,
        c_octet(raw.system_type.as_deref().unwrap_or(""), 0, 12),
    );
    let password_max = report.int::<usize>(
        &path.key("password_max"),
        raw.password_max,
        1..=64,
        DEFAULT_PASSWORD_MAX as usize,
    );
    let password_path = path.key("password");
    let password = report
        .required(&password_path, raw.password.as_ref())
        .and_then(|s| report.check(&password_path, secret::resolve(s, cx)))
        .and_then(|secret| {
            let value = secret.expose();
            // Judged only against a valid password_max; a wrong one is reported on its own.
            let max = password_max?;
            if value.len() > max {
                let hint = if raw.password_max.is_none() {
                    " (SMPP allows 8; set password_max if this carrier takes longer ones)"
                } else {
                    ""
                };
                report.error(
                    &password_path,
                    format!("is {} octets long, more than {max}{hint}", value.len()),
                );
                return None;
            }
            if value.contains('\0') {
                report.error(&password_path, "must not contain NUL");
                return None;
            }
            Some(value.to_owned())
        });
    let interface_version = match raw.interface_version.unwrap_or(RawInterfaceVersion::V34) {
        RawInterfaceVersion::V34 => 0x34,
        RawInterfaceVersion::V50 => 0x50,
    };
    let window = report.int::<usize>(&path.key("window"), raw.window, 1..=10_000, 64);
    let max_tps = report.req_int::<u32>(&path.key("max_tps"), raw.max_tps, 1..=1_000_000);
    let enquire_link = report.duration(
        &path.key("enquire_link"),
        raw.enquire_link.as_deref(),
        Duration::from_secs(30),
        false,
    );
    let response_timeout = report.duration(
        &path.key("response_timeout"),
        raw.response_timeout.as_deref(),
        Duration::from_secs(10),
        false,
    );
    let reconnect = reconnect(report, path, raw);
    let throttle_pause = report.duration(
        &path.key("throttle_pause"),
        raw.throttle_pause.as_deref(),
        Duration::from_secs(1),
        false,
    );
    // Zero is allowed: a throttled part is then reported at once instead of retried.
    let throttle_retry_for = report.duration(
        &path.key("throttle_retry_for"),
        raw.throttle_retry_for.as_deref(),
        Duration::from_secs(60),
        true,
    );
    let max_pdu = report.int::<u32>(
        &path.key("max_pdu"),
        raw.max_pdu,
        1024..=(16 << 20),
        crate::framing::DEFAULT_MAX_PDU,
    );
    let tls = match &raw.tls {
        None => Some(None),
        Some(t) => client_tls(report, cx, path, t, host.as_deref()).map(Some),
    };
    let text = text_profile(report, path, raw);
    let message_id_format = match raw.message_id_format.unwrap_or(RawMessageIdFormat::Auto) {
        RawMessageIdFormat::Hex => MessageIdFormat::Hex,
        RawMessageIdFormat::Dec => MessageIdFormat::Dec,
        RawMessageIdFormat::Auto => MessageIdFormat::Auto,
    };
    let on_timeout = match raw.on_timeout.unwrap_or(RawOnTimeout::Report) {
        RawOnTimeout::Report => OnTimeout::Report,
        RawOnTimeout::Resend => OnTimeout::Resend,
    };
    let (reconnect_min, reconnect_max) = reconnect?;
    Some(CarrierSettings {
        carrier: CarrierConfig {
            name: name?,
            host: host?,
            port: port?,
            tls: tls?,
            system_id: system_id?,
            password: password?,
            system_type: system_type?,
            interface_version,
            binds: binds?,
            window: window?,
            max_tps: max_tps?,
            enquire_link: enquire_link?,
            response_timeout: response_timeout?,
            reconnect_min,
            reconnect_max,
            throttle_pause: throttle_pause?,
            throttle_retry_for: throttle_retry_for?,
            // CarrierConfig counts the C-Octet terminator; operators count characters.
            password_max: password_max? + 1,
            max_pdu: max_pdu?,
        },
        text: text?,
        message_id_format,
        on_timeout,
    })
}

fn binds(report: &mut Report, path: &KeyPath, raw: &RawCarrier) -> Valid<BindCounts> {
    let binds_path = path.key("binds");
    let b = report.required(&binds_path, raw.binds.as_ref())?;
    // Binds are sessions the SMSC counts against the account; a few per type is the norm.
    let transmitter = report.int::<usize>(&binds_path.key("transmitter"), b.transmitter, 0..=64, 0);
    let receiver = report.int::<usize>(&binds_path.key("receiver"), b.receiver, 0..=64, 0);
    let transceiver = report.int::<usize>(&binds_path.key("transceiver"), b.transceiver, 0..=64, 0);
    let counts = BindCounts {
        transmitter: transmitter?,
        receiver: receiver?,
        transceiver: transceiver?,
    };
    if counts.total() == 0 {
        report.error(
            &binds_path,
            "at least one bind is required (transmitter, receiver or transceiver)",
        );
        return None;
    }
    Some(counts)
}

fn reconnect(report: &mut Report, path: &KeyPath, raw: &RawCarrier) -> Valid<(Duration, Duration)> {
    let p = path.key("reconnect");
    let r = raw.reconnect.as_ref();
    let min = report.duration(
        &p.key("min"),
        r.and_then(|r| r.min.as_deref()),
        Duration::from_secs(1),
        false,
    );
    let max = report.duration(
        &p.key("max"),
        r.and_then(|r| r.max.as_deref()),
        Duration::from_secs(60),
        false,
    );
    let (min, max) = (min?, max?);
    if min > max {
        report.error(
            &p,
            format!(
                "min ({}) must not be longer than max ({})",
                duration::show(min),
                duration::show(max)
            ),
        );
        return None;
    }
    Some((min, max))
}

fn client_tls(
    report: &mut Report,
    cx: &Context<'_>,
    carrier_path: &KeyPath,
    raw: &RawClientTls,
    host: Option<&str>,
) -> Valid<TlsSettings> {
    let path = &carrier_path.key("tls");
    let ca_path = path.key("ca");
    let ca = match raw.ca.as_deref() {
        None => Some(None),
        Some(c) => report.path(cx, &ca_path, c).and_then(|p| {
            report
                .check(&ca_path, pem::certificates(&p))
                .map(|()| Some(p))
        }),
    };
    let name_path = path.key("server_name");
    let server_name = match raw.server_name.as_deref() {
        None => {
            // The host is then the name to verify; it must be one a certificate can carry.
            if let Some(h) = host
                && ServerName::try_from(h).is_err()
            {
                report.error(
                    &carrier_path.key("host"),
                    format!("{h:?} is not a name or address TLS can verify; set tls.server_name"),
                );
            }
            Some(None)
        }
        Some(n) => match ServerName::try_from(n) {
            Ok(_) => Some(Some(n.to_owned())),
            Err(_) => {
                report.error(&name_path, format!("{n:?} is not a DNS name or IP address"));
                None
            }
        },
    };
    let cert_path = path.key("client_cert");
    let key_path = path.key("client_key");
    let client_cert = match (raw.client_cert.as_deref(), raw.client_key.as_deref()) {
        (None, None) => Some(None),
        (Some(_), None) => {
            report.error(&key_path, "missing: client_cert needs its client_key");
            None
        }
        (None, Some(_)) => {
            report.error(&cert_path, "missing: client_key needs its client_cert");
            None
        }
        (Some(c), Some(k)) => {
            let cert = report
                .path(cx, &cert_path, c)
                .and_then(|p| report.check(&cert_path, pem::certificates(&p)).map(|()| p));
            let key = report
                .path(cx, &key_path, k)
                .and_then(|p| report.check(&key_path, pem::private_key(&p)).map(|()| p));
            Some(Some((cert?, key?)))
        }
    };
    Some(TlsSettings {
        ca: ca?,
        server_name: server_name?,
        client_cert: client_cert?,
    })
}

fn text_profile(report: &mut Report, path: &KeyPath, raw: &RawCarrier) -> Valid<TextProfile> {
    let default_alphabet = match raw.data_coding_default.unwrap_or(RawDataCoding::Gsm7) {
        RawDataCoding::Gsm7 => DefaultAlphabet::Gsm7,
        RawDataCoding::Latin1 => DefaultAlphabet::Latin1,
        RawDataCoding::Ascii => DefaultAlphabet::Ascii,
    };
    let concatenation = match raw.concatenation.unwrap_or(RawConcatenation::Udh8) {
        RawConcatenation::Udh8 => Concatenation::Udh8,
        RawConcatenation::Udh16 => Concatenation::Udh16,
        RawConcatenation::Sar => Concatenation::Sar,
        RawConcatenation::Payload => Concatenation::Payload,
    };
    let packing = match raw.packing.unwrap_or(RawPacking::Unpacked) {
        RawPacking::Unpacked => Packing::Unpacked,
        RawPacking::Packed => Packing::Packed,
    };
    let max_segments = report.int::<u8>(
        &path.key("max_segments"),
        raw.max_segments,
        1..=255,
        DEFAULT_MAX_SEGMENTS,
    );
    let tables_path = path.key("national_tables");
    let mut national_languages = Some(Vec::new());
    let mut seen = Vec::new();
    for (i, t) in raw.national_tables.iter().flatten().enumerate() {
        let p = tables_path.index(i);
        let language = match t {
            RawNationalTable::Code(code) => NATIONAL_CODES
                .iter()
                .find(|(c, _)| c == code)
                .map(|&(_, l)| l),
            RawNationalTable::Id(id) => u8::try_from(*id).ok().and_then(NationalLanguage::from_id),
        };
        match language {
            None => {
                let codes: Vec<&str> = NATIONAL_CODES.iter().map(|(c, _)| *c).collect();
                let shown = match t {
                    RawNationalTable::Code(c) => format!("{c:?}"),
                    RawNationalTable::Id(id) => id.to_string(),
                };
                report.error(
                    &p,
                    format!(
                        "{shown} is not a 3GPP TS 23.038 national table: use one of {} or an id from 1 to 13",
                        codes.join(", ")
                    ),
                );
                national_languages = None;
            }
            Some(l) if seen.contains(&l) => {
                report.error(&p, format!("{l:?} is listed twice"));
                national_languages = None;
            }
            Some(l) => {
                seen.push(l);
                if let Some(list) = national_languages.as_mut() {
                    list.push(l);
                }
            }
        }
    }
    if raw.national_tables.as_ref().is_some_and(|t| !t.is_empty()) {
        // The tables are announced in the UDH and are GSM 7-bit tables: anywhere else they
        // would be silently unused.
        if matches!(concatenation, Concatenation::Sar | Concatenation::Payload) {
            report.error(
                &tables_path,
                "national tables are announced in the UDH, so they need concatenation \"udh8\" or \"udh16\"",
            );
            national_languages = None;
        }
        if default_alphabet != DefaultAlphabet::Gsm7 {
            report.error(
                &tables_path,
                "national tables are GSM 7-bit tables, which are not sent when data_coding_default is not \"gsm7\"",
            );
            national_languages = None;
        }
    }
    Some(TextProfile {
        packing,
        default_alphabet,
        concatenation,
        national_languages: national_languages?,
        max_segments: max_segments?,
    })
}

/// Language codes (ISO 639-1) for the 3GPP TS 23.038 national tables, by table id.
const NATIONAL_CODES: [(&str, NationalLanguage); 13] = [
    ("tr", NationalLanguage::Turkish),
    ("es", NationalLanguage::Spanish),
    ("pt", NationalLanguage::Portuguese),
    ("bn", NationalLanguage::Bengali),
    ("gu", NationalLanguage::Gujarati),
    ("hi", NationalLanguage::Hindi),
    ("kn", NationalLanguage::Kannada),
    ("ml", NationalLanguage::Malayalam),
    ("or", NationalLanguage::Oriya),
    ("pa", NationalLanguage::Punjabi),
    ("ta", NationalLanguage::Tamil),
    ("te", NationalLanguage::Telugu),
    ("ur", NationalLanguage::Urdu),
];

/// A host to connect to: a name or an address, no spaces.
fn check_host(host: &str) -> Result<String, String> {
    if host.is_empty()
        || host.len() > 253
        || host.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("{host:?} is not a host name or address"));
    }
    Ok(host.to_owned())
}

/// A C-Octet String field: printable ASCII, `min..=max` characters (the terminator not
/// counted).
fn c_octet(value: &str, min: usize, max: usize) -> Result<String, String> {
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(format!("{value:?} must be printable ASCII"));
    }
    if value.len() < min || value.len() > max {
        return Err(if min == 0 {
            format!("{value:?} is longer than {max} characters")
        } else {
            format!("{value:?} must be {min} to {max} characters")
        });
    }
    Ok(value.to_owned())
}
