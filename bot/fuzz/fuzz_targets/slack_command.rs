//! `POST /slack/commands` with any form body (signed, so it reaches the parser).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "slack_common.rs"]
mod slack_common;

fuzz_target!(|data: &[u8]| {
    slack_common::post("/slack/commands", "application/x-www-form-urlencoded", data);
});
