//! Test support: fresh databases for every test (to be written).
