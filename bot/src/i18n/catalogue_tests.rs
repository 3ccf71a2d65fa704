//! The catalogues are complete and consistent: every locale parses, has exactly English's
//! message ids, uses only the placeables English declares for each message (in the message
//! or in its comment), uses its own language's CLDR plural categories, and formats every
//! message without a Fluent error for a range of argument values.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{self, Entry, Expression, InlineExpression, PatternElement, VariantKey};
use fluent_templates::fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use unic_langid::LanguageIdentifier;

use super::SUPPORTED;

/// Every catalogue, English first (the reference).
const CATALOGUES: [(&str, &str); 5] = [
    ("en-US", include_str!("../../locales/en-US/baton.ftl")),
    ("sv-SE", include_str!("../../locales/sv-SE/baton.ftl")),
    ("ru", include_str!("../../locales/ru/baton.ftl")),
    ("th", include_str!("../../locales/th/baton.ftl")),
    ("fa", include_str!("../../locales/fa/baton.ftl")),
];

const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// Arguments that are numbers (plural or numeric selectors, or shown as counts).
const NUMERIC: [&str; 21] = [
    "count", "days", "hours", "minutes", "rating", "score", "change", "number", "escalations", "breaches", "month", "pm", "open", "escalated", "below",
    "opened", "solved", "solved_before", "part", "whole", "bytes",
];

/// One message as the tests see it.
#[derive(Debug, Default)]
struct MessageInfo {
    /// Variables used in the message's pattern.
    vars: BTreeSet<String>,
    /// Variables named in its comment (`$name`), declared for translations.
    documented: BTreeSet<String>,
    /// Messages it references.
    refs: BTreeSet<String>,
    /// Select expressions: the selector variable (if any) and the variant keys.
    selects: Vec<(Option<String>, Vec<String>)>,
}

fn parse(tag: &str, source: &str) -> BTreeMap<String, MessageInfo> {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((_, errors)) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("line {}: {:?}", source[..e.pos.start].lines().count().max(1), e.kind))
                .collect();
            panic!("{tag}: Fluent syntax errors:\n{}", lines.join("\n"));
        }
    };
    let mut out = BTreeMap::new();
    for entry in resource.body {
        match entry {
            Entry::Message(m) => {
                let mut info = MessageInfo::default();
                if let Some(p) = &m.value {
                    walk_pattern(p, &mut info);
                }
                for a in &m.attributes {
                    walk_pattern(&a.value, &mut info);
                }
                if let Some(c) = &m.comment {
                    for line in &c.content {
                        for part in line.split('$').skip(1) {
                            let name: String =
                                part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
                            if !name.is_empty() {
                                info.documented.insert(name);
                            }
                        }
                    }
                }
                assert!(out.insert(m.id.name.to_string(), info).is_none(), "{tag}: message `{}` is defined twice", m.id.name);
            }
            Entry::Junk { content } => panic!("{tag}: unparsable entry:\n{content}"),
            _ => {}
        }
    }
    out
}

fn walk_pattern(p: &ast::Pattern<&str>, info: &mut MessageInfo) {
    for el in &p.elements {
        if let PatternElement::Placeable { expression } = el {
            walk_expression(expression, info);
        }
    }
}

fn walk_expression(e: &Expression<&str>, info: &mut MessageInfo) {
    match e {
        Expression::Inline(i) => walk_inline(i, info),
        Expression::Select { selector, variants } => {
            walk_inline(selector, info);
            let var = match selector {
                InlineExpression::VariableReference { id } => Some(id.name.to_string()),
                _ => None,
            };
            let keys = variants
                .iter()
                .map(|v| match &v.key {
                    VariantKey::Identifier { name } => name.to_string(),
                    VariantKey::NumberLiteral { value } => format!("#{value}"),
                })
                .collect();
            info.selects.push((var, keys));
            for v in variants {
                walk_pattern(&v.value, info);
            }
        }
    }
}

fn walk_inline(i: &InlineExpression<&str>, info: &mut MessageInfo) {
    match i {
        InlineExpression::VariableReference { id } => {
            info.vars.insert(id.name.to_string());
        }
        InlineExpression::MessageReference { id, .. } => {
            info.refs.insert(id.name.to_string());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                walk_inline(a, info);
            }
            for a in &arguments.named {
                walk_inline(&a.value, info);
            }
        }
        InlineExpression::Placeable { expression } => walk_expression(expression, info),
        // Terms have their own arguments; literals have none.
        InlineExpression::TermReference { .. } | InlineExpression::StringLiteral { .. } | InlineExpression::NumberLiteral { .. } => {}
    }
}

/// Variables a message uses, directly or through the messages it references.
fn used_vars(messages: &BTreeMap<String, MessageInfo>, id: &str, seen: &mut BTreeSet<String>) -> BTreeSet<String> {
    let mut vars = BTreeSet::new();
    if !seen.insert(id.to_string()) {
        return vars;
    }
    if let Some(m) = messages.get(id) {
        vars.extend(m.vars.iter().cloned());
        for r in &m.refs {
            vars.extend(used_vars(messages, r, seen));
        }
    }
    vars
}

