//! POST /v1/messages bodies: every field validated, every refusal names its field, a bad message
//! in a batch never sinks the others, and each refusal maps to its HTTP status and code.

use smppd::ingest::{ApiError, Kind, Refusal, Sender, Submission, parse_submission};
use smppd::text::EncodingChoice;

fn single(body: &str) -> Result<smppd::ingest::SubmitRequest, Refusal> {
    match parse_submission(body.as_bytes(), 1000).expect("body-level parse") {
        Submission::Single(r) => r,
        other => panic!("{other:?}"),
    }
}

fn refused(body: &str) -> (String, String) {
    let r = single(body).expect_err("refused");
    let api = ApiError::from(&r);
    (api.code.to_owned(), api.message)
}

#[test]
fn a_full_message_is_read_field_by_field() {
    let m = single(
        r#"{"to": "+34600111222", "from": "ACME", "text": "Your code is 1234", "kind": "otp",
            "validity_s": 300, "dlr": false, "client_ref": "abc-1",
            "send_at": "2026-12-01T10:00:00Z", "encoding": "ucs2"}"#,
    )
    .unwrap();
    assert_eq!(m.to.as_str(), "+34600111222");
    assert_eq!(m.to.digits(), "34600111222");
    assert_eq!(m.from, Some(Sender::Alphanumeric("ACME".into())));
    assert_eq!(m.kind, Kind::Otp);
    assert_eq!(m.validity.unwrap().as_secs(), 300);
    assert!(!m.dlr);
    assert_eq!(m.client_ref.as_deref(), Some("abc-1"));
    assert_eq!(m.send_at.unwrap().to_string(), "2026-12-01T10:00:00Z");
    assert_eq!(m.encoding, EncodingChoice::Ucs2);

    let m = single(r#"{"to": "+14155550100", "text": "hi"}"#).unwrap();
    assert_eq!(
        (m.kind, m.dlr, m.encoding),
        (Kind::Bulk, true, EncodingChoice::Auto)
    );
    assert!(m.from.is_none() && m.client_ref.is_none() && m.send_at.is_none());
}

