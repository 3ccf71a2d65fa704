//! CSV import of accounts and people (being written on another branch).
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
#[error("import failed")]
pub struct ImportError;

pub async fn import_accounts(_store: &dyn Store, _csv: &str, _tiers: &[String]) -> Result<usize, ImportError> {
    Err(ImportError)
}

pub async fn import_people(_store: &dyn Store, _csv: &str) -> Result<usize, ImportError> {
    Err(ImportError)
}
