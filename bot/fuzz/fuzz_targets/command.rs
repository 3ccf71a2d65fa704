//! The text after `/ticket`, from any platform.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = baton::command::parse(&String::from_utf8_lossy(data));
});