#[test]
fn senders() {
    assert_eq!(
        Sender::parse("12345"),
        Ok(Sender::ShortCode("12345".into()))
    );
    assert!(matches!(
        Sender::parse("+447911123456"),
        Ok(Sender::E164(_))
    ));
    assert_eq!(Sender::parse("ACME").unwrap().address(), (5, 0, "ACME"));
    assert_eq!(
        Sender::parse("+447911123456").unwrap().address(),
        (1, 1, "447911123456")
    );
    for bad in ["TwelveLetter", "12", "123456789", "", "Zoë✓"] {
        assert!(Sender::parse(bad).is_err(), "{bad:?}");
    }
    let (code, msg) = refused(r#"{"to": "+34600111222", "text": "x", "from": "AVeryLongName"}"#);
    assert_eq!(code, "invalid_sender");
    assert_eq!(
        msg,
        "from: \"AVeryLongName\" is not a sender: an alphanumeric sender is at most 11 GSM characters"
    );
}

#[test]
fn numbers_must_be_e164() {
    for (to, why) in [
        ("0034600111222", "must start with +"),
        ("600111222", "must start with +"),
        ("+34 600 111 222", "' ' at position 3"),
        ("+123456", "has 6 digits"),
        ("+1234567890123456", "has 16 digits"),
        ("+0600111222", "no country code starts with 0"),
    ] {
        let (code, msg) = refused(&format!(r#"{{"to": "{to}", "text": "x"}}"#));
        assert_eq!(code, "invalid_number", "{to}");
        assert!(msg.starts_with("to: "), "{msg}");
        assert!(msg.contains(why), "{to}: {msg}");
    }
}

#[test]
fn malformed_input_names_the_field() {
    let cases = [
        (
            r#"{"to": 34600111222, "text": "x"}"#,
            "invalid_request",
            "to: invalid type: integer",
        ),
        (r#"{"text": "x"}"#, "invalid_request", "missing field `to`"),
        (
            r#"{"to": "+34600111222", "text": "x", "colour": "red"}"#,
            "invalid_request",
            "unknown field `colour`",
        ),
        (
            r#"{"to": "+34600111222", "text": ""}"#,
            "empty_text",
            "text: the text is empty",
        ),
        (
            r#"{"to": "+34600111222", "text": "x", "kind": "urgent"}"#,
            "invalid_request",
            "kind: unknown variant `urgent`",
        ),
        (
            r#"{"to": "+34600111222", "text": "x", "encoding": "utf8"}"#,
            "invalid_request",
            "encoding: unknown variant `utf8`",
        ),
        (
            r#"{"to": "+34600111222", "text": "x", "validity_s": 0}"#,
            "invalid_request",
            "validity_s: must be at least 1 second",
        ),
        (
            r#"{"to": "+34600111222", "text": "x", "validity_s": -5}"#,
            "invalid_request",
            "validity_s: invalid value",
        ),
        (
            r#"{"to": "+34600111222", "text": "x", "dlr": "yes"}"#,
            "invalid_request",
            "dlr: invalid type",
        ),
        (
            r#"{"to": "+34600111222", "text": "x", "send_at": "tomorrow"}"#,
            "invalid_request",
            "send_at: \"tomorrow\" is not an RFC 3339 time",
        ),
    ];
    for (body, code, start) in cases {
        let (got_code, msg) = refused(body);
        assert_eq!(got_code, code, "{body}");
        assert!(msg.contains(start), "{body}: {msg}");
    }
    let long_ref = "r".repeat(65);
    let (code, msg) = refused(&format!(
        r#"{{"to": "+34600111222", "text": "x", "client_ref": "{long_ref}"}}"#
    ));
    assert_eq!(code, "invalid_request");
    assert_eq!(msg, "client_ref: must be 1 to 64 characters, not 65");
    let (code, msg) = refused(&format!(
        r#"{{"to": "+34600111222", "text": "{}"}}"#,
        "x".repeat(10_001)
    ));
    assert_eq!(code, "text_too_long");
    assert!(msg.starts_with("text: 10001 characters"), "{msg}");
}

#[test]
fn body_level_errors() {
    for (body, code, text) in [
        ("{not json", "invalid_request", "malformed JSON"),
        ("[1, 2]", "invalid_request", "must be a JSON object"),
        (
            r#"{"messages": {}}"#,
            "invalid_request",
            "messages: must be an array",
        ),
        (
            r#"{"messages": []}"#,
            "invalid_request",
            "messages: the batch is empty",
        ),
        (
            r#"{"messages": [], "to": "+34600111222"}"#,
            "invalid_request",
            "to: unknown field beside",
        ),
    ] {
        let err = parse_submission(body.as_bytes(), 1000).expect_err(body);
        let api = ApiError::from(&err);
        assert_eq!((api.status, api.code), (400, code), "{body}");
        assert!(api.message.contains(text), "{body}: {}", api.message);
    }
    let three = r#"{"messages": [{"to":"+34600111222","text":"a"},{"to":"+34600111222","text":"b"},{"to":"+34600111222","text":"c"}]}"#;
    let err = parse_submission(three.as_bytes(), 2).unwrap_err();
    let api = ApiError::from(&err);
    assert_eq!((api.status, api.code), (400, "too_many_messages"));
    assert_eq!(
        api.message,
        "the batch has 3 messages; at most 2 are allowed per request"
    );
}

#[test]
fn a_bad_message_in_a_batch_stands_alone() {
    let body = r#"{"messages": [
        {"to": "+34600111222", "text": "first"},
        {"to": "612345678", "text": "second"},
        {"to": "+34600111223", "text": ""},
        {"to": "+34600111224", "text": "fourth", "extra": 1},
        "not an object",
        {"to": "+34600111225", "text": "sixth"}
    ]}"#;
    let Submission::Batch(items) = parse_submission(body.as_bytes(), 1000).unwrap() else {
        panic!()
    };
    assert_eq!(items.len(), 6);
    assert_eq!(items[0].as_ref().unwrap().text, "first");
    let messages: Vec<String> = items
        .iter()
        .map(|r| match r {
            Ok(m) => format!("ok {}", m.text),
            Err(e) => format!("{} {}", ApiError::from(e).code, e),
        })
        .collect();
    assert_eq!(messages[0], "ok first");
    assert!(
        messages[1].starts_with("invalid_number messages[1].to: "),
        "{}",
        messages[1]
    );
    assert_eq!(
        messages[2],
        "empty_text messages[2].text: the text is empty"
    );
    assert!(
        messages[3].starts_with("invalid_request messages[3].extra: unknown field `extra`"),
        "{}",
        messages[3]
    );
    assert!(
        messages[4].starts_with("invalid_request messages[4]: invalid type: string"),
        "{}",
        messages[4]
    );
    assert_eq!(messages[5], "ok sixth");
}

#[test]
fn every_refusal_has_its_status_and_code() {
    let f = || "to".to_string();
    let table = [
        (Refusal::Unauthorized("missing token"), 401, "unauthorized"),
        (Refusal::Forbidden("send"), 403, "forbidden"),
        (Refusal::IpNotAllowed, 403, "ip_not_allowed"),
        (
            Refusal::CountryNotAllowed {
                field: f(),
                country: "GB".into(),
            },
            403,
            "country_not_allowed",
        ),
        (
            Refusal::UnicodeNotAllowed {
                field: "text".into(),
            },
            403,
            "unicode_not_allowed",
        ),
        (Refusal::Duplicate { id: "01J".into() }, 409, "duplicate"),
        (Refusal::NoRoute { field: f() }, 422, "no_route"),
        (
            Refusal::RateLimited { retry_after_s: 2 },
            429,
            "rate_limited",
        ),
        (
            Refusal::DailyQuotaExceeded {
                retry_after_s: 3600,
            },
            429,
            "daily_quota_exceeded",
        ),
        (Refusal::CreditExhausted, 429, "credit_exhausted"),
        (Refusal::Overloaded, 503, "overloaded"),
        (Refusal::ShuttingDown, 503, "shutting_down"),
        (Refusal::NotFound, 404, "not_found"),
    ];
    for (r, status, code) in table {
        let api = ApiError::from(&r);
        assert_eq!((api.status, api.code), (status, code), "{r:?}");
    }
    let dup = ApiError::from(&Refusal::Duplicate {
        id: "01JABC".into(),
    });
    assert_eq!(
        serde_json::to_value(&dup).unwrap(),
        serde_json::json!({"code": "duplicate", "message": "the same text was sent to this number within the duplicate window", "id": "01JABC"})
    );
    assert_eq!(
        ApiError::from(&Refusal::RateLimited { retry_after_s: 2 }).retry_after_s,
        Some(2)
    );
    assert_eq!(
        ApiError::from(&Refusal::CreditExhausted).retry_after_s,
        None
    );
}

#[test]
fn a_field_of_the_wrong_type_is_named_in_a_batch_and_alone() {
    // A message that fails is read a second time to locate the fault: the refusal must name
    // the same field the first read broke on.
    let body = r#"{"messages": [
        {"to": "+34600111222", "text": "fine"},
        {"to": "+34600111223", "text": "late", "validity_s": "an hour"}
    ]}"#;
    let Submission::Batch(items) = parse_submission(body.as_bytes(), 1000).unwrap() else {
        panic!()
    };
    assert!(items[0].is_ok());
    let e = items[1].as_ref().expect_err("refused").to_string();
    assert!(
        e.starts_with("messages[1].validity_s: invalid type: string \"an hour\""),
        "{e}"
    );
    let (code, message) = refused(r#"{"to": "+34600111222", "text": "x", "dlr": "yes"}"#);
    assert_eq!(code, "invalid_request");
    assert!(
        message.starts_with("dlr: invalid type: string \"yes\", expected a boolean"),
        "{message}"
    );
}
