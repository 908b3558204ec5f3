//! Unit tests of turning hits into findings.

use super::*;

/// Findings come out by position, then rule id, and hits equal in both keep the order
/// the rules made them in (a stable sort), wherever they were in the list.
#[test]
fn findings_are_in_a_stable_order_of_position_and_rule() {
    let source = "аб вг\nде жз ик\n";
    let hit = |rule: &'static str, span: Range<usize>, message: &'static str| Hit {
        rule,
        span,
        severity: Severity::Warning,
        message: message.into(),
        suggestion: None,
        why: "".into(),
    };
    let hits = vec![
        hit("long-sentence", 10..22, "a"),
        hit("bureaucratese", 0..4, "b"),
        hit("all-caps", 10..14, "c"),
        hit("long-sentence", 10..16, "d"),
        hit("all-caps", 0..2, "e"),
        hit("bureaucratese", 0..2, "f"),
        hit("all-caps", 10..18, "g"),
    ];
    let texts = Interner::default();
    let rows = rows::finish(source, hits, &CheckConfig::default(), &texts);
    let found = rows::findings(Path::new("a.md"), &rows, &texts);
    let got: Vec<_> = (found.iter())
        .map(|f| format!("{}:{} {} {}", f.line, f.column, f.rule, f.message))
        .collect();
    let want = [
        "1:1 all-caps e",
        "1:1 bureaucratese b",
        "1:1 bureaucratese f",
        "2:1 all-caps c",
        "2:1 all-caps g",
        "2:1 long-sentence a",
        "2:1 long-sentence d",
    ];
    assert_eq!(got, want);
}
