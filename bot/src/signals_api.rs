//! `POST /api/accounts/{id}/signals`: a CRM or a script pushes numbers about an account
//! (usage trend, NPS, seats, …), merged into the account's signals for the health score.
//!
//! ```text
//! POST /api/accounts/acme/signals
//! Authorization: Bearer <api.signals_token>
//! Content-Type: application/json
//!
//! {"signals": {"nps": 9, "usage_trend": -0.2, "seats": null}}
//! ```
//!
//! Each value is a finite number, or `null` to remove that signal; names are lowercase
//! letters, digits, `-` and `_` (at most [`MAX_SIGNALS`] per request). Signals not named are
//! kept. The answer is the account's signals after the merge: `200 {"account": "acme",
//! "signals": {…}}`. Errors are JSON, `{"error": "…"}`: 401 for a missing or wrong token,
//! 404 for an unknown account, 400 for a body that is not JSON, 422 for JSON of the wrong
//! shape, 413 for a body over [`MAX_BODY`] bytes, 415 for a body declared as something else
//! than JSON, 503 when no token is configured (the endpoint is then off). The token is
//! compared in constant time and never logged. Each refusal is logged with its reason (never
//! the body) and counted in `baton_events_rejected_total` as `api_unauthorized`,
//! `api_oversized`, `api_unsupported_media_type` or `api_malformed` (400 and 422).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::clock::Clock;
use crate::domain::{AccountId, SignalName};
use crate::store::Store;

/// At most this many signals in one request.
pub const MAX_SIGNALS: usize = 100;

/// At most this many bytes of request body.
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Clone)]
struct Api {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    token: Option<Arc<SecretString>>,
}

/// The API's routes, to merge into the server's router. Without a token every request is
/// refused with 503.
pub fn router(store: Arc<dyn Store>, clock: Arc<dyn Clock>, token: Option<SecretString>) -> Router {
    let token = token.filter(|t| !t.expose_secret().trim().is_empty()).map(Arc::new);
    Router::new()
        .route("/api/accounts/{id}/signals", post(push_signals))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(Api { store, clock, token })
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Refuses a request: logged with its reason (never the body or the token), counted in
/// `baton_events_rejected_total{reason="api_…"}`, answered with `status` and `message`.
fn refuse(reason: &'static str, status: StatusCode, account: &str, message: impl Into<String>) -> Response {
    tracing::warn!(reason, status = status.as_u16(), account, "signals API request refused");
    crate::telemetry::metrics().events_rejected.get_or_create(&crate::telemetry::reason(reason)).inc();
    error(status, message)
}

/// Whether the request carries the bearer token (constant time in the token's content).
fn authorised(headers: &HeaderMap, token: &SecretString) -> bool {
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some((scheme, value)) = given.trim().split_once(' ') else { return false };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let expected = token.expose_secret().trim().as_bytes();
    bool::from(value.trim().as_bytes().ct_eq(expected))
}

/// Reads `{"signals": {name: number | null, …}}`, saying exactly what is wrong otherwise.
fn parse_body(body: &[u8]) -> Result<BTreeMap<SignalName, Option<f64>>, Box<Response>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}"))))?;
    let unprocessable = |m: String| Box::new(error(StatusCode::UNPROCESSABLE_ENTITY, m));
    let Value::Object(mut top) = value else {
        return Err(unprocessable("the body must be a JSON object: {\"signals\": {\"name\": number}}".into()));
    };
    let Some(signals) = top.remove("signals") else {
        return Err(unprocessable("the body has no \"signals\" object: {\"signals\": {\"name\": number}}".into()));
    };
    if let Some(other) = top.keys().next() {
        return Err(unprocessable(format!("unknown field \"{other}\": the body holds only \"signals\"")));
    }
    let Value::Object(signals) = signals else {
        return Err(unprocessable("\"signals\" must be an object of names to numbers".into()));
    };
    if signals.is_empty() {
        return Err(unprocessable("\"signals\" is empty: give at least one signal".into()));
    }
    if signals.len() > MAX_SIGNALS {
        return Err(unprocessable(format!("too many signals ({}); at most {MAX_SIGNALS} per request", signals.len())));
    }
    let mut out = BTreeMap::new();
    for (name, v) in signals {
        let parsed = SignalName::parse(&name).map_err(|e| unprocessable(format!("signals.{name}: {e}")))?;
        let v = match v {
            Value::Null => None,
            Value::Number(n) => match n.as_f64().filter(|f| f.is_finite()) {
                Some(f) => Some(f),
                None => return Err(unprocessable(format!("signals.{name}: {n} is not a finite number"))),
            },
            other => {
                let kind = match other {
                    Value::Bool(_) => "a boolean",
                    Value::String(_) => "a string",
                    Value::Array(_) => "an array",
                    _ => "an object",
                };
                return Err(unprocessable(format!("signals.{name}: must be a number (or null to remove it), not {kind}")));
            }
        };
        out.insert(parsed, v);
    }
    Ok(out)
}

