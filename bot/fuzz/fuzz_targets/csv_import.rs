//! A CSV file given to `baton import accounts` and `baton import people`, against a real
//! (SQLite) store: all rows or none, never a panic.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

struct Harness {
    rt: tokio::runtime::Runtime,
    db: baton::testing::TestDb,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let db = rt.block_on(baton::testing::sqlite());
        Harness { rt, db }
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let text = String::from_utf8_lossy(data);
    let tiers = ["enterprise".to_string(), "business".to_string()];
    h.rt.block_on(async {
        let _ = baton::import::import_accounts(h.db.store.as_ref(), &text, &tiers).await;
        let _ = baton::import::import_people(h.db.store.as_ref(), &text).await;
    });
});
