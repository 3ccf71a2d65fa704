//! Loading and checking configuration (to be written).
use super::Config;
use crate::domain::{Account, Person};
use std::path::Path;

/// One problem in the configuration, with the key path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<Problem>);

pub fn load(_path: Option<&Path>) -> Result<Config, ConfigError> {
    Ok(Config::default())
}

pub fn check(_path: Option<&Path>) -> Vec<Problem> {
    Vec::new()
}

pub fn to_domain(_config: &Config) -> Result<(Vec<Account>, Vec<Person>), ConfigError> {
    Ok((Vec::new(), Vec::new()))
}
