//! CSV import of accounts and people (to be written).