/// Variables English declares for a message: those it uses (with references) and those its
/// comment names.
fn declared(english: &BTreeMap<String, MessageInfo>, id: &str) -> BTreeSet<String> {
    let mut vars = used_vars(english, id, &mut BTreeSet::new());
    if let Some(m) = english.get(id) {
        vars.extend(m.documented.iter().cloned());
    }
    vars
}

fn catalogues() -> Vec<(&'static str, BTreeMap<String, MessageInfo>)> {
    CATALOGUES.iter().map(|(tag, src)| (*tag, parse(tag, src))).collect()
}

#[test]
fn supported_locales_are_exactly_the_catalogue_folders() {
    let tags: Vec<&str> = CATALOGUES.iter().map(|(t, _)| *t).collect();
    assert_eq!(tags, SUPPORTED, "CATALOGUES and SUPPORTED list the same locales, English first");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let mut folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut expected: Vec<String> = SUPPORTED.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(folders, expected, "every folder under bot/locales is a supported, tested locale");
}

#[test]
fn every_catalogue_parses_without_errors() {
    for (tag, messages) in catalogues() {
        assert!(messages.len() > 100, "{tag}: only {} messages", messages.len());
    }
}

#[test]
fn every_locale_has_every_english_message_and_no_others() {
    let all = catalogues();
    let english: BTreeSet<&String> = all[0].1.keys().collect();
    let mut problems = Vec::new();
    for (tag, messages) in &all[1..] {
        let ids: BTreeSet<&String> = messages.keys().collect();
        for missing in english.difference(&ids) {
            problems.push(format!("{tag}: `{missing}` is missing"));
        }
        for unused in ids.difference(&english) {
            problems.push(format!("{tag}: `{unused}` is not an English message (unused)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn placeables_are_declared_by_english() {
    let all = catalogues();
    let english = &all[0].1;
    let mut problems = Vec::new();
    for (tag, messages) in &all {
        for id in messages.keys() {
            let allowed = declared(english, id);
            for var in used_vars(messages, id, &mut BTreeSet::new()) {
                if !allowed.contains(&var) {
                    problems.push(format!("{tag}: `{id}` uses ${var}, which English does not declare"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn plural_variants_use_each_languages_cldr_categories() {
    let mut problems = Vec::new();
    for (tag, messages) in catalogues() {
        // Fluent looks rules up by language (`sv-SE` uses `sv`'s).
        let lang: LanguageIdentifier = tag.split('-').next().unwrap().parse().unwrap();
        let rules = PluralRules::create(lang, PluralRuleType::CARDINAL).unwrap();
        // The categories the language has: those some number falls into.
        let samples = (0..=1000).map(f64::from).chain([0.5, 1.5, 2.5, 1.25]);
        let has: BTreeSet<&str> = samples
            .map(|n| rules.select(n).unwrap())
            .map(|c| match c {
                PluralCategory::ZERO => "zero",
                PluralCategory::ONE => "one",
                PluralCategory::TWO => "two",
                PluralCategory::FEW => "few",
                PluralCategory::MANY => "many",
                PluralCategory::OTHER => "other",
            })
            .collect();
        for (id, m) in &messages {
            for (var, keys) in &m.selects {
                let named: BTreeSet<&str> = keys.iter().map(String::as_str).filter(|k| CATEGORIES.contains(k)).collect();
                if named.is_empty() {
                    continue; // not a plural selector (e.g. a currency code)
                }
                let var = var.as_deref().unwrap_or("?");
                for k in &named {
                    if !has.contains(k) {
                        problems.push(format!("{tag}: `{id}` selects on ${var} with [{k}], which {tag} does not have"));
                    }
                }
                // Naming any category but `other` means the words inflect: name them all.
                if named.iter().any(|k| *k != "other") {
                    for k in has.difference(&named) {
                        problems.push(format!("{tag}: `{id}` selects on ${var} without [{k}]"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_message_formats_without_errors_in_every_locale() {
    let all = catalogues();
    let english = &all[0].1;
    let numbers: [f64; 12] = [0.0, 1.0, 2.0, 3.0, 5.0, 11.0, 12.0, 21.0, 22.0, 1234.0, 1.5, -3.0];
    let mut problems = Vec::new();
    for (tag, src) in CATALOGUES {
        let lang: LanguageIdentifier = tag.parse().unwrap();
        let mut bundle = FluentBundle::new(vec![lang]);
        bundle.set_use_isolating(false);
        bundle.add_resource(FluentResource::try_new(src.to_string()).expect("parses")).expect("no duplicate ids");
        for id in english.keys() {
            let Some(msg) = bundle.get_message(id) else { continue };
            let Some(pattern) = msg.value() else { continue };
            for n in numbers {
                let mut args = FluentArgs::new();
                for var in declared(english, id) {
                    let v = if NUMERIC.contains(&var.as_str()) {
                        let n = if var == "month" { (n.abs() % 12.0).floor() + 1.0 } else { n };
                        FluentValue::from(n)
                    } else {
                        FluentValue::from(format!("<{var}>"))
                    };
                    args.set(var, v);
                }
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                if !errors.is_empty() {
                    problems.push(format!("{tag}: `{id}` with {n}: {errors:?}"));
                }
                if text.trim().is_empty() {
                    problems.push(format!("{tag}: `{id}` with {n} is empty"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
