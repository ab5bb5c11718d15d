//! The bundled server passes its own gate: `cargo authcheck` reports nothing on it, every route is
//! seen, and every handler states its intent with `#[protected]` or `#[public(reason = ..)]`.

use std::path::Path;

use cargo_authcheck::analysis::{analyze, Options};
use cargo_authcheck::rules::{self, LevelOverrides};

fn server_analysis() -> cargo_authcheck::analysis::Analysis {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/Cargo.toml");
    let options = Options::uncached(manifest);
    analyze(&options, &rules::codes()).expect("the server can be analysed")
}

#[test]
fn the_server_has_no_findings_at_all() {
    let analysis = server_analysis();
    let found = rules::check(
        &analysis,
        &LevelOverrides {
            levels: Vec::new(),
            deny_warnings: true,
        },
    );
    let text: Vec<String> = found
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(
        found.is_empty(),
        "findings on the server:\n{}",
        text.join("\n")
    );
    assert!(
        analysis.routes.len() >= 80,
        "only {} routes found",
        analysis.routes.len()
    );
    assert!(analysis.table.unanalyzable.is_empty());
}

#[test]
fn every_server_handler_states_its_intent() {
    let analysis = server_analysis();
    for route in &analysis.routes {
        let Some(f) = route.handler_fn else { continue };
        let intent = analysis.index.fns[f.0].intent();
        assert!(
            intent.protected.is_some() ^ intent.public.is_some(),
            "{} {} ({}) carries neither #[protected] nor #[public]",
            route.entry.method,
            route.entry.path,
            route.handler
        );
        if intent.protected.is_some() {
            assert!(
                route.verdict.class.is_protected(),
                "{} is #[protected] but classified {:?}",
                route.handler,
                route.verdict.class
            );
        }
    }
}
