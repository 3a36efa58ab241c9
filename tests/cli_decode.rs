//! `smppd decode` through the binary: JSON per PDU, errors with byte offsets, exit status.

use std::io::Write;
use std::process::{Command, Stdio};

const ENQUIRE_LINK: &str = "00000010000000150000000000000007";
const SUBMIT_SM_RESP: &str = "00000017800000040000000000000001356633613963 00";

fn run(args: &[&str], stdin: Option<&str>) -> (i32, Vec<serde_json::Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smppd"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let values = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (
        out.status.code().unwrap(),
        values,
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn several_pdus_from_arguments() {
    let (code, v, _) = run(&[ENQUIRE_LINK, SUBMIT_SM_RESP], None);
    assert_eq!(code, 0);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["command_id"], "enquire_link");
    assert_eq!(v[0]["sequence_number"], 7);
    assert_eq!(v[1]["command_id"], "submit_sm_resp");
    assert_eq!(v[1]["message_id"], "5f3a9c");
    assert_eq!(v[1]["command_status"]["name"], "ESME_ROK");
}

#[test]
fn hex_from_standard_input() {
    let input = format!("{ENQUIRE_LINK}\n{ENQUIRE_LINK}\n");
    let (code, v, _) = run(&["-"], Some(&input));
    assert_eq!((code, v.len()), (0, 2));
}

#[test]
fn a_bad_pdu_says_what_and_where_and_fails() {
    // submit_sm whose service_type has no terminator within 6 octets.
    let bad = "00000018000000040000000000000003414243444546 0500";
    let (code, v, _) = run(&[ENQUIRE_LINK, bad, ENQUIRE_LINK], None);
    assert_eq!(code, 1);
    assert_eq!(v.len(), 3, "the PDU after a bad body is still read");
    assert_eq!(
        v[1]["error"],
        "service_type has no NUL terminator within its 6 octets"
    );
    assert_eq!(v[1]["offset"], 16 + 16);
    assert_eq!(v[1]["command_id"], "submit_sm");
    assert_eq!(v[1]["sequence_number"], 3);
    assert_eq!(v[1]["reply_status"], "ESME_RINVSERTYP");
    assert_eq!(v[2]["command_id"], "enquire_link");
}

#[test]
fn broken_framing_stops_the_walk() {
    let (code, v, _) = run(&["0000000a00000015"], None);
    assert_eq!(code, 1);
    assert_eq!(
        v[0]["error"],
        "8 octets left: too few for a 16-octet header"
    );
    let (code, v, _) = run(
        &[&format!("{ENQUIRE_LINK}0000000500000015000000000000000")],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        v[0]["error"],
        "odd number of hex digits: the last octet is incomplete"
    );
    let (code, v, _) = run(&["00000005000000150000000000000001"], None);
    assert_eq!(code, 1);
    assert_eq!(
        v[0]["error"],
        "command_length 5 is below the 16-octet header"
    );
}

#[test]
fn non_hex_input_is_named() {
    let (code, v, _) = run(&["0000zz10"], None);
    assert_eq!(code, 1);
    assert_eq!(v[0]["error"], "'z' at character 4 is not a hex digit");
}
