//! Renders a [`RouteDiff`]: text for the terminal, markdown for a pull-request comment, JSON for
//! tools. Routes that lost their protection always come first.

use serde::Serialize;

use crate::diff::{Change, RouteDiff, RouteState};

/// Which revision the working tree is compared with.
#[derive(Clone, Debug, Serialize)]
pub struct Base {
    pub rev: String,
    pub commit: String,
}

fn auth(r: &RouteState) -> String {
    match &r.evidence {
        Some(e) => format!("{} ({e})", r.auth),
        None => r.auth.to_string(),
    }
}

fn security(r: &RouteState) -> String {
    match &r.security {
        None => "undocumented".to_string(),
        Some(s) if s.is_empty() => "anonymous".to_string(),
        Some(s) => s.join(" or "),
    }
}

fn auth_change(c: &Change) -> String {
    format!("{} -> {}", auth(&c.before), auth(&c.after))
}

fn headline(diff: &RouteDiff) -> String {
    let parts: Vec<String> = [
        (diff.lost_protection.len(), "lost protection"),
        (diff.added.len(), "added"),
        (diff.removed.len(), "removed"),
        (diff.gained_protection.len(), "gained protection"),
        (diff.auth_changed.len(), "changed auth"),
        (diff.security_changed.len(), "changed documented security"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "no route changed".to_string()
    } else {
        format!("routes: {}", parts.join(", "))
    }
}

/// The sections of a diff that have rows, in order: title, rows (route, what changed, handler
/// and place).
fn sections(diff: &RouteDiff) -> Vec<(&'static str, Vec<[String; 3]>)> {
    let change_rows = |changes: &[Change], what: fn(&Change) -> String| -> Vec<[String; 3]> {
        changes
            .iter()
            .map(|c| [c.after.name(), what(c), place(&c.after)])
            .collect()
    };
    let route_rows = |routes: &[RouteState]| -> Vec<[String; 3]> {
        routes
            .iter()
            .map(|r| [r.name(), auth(r), place(r)])
            .collect()
    };
    vec![
        (
            "Lost protection: anyone can call these now",
            change_rows(&diff.lost_protection, auth_change),
        ),
        ("Added", route_rows(&diff.added)),
        ("Removed", route_rows(&diff.removed)),
        (
            "Gained protection",
            change_rows(&diff.gained_protection, auth_change),
        ),
        ("Auth changed", change_rows(&diff.auth_changed, auth_change)),
        (
            "Documented security changed",
            change_rows(&diff.security_changed, |c| {
                format!("{} -> {}", security(&c.before), security(&c.after))
            }),
        ),
    ]
    .into_iter()
    .filter(|(_, rows)| !rows.is_empty())
    .collect()
}

fn place(r: &RouteState) -> String {
    format!("{} ({}:{})", r.handler, r.file, r.line)
}

/// `--format human`.
pub fn human(diff: &RouteDiff, base: &Base) -> String {
    let mut out = format!(
        "authcheck diff {} ({}) -> working tree: {}\n",
        base.rev,
        short(&base.commit),
        headline(diff)
    );
    for (title, rows) in sections(diff) {
        out.push_str(&format!("\n{title}:\n"));
        let width = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
        for [route, what, at] in rows {
            out.push_str(&format!("  {route:<width$}  {what}  {at}\n"));
        }
    }
    out
}

/// `--format markdown`, for a pull-request comment.
pub fn markdown(diff: &RouteDiff, base: &Base) -> String {
    let mut out = format!(
        "### Auth surface: `{}` ({}) -> this change\n\n{}\n",
        base.rev,
        short(&base.commit),
        headline(diff)
    );
    for (title, rows) in sections(diff) {
        let title = if title.starts_with("Lost") {
            format!("**{title}**")
        } else {
            title.to_string()
        };
        out.push_str(&format!(
            "\n#### {title}\n\n| Route | Auth | Handler |\n|---|---|---|\n"
        ));
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| format!("`{}`", c.replace('|', "\\|")))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    version: u32,
    base: &'a Base,
    #[serde(flatten)]
    diff: &'a RouteDiff,
}

/// `--format json`.
pub fn json(diff: &RouteDiff, base: &Base) -> String {
    let mut out = serde_json::to_string_pretty(&JsonDiff {
        version: 1,
        base,
        diff,
    })
    .unwrap_or_default();
    out.push('\n');
    out
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}
