//! Lines of a shell session or script, each input split into lines and fed in order.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (mut shell, _sink) = baton_shell::Shell::new(Box::new(std::io::sink()), "dana", "#acme");
    for line in text.lines().take(64) {
        let _ = shell.line(line);
    }
});
