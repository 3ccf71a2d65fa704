//! Slack's text conventions: message timestamps (`ts`), the `&`, `<`, `>` escaping of
//! message text, and the `<…>` markup for mentions and links.

use chrono::{DateTime, TimeZone, Utc};
use unicode_segmentation::UnicodeSegmentation;

/// Parses a Slack `ts` (`"1531420618.000200"`: seconds, a dot, microseconds) into the
/// exact instant. `None` for anything else (Slack always sends six digits; fewer are read
/// as a decimal fraction, more are refused).
pub fn parse_ts(ts: &str) -> Option<DateTime<Utc>> {
    let (secs, frac) = match ts.split_once('.') {
        Some((s, f)) => (s, f),
        None => (ts, ""),
    };
    if secs.is_empty() || secs.len() > 12 || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let micros: u32 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
    Utc.timestamp_opt(secs, micros * 1000).single()
}

/// Escapes the three characters Slack reserves in message text and `mrkdwn`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c => out.push(c),
    }
}

/// Escapes `text` and cuts it to at most `max` characters (escapes included), ending in
/// `…` when cut. Cuts only between grapheme clusters: never inside an escape, a Thai
/// syllable with its vowel marks, or an emoji sequence.
pub fn escape_fit(text: &str, max: usize) -> String {
    let escaped = escape(text);
    if escaped.chars().count() <= max {
        return escaped;
    }
    cut(text.graphemes(true).map(escape), max)
}

/// Cuts plain (unescaped) text to at most `max` characters, ending in `…` when cut, between
/// grapheme clusters.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    cut(text.graphemes(true).map(str::to_string), max)
}

/// The leading pieces that fit in `max - 1` characters, then `…`.
fn cut(pieces: impl Iterator<Item = String>, max: usize) -> String {
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    let mut len = 0;
    for piece in pieces {
        let n = piece.chars().count();
        if len + n > budget {
            break;
        }
        out.push_str(&piece);
        len += n;
    }
    out.push('…');
    out
}

/// Undoes Slack's escaping of `&`, `<` and `>` (and nothing else).
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Message text as plain text: mentions become `@name` (or `@U…`), channel links `#name`,
/// special mentions `@here`, links `label (url)` or the url, and escapes are undone.
/// Slash command text is not passed through this: commands read `<@U…>` mentions.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&unescape(&rest[..start]));
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            out.push_str(&unescape(&rest[start..]));
            return out;
        };
        let inner = &after[..end];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(unescape(l))),
            None => (inner, None),
        };
        let label = label.filter(|l| !l.is_empty());
        if let Some(user) = target.strip_prefix('@') {
            out.push('@');
            out.push_str(label.as_deref().unwrap_or(user));
        } else if let Some(channel) = target.strip_prefix('#') {
            out.push('#');
            out.push_str(label.as_deref().unwrap_or(channel));
        } else if let Some(special) = target.strip_prefix('!') {
            // <!here>, <!channel>, <!subteam^S123|@team>, <!date^…|fallback>
            match label {
                Some(l) => out.push_str(&l),
                None => {
                    out.push('@');
                    out.push_str(special.split('^').next().unwrap_or(special));
                }
            }
        } else {
            let url = unescape(target);
            match label {
                Some(l) if l != url => {
                    out.push_str(&l);
                    out.push_str(" (");
                    out.push_str(&url);
                    out.push(')');
                }
                _ => out.push_str(&url),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(&unescape(rest));
    out
}

/// If `text` starts with a mention of `user` (`<@U123>` or `<@U123|name>`), the text after it.
pub fn strip_leading_mention<'a>(text: &'a str, user: &str) -> Option<&'a str> {
    let rest = text.trim_start().strip_prefix("<@")?;
    let end = rest.find('>')?;
    let id = rest[..end].split('|').next().unwrap_or_default();
    (id == user).then(|| rest[end + 1..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_parses_to_the_microsecond() {
        let t = parse_ts("1531420618.000200").unwrap();
        assert_eq!(t.timestamp(), 1_531_420_618);
        assert_eq!(t.timestamp_subsec_micros(), 200);
        assert_eq!(parse_ts("1700000000.123456").unwrap().timestamp_subsec_micros(), 123_456);
        assert_eq!(parse_ts("1700000000.5").unwrap().timestamp_subsec_micros(), 500_000);
        assert_eq!(parse_ts("1700000000").unwrap().timestamp(), 1_700_000_000);
        for bad in ["", ".1", "abc", "1.2.3", "1700000000.1234567", "-1.000000", "1 .0", "99999999999999.0"] {
            assert_eq!(parse_ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn escaping_and_fitting() {
        assert_eq!(escape("a < b & c > d"), "a &lt; b &amp; c &gt; d");
        assert_eq!(escape_fit("abc", 3), "abc");
        assert_eq!(escape_fit("abcdef", 4), "abc…");
        // Never half an escape.
        assert_eq!(escape_fit("a<<<", 6), "a&lt;…");
        assert_eq!(escape_fit("a<<<", 5), "a…");
        assert_eq!(fit("héllo wörld", 5), "héll…");
        assert_eq!(fit("hé", 5), "hé");
        // Thai: "ที่" is one syllable of three characters; it is kept whole or not at all.
        assert_eq!(fit("ที่ที่ที่", 5), "ที่…");
        assert_eq!(fit("👩\u{200d}👩\u{200d}👧 family", 4), "…");
        assert_eq!(escape_fit("ที่<ที่", 8), "ที่&lt;…");
    }

    #[test]
    fn markup_becomes_plain_text() {
        assert_eq!(plain("hi <@U123> and <@U456|dana>"), "hi @U123 and @dana");
        assert_eq!(plain("see <#C1|general> <!here>"), "see #general @here");
        assert_eq!(
            plain("<https://x.io/a?b=1&amp;c=2|the docs> or <https://y.io>"),
            "the docs (https://x.io/a?b=1&c=2) or https://y.io"
        );
        assert_eq!(plain("a &lt;b&gt; &amp; c"), "a <b> & c");
        assert_eq!(plain("unclosed <oops"), "unclosed <oops");
        assert_eq!(plain("<!subteam^S1|@support> help"), "@support help");
    }

    #[test]
    fn leading_mentions() {
        assert_eq!(strip_leading_mention("<@UBOT> claim ACME-1", "UBOT"), Some("claim ACME-1"));
        assert_eq!(strip_leading_mention("  <@UBOT|baton>   help", "UBOT"), Some("help"));
        assert_eq!(strip_leading_mention("hey <@UBOT>", "UBOT"), None);
        assert_eq!(strip_leading_mention("<@UOTHER> hi", "UBOT"), None);
    }
}