async fn push_signals(
    State(api): State<Api>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(token) = &api.token else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the signals API is off: no api.signals_token is configured");
    };
    if !authorised(&headers, token) {
        let message = "missing or wrong bearer token: send Authorization: Bearer <token>";
        let mut r = refuse("api_unauthorized", StatusCode::UNAUTHORIZED, &id, message);
        r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return r;
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!("the body is too large: at most {MAX_BODY} bytes");
            return refuse("api_oversized", StatusCode::PAYLOAD_TOO_LARGE, &id, message);
        }
        Err(rejection) => return refuse("api_unreadable", rejection.status(), &id, "the body could not be read"),
    };
    if let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            let message = format!("send JSON (Content-Type: application/json), not {mime}");
            return refuse("api_unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE, &id, message);
        }
    }
    let Ok(account) = AccountId::parse(&id) else {
        return error(StatusCode::NOT_FOUND, format!("there is no account `{id}`"));
    };
    let changes = match parse_body(&body) {
        Ok(c) => c,
        Err(r) => {
            let status = r.status();
            tracing::warn!(reason = "api_malformed", status = status.as_u16(), account = %account, "signals API request refused");
            crate::telemetry::metrics().events_rejected.get_or_create(&crate::telemetry::reason("api_malformed")).inc();
            return *r;
        }
    };
    match api.store.merge_account_signals(&account, &changes, api.clock.now()).await {
        Ok(Some(signals)) => {
            let names: Vec<&str> = changes.keys().map(SignalName::as_str).collect();
            tracing::info!(account = %account, signals = ?names, "account signals updated through the API");
            (StatusCode::OK, Json(json!({ "account": account.as_str(), "signals": signals }))).into_response()
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format!("there is no account `{account}`")),
        Err(e) => {
            tracing::error!(account = %account, error = %e, "signals API: could not save");
            error(StatusCode::INTERNAL_SERVER_ERROR, "the signals could not be saved; try again")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(r: Result<BTreeMap<SignalName, Option<f64>>, Box<Response>>) -> u16 {
        match r {
            Ok(_) => 200,
            Err(r) => r.status().as_u16(),
        }
    }

    #[test]
    fn bodies_are_validated() {
        let ok = parse_body(br#"{"signals": {"nps": 42, "usage_trend": -0.2, "seats": null}}"#).unwrap();
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[&SignalName::parse("usage_trend").unwrap()], Some(-0.2));
        assert_eq!(ok[&SignalName::parse("seats").unwrap()], None);
        assert_eq!(status(parse_body(b"{not json")), 400);
        assert_eq!(status(parse_body(b"")), 400);
        for bad in [
            &br#"[1, 2]"#[..],
            br#"{"nps": 4}"#,
            br#"{"signals": 4}"#,
            br#"{"signals": {}}"#,
            br#"{"signals": {"NPS": 4}}"#,
            br#"{"signals": {"nps": "4"}}"#,
            br#"{"signals": {"nps": true}}"#,
            br#"{"signals": {"nps": 4}, "extra": 1}"#,
        ] {
            assert_eq!(status(parse_body(bad)), 422, "{}", String::from_utf8_lossy(bad));
        }
        // JSON cannot spell infinity; numbers too large for f64 are refused by the parser.
        assert_eq!(status(parse_body(br#"{"signals": {"nps": 1e999}}"#)), 400);
    }

    #[test]
    fn the_token_is_checked() {
        let token = SecretString::from("s3cret-token-of-enough-length");
        let mut h = HeaderMap::new();
        assert!(!authorised(&h, &token));
        h.insert(header::AUTHORIZATION, "Bearer s3cret-token-of-enough-length".parse().unwrap());
        assert!(authorised(&h, &token));
        h.insert(header::AUTHORIZATION, "bearer s3cret-token-of-enough-length".parse().unwrap());
        assert!(authorised(&h, &token));
        for wrong in ["Bearer s3cret", "Basic s3cret-token-of-enough-length", "s3cret-token-of-enough-length", "Bearer "] {
            h.insert(header::AUTHORIZATION, wrong.parse().unwrap());
            assert!(!authorised(&h, &token), "{wrong}");
        }
    }
}
