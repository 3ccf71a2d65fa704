//! `POST /slack/interactions`: `payload=<the input>` form-encoded, so the fuzzer works on
//! the JSON inside (signed, so it reaches the parser).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "slack_common.rs"]
mod slack_common;

fuzz_target!(|data: &[u8]| {
    let payload = String::from_utf8_lossy(data);
    let form = format!("payload={}", urlencode(&payload));
    slack_common::post("/slack/interactions", "application/x-www-form-urlencoded", form.as_bytes());
});

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
