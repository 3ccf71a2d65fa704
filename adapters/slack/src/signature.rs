//! Slack request signatures: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:ts:body">`
//! keyed with the app's signing secret, and `X-Slack-Request-Timestamp` within five minutes
//! of now (so a captured request cannot be replayed later).
//!
//! <https://api.slack.com/authentication/verifying-requests-from-slack>

use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// How far a request's timestamp may be from now, either way.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";

/// Why a request was refused. Carries nothing secret: not the expected signature, not the
/// received one, not the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has no X-Slack-Signature or X-Slack-Request-Timestamp header")]
    Missing,
    #[error("the X-Slack-Request-Timestamp header is not a number of seconds")]
    BadTimestamp,
    #[error("the request timestamp is {skew_secs} s away from now (more than {MAX_SKEW_SECS} s)")]
    Stale { skew_secs: i64 },
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Verifies request signatures with one signing secret.
#[derive(Clone)]
pub struct Verifier {
    secret: SecretString,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier([REDACTED])")
    }
}

impl Verifier {
    pub fn new(secret: SecretString) -> Self {
        Self { secret }
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> hmac::Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        mac
    }

    /// The `v0=…` signature of `body` sent at `timestamp` (for tests and fakes).
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        format!("v0={}", hex::encode(self.mac(timestamp, body).finalize().into_bytes()))
    }

    /// Checks `signature` (the header value) over `timestamp` and `body`, with `now` in Unix
    /// seconds. The comparison is constant-time; the timestamp is checked after the
    /// signature, so an attacker learns nothing about the secret from which check failed.
    pub fn verify(&self, signature: &str, timestamp: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
        let ts: i64 = timestamp.trim().parse().map_err(|_| SignatureError::BadTimestamp)?;
        let received =
            signature.trim().strip_prefix("v0=").and_then(|h| hex::decode(h).ok()).ok_or(SignatureError::Mismatch)?;
        self.mac(timestamp, body).verify_slice(&received).map_err(|_| SignatureError::Mismatch)?;
        let skew = now.saturating_sub(ts);
        if skew.abs() > MAX_SKEW_SECS {
            return Err(SignatureError::Stale { skew_secs: skew });
        }
        Ok(())
    }

    /// [`Verifier::verify`] on a request's headers.
    pub fn verify_headers(&self, headers: &axum::http::HeaderMap, body: &[u8], now: i64) -> Result<(), SignatureError> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(signature), Some(timestamp)) = (get(SIGNATURE_HEADER), get(TIMESTAMP_HEADER)) else {
            return Err(SignatureError::Missing);
        };
        self.verify(signature, timestamp, body, now)
    }
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's published example ("Verifying requests from Slack", step by step).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn verifier() -> Verifier {
        Verifier::new(SecretString::from(SECRET))
    }

    #[test]
    fn slacks_known_answer_vector() {
        let v = verifier();
        assert_eq!(v.sign(TIMESTAMP, BODY.as_bytes()), EXPECTED);
        assert_eq!(v.verify(EXPECTED, TIMESTAMP, BODY.as_bytes(), 1_531_420_618 + 10), Ok(()));
    }

    #[test]
    fn a_changed_body_secret_or_signature_is_refused() {
        let now = 1_531_420_618;
        let v = verifier();
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(v.verify(EXPECTED, TIMESTAMP, tampered.as_bytes(), now), Err(SignatureError::Mismatch));
        let other = Verifier::new(SecretString::from("another-secret"));
        assert_eq!(other.verify(EXPECTED, TIMESTAMP, BODY.as_bytes(), now), Err(SignatureError::Mismatch));
        for bad in
            ["", "v0=", "v0=zz", "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", &EXPECTED[..20]]
        {
            assert_eq!(v.verify(bad, TIMESTAMP, BODY.as_bytes(), now), Err(SignatureError::Mismatch), "{bad}");
        }
        // The timestamp is part of what is signed.
        assert_eq!(v.verify(EXPECTED, "1531420619", BODY.as_bytes(), now), Err(SignatureError::Mismatch));
    }

    #[test]
    fn timestamps_outside_five_minutes_are_refused() {
        let v = verifier();
        let ts = 1_531_420_618;
        assert!(v.verify(EXPECTED, TIMESTAMP, BODY.as_bytes(), ts + MAX_SKEW_SECS).is_ok());
        assert!(v.verify(EXPECTED, TIMESTAMP, BODY.as_bytes(), ts - MAX_SKEW_SECS).is_ok());
        assert_eq!(
            v.verify(EXPECTED, TIMESTAMP, BODY.as_bytes(), ts + MAX_SKEW_SECS + 1),
            Err(SignatureError::Stale { skew_secs: MAX_SKEW_SECS + 1 })
        );
        assert!(matches!(v.verify(EXPECTED, TIMESTAMP, BODY.as_bytes(), ts - 3600), Err(SignatureError::Stale { .. })));
        assert_eq!(v.verify(EXPECTED, "yesterday", BODY.as_bytes(), ts), Err(SignatureError::BadTimestamp));
    }

    #[test]
    fn errors_and_debug_reveal_no_secret() {
        let v = verifier();
        assert!(!format!("{v:?}").contains(SECRET));
        let e = v.verify("v0=00", TIMESTAMP, BODY.as_bytes(), 0).unwrap_err();
        assert!(!e.to_string().contains(&EXPECTED[3..]));
    }
}
