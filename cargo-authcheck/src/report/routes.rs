//! Renders the route table of `cargo authcheck routes`: aligned text for people, markdown for
//! pull-request comments, and the stable JSON contract of DESIGN.md §8.

use serde::Serialize;

use crate::analysis::{Analysis, Route};
use crate::openapi::security_names;

#[derive(Serialize)]
struct JsonTable<'a> {
    version: u32,
    routes: Vec<JsonRoute<'a>>,
    unanalyzable: Vec<JsonPlace>,
}

#[derive(Serialize)]
struct JsonRoute<'a> {
    method: &'a str,
    path: &'a str,
    kind: &'a str,
    fallback: bool,
    handler: &'a str,
    file: &'a str,
    line: usize,
    registered_at: JsonPlace,
    auth: &'static str,
    evidence: Option<&'a str>,
    openapi: Option<JsonOpenApi>,
}

#[derive(Serialize)]
struct JsonPlace {
    file: String,
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Serialize)]
struct JsonOpenApi {
    method: Option<String>,
    path: Option<String>,
    security: Option<Vec<String>>,
}

/// `routes --format json`.
pub fn json(analysis: &Analysis) -> String {
    let sources = &analysis.index.sources;
    let routes = analysis
        .routes
        .iter()
        .map(|r| JsonRoute {
            method: &r.entry.method,
            path: &r.entry.path,
            kind: r.kind,
            fallback: r.entry.fallback,
            handler: &r.handler,
            file: &sources.get(r.defined_at.file).display,
            line: r.defined_at.line as usize,
            registered_at: JsonPlace {
                file: sources.get(r.entry.registered_at.file).display.clone(),
                line: r.entry.registered_at.line as usize,
                message: None,
            },
            auth: r.verdict.class.as_str(),
            evidence: r.verdict.evidence.as_deref(),
            openapi: r.documented.as_ref().map(|d| JsonOpenApi {
                method: d
                    .methods
                    .iter()
                    .find(|m| **m == r.entry.method)
                    .or(d.methods.first())
                    .cloned(),
                path: d.path.clone(),
                security: d.security.as_deref().map(security_names),
            }),
        })
        .collect();
    let unanalyzable = analysis
        .table
        .unanalyzable
        .iter()
        .map(|u| JsonPlace {
            file: sources.get(u.at.file).display.clone(),
            line: u.at.line as usize,
            message: Some(u.message.clone()),
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&JsonTable {
        version: 1,
        routes,
        unanalyzable,
    })
    .unwrap_or_default();
    out.push('\n');
    out
}

/// Evidence longer than this is shortened in the text table (JSON and markdown keep it whole).
const TABLE_EVIDENCE_CHARS: usize = 72;

fn rows(analysis: &Analysis) -> Vec<[String; 5]> {
    analysis
        .routes
        .iter()
        .map(|r: &Route| {
            let place = format!(
                "{}:{}",
                analysis.index.sources.get(r.defined_at.file).display,
                r.defined_at.line
            );
            let auth = match &r.verdict.evidence {
                Some(e) => format!("{} ({e})", r.verdict.class.as_str()),
                None => r.verdict.class.as_str().to_string(),
            };
            let path = if r.entry.fallback {
                format!("{} (fallback)", r.entry.path)
            } else {
                r.entry.path.clone()
            };
            [r.entry.method.clone(), path, auth, r.handler.clone(), place]
        })
        .collect()
}

fn unanalyzable_lines(analysis: &Analysis) -> Vec<String> {
    analysis
        .table
        .unanalyzable
        .iter()
        .map(|u| {
            format!(
                "{}:{}: {}",
                analysis.index.sources.get(u.at.file).display,
                u.at.line,
                u.message
            )
        })
        .chain(analysis.index.problems.iter().map(|p| {
            format!(
                "{}:{}: {}",
                analysis.index.sources.get(p.loc.file).display,
                p.loc.line,
                p.message
            )
        }))
        .collect()
}

/// `routes --format table`.
pub fn table(analysis: &Analysis) -> String {
    let header = ["METHOD", "PATH", "AUTH", "HANDLER", "DEFINED AT"].map(str::to_string);
    let mut rows = rows(analysis);
    for row in &mut rows {
        if row[2].chars().count() > TABLE_EVIDENCE_CHARS {
            row[2] = row[2]
                .chars()
                .take(TABLE_EVIDENCE_CHARS - 1)
                .chain(['…'])
                .collect();
        }
    }
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let protected = analysis
        .routes
        .iter()
        .filter(|r| r.verdict.class.is_protected())
        .count();
    out.push_str(&format!(
        "\n{} routes: {protected} protected, {} not\n",
        analysis.routes.len(),
        analysis.routes.len() - protected
    ));
    let problems = unanalyzable_lines(analysis);
    if !problems.is_empty() {
        out.push_str("\nnot analysed:\n");
        for p in problems {
            out.push_str(&format!("  {p}\n"));
        }
    }
    out
}

/// `routes --format markdown`.
pub fn markdown(analysis: &Analysis) -> String {
    let mut out =
        String::from("| Method | Path | Auth | Handler | Defined at |\n|---|---|---|---|---|\n");
    for row in rows(analysis) {
        let cells: Vec<String> = row
            .iter()
            .map(|c| format!("`{}`", c.replace('|', "\\|")))
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    let problems = unanalyzable_lines(analysis);
    if !problems.is_empty() {
        out.push_str("\n**Not analysed:**\n\n");
        for p in problems {
            out.push_str(&format!("- `{p}`\n"));
        }
    }
    out
}
