//! Cron expressions and durations as people write them (to be written).
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct CronSpec {
    pub schedule: cron::Schedule,
}

pub fn parse_cron(expr: &str) -> Result<CronSpec, String> {
    expr.parse::<cron::Schedule>().map(|schedule| CronSpec { schedule }).map_err(|e| e.to_string())
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a duration"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{s}` is not a duration")),
    };
    Ok(Duration::from_secs(secs))
}
