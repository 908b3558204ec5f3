//! The CSV files of the quarterly control part: every service beside the previous period.

use super::csv::{cell, csv_writer, finish};
use super::figures::decimal;
use super::{Report, Share};

/// A share as a CSV cell in percent with a decimal comma, empty without answers.
fn pct(x: Option<f64>) -> String {
    x.map(|v| decimal(v * 100.0, 1)).unwrap_or_default()
}

fn share_cells(s: &Share) -> [String; 3] {
    [pct(s.value), pct(s.low), pct(s.high)]
}

impl Report {
    /// The control part's CSV files: services, themes, decisions, and pages when present.
    pub(super) fn control_csv_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut files = vec![
            ("services.csv", self.services_csv()),
            ("themes.csv", self.themes_csv()),
            ("decisions.csv", self.decisions_csv()),
        ];
        if let Some(pages) = &self.pages {
            files.push(("pages.csv", pages_csv(pages)));
        }
        if let Some(l) = &self.letters {
            files.push(("letters.csv", letters_csv(l)));
        }
        if let Some(m) = &self.monitoring {
            files.push(("monitoring.csv", monitoring_csv(m)));
        }
        files
    }

    /// Every service, now and before, with intervals and flags.
    fn services_csv(&self) -> Vec<u8> {
        let mut w = csv_writer();
        let _ = w.write_record([
            "service",
            "title",
            "survey_on",
            "answers",
            "prev_answers",
            "mean",
            "prev_mean",
            "share_4_5_percent",
            "share_4_5_low",
            "share_4_5_high",
            "prev_share_4_5_percent",
            "share_1_2_percent",
            "share_1_2_low",
            "share_1_2_high",
            "prev_share_1_2_percent",
            "alert",
            "flags",
        ]);
        for s in &self.comparison.services {
            let [g, gl, gh] = share_cells(&s.good);
            let [l, ll, lh] = share_cells(&s.low);
            let _ = w.write_record([
                s.slug.as_str(),
                &cell(&s.title),
                if s.survey_on { "yes" } else { "no" },
                &s.answers.to_string(),
                &s.prev_answers.to_string(),
                &s.mean.replace('—', ""),
                &s.prev_mean.replace('—', ""),
                &g,
                &gl,
                &gh,
                &pct(s.prev_good.value),
                &l,
                &ll,
                &lh,
                &pct(s.prev_low.value),
                if s.alert { "yes" } else { "no" },
                &cell(&s.flags.join("; ")),
            ]);
        }
        finish(w)
    }

    /// Comments per theme, per service and overall (`all`).
    fn themes_csv(&self) -> Vec<u8> {
        let mut themes = csv_writer();
        let _ = themes.write_record(["service", "theme", "comments"]);
        for s in self.sections() {
            let slug = s.slug.as_deref().unwrap_or("all");
            for t in &s.themes {
                let _ = themes.write_record([slug, &cell(&t.name), &t.count.to_string()]);
            }
        }
        finish(themes)
    }

    /// Each service's decision this period and the one before.
    fn decisions_csv(&self) -> Vec<u8> {
        let mut d = csv_writer();
        let _ = d.write_record([
            "service",
            "discussed",
            "reengineer",
            "why",
            "who",
            "by",
            "prev_discussed",
            "prev_reengineer",
        ]);
        for s in &self.comparison.services {
            let yes_no = |b: bool| if b { "yes" } else { "no" };
            let (prev_day, prev_re) = match &s.prev_decision {
                Some(p) => (p.discussed.clone(), yes_no(p.reengineer).to_owned()),
                None => (String::new(), String::new()),
            };
            let row = match &s.decision {
                Some(x) => [
                    s.slug.clone(),
                    x.discussed.clone(),
                    yes_no(x.reengineer).to_owned(),
                    cell(&x.why),
                    cell(&x.who),
                    x.by.clone(),
                    prev_day,
                    prev_re,
                ],
                None => [
                    s.slug.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    prev_day,
                    prev_re,
                ],
            };
            let _ = d.write_record(row);
        }
        finish(d)
    }
}

/// Page votes, most "no" first, with every text (masked).
fn pages_csv(pages: &[super::PageVotes]) -> Vec<u8> {
    let mut p = csv_writer();
    let _ = p.write_record(["page", "no", "yes", "no_share_percent", "prev_no", "texts"]);
    for v in pages {
        let texts: Vec<String> = v
            .all_texts
            .iter()
            .map(|t| format!("{}: {}", t.date, t.text))
            .collect();
        let _ = p.write_record([
            cell(&v.page),
            v.no.to_string(),
            v.yes.to_string(),
            pct(v.no_share.value),
            v.prev_no.to_string(),
            cell(&texts.join(" | ")),
        ]);
    }
    finish(p)
}

/// Letters and calls: one row per figure, now and before (waits as the report shows them).
fn letters_csv(l: &super::LettersAndCalls) -> Vec<u8> {
    let mut w = csv_writer();
    let _ = w.write_record(["figure", "now", "before"]);
    let (r, p) = (&l.requests, &l.prev_requests);
    let (c, pc) = (&l.calls, &l.prev_calls);
    let rows: [(&str, String, String); 14] = [
        (
            "requests_received",
            r.received.to_string(),
            p.received.to_string(),
        ),
        (
            "requests_acknowledged_24h",
            r.acknowledged_24h.to_string(),
            p.acknowledged_24h.to_string(),
        ),
        (
            "requests_not_acknowledged_24h",
            r.not_acknowledged_24h.to_string(),
            p.not_acknowledged_24h.to_string(),
        ),
        (
            "requests_answered",
            r.answered.to_string(),
            p.answered.to_string(),
        ),
        (
            "requests_unanswered",
            r.unanswered.to_string(),
            p.unanswered.to_string(),
        ),
        (
            "requests_mean_wait_working_days",
            r.average_wait.clone(),
            p.average_wait.clone(),
        ),
        (
            "requests_longest_wait_working_days",
            r.longest_wait.clone(),
            p.longest_wait.clone(),
        ),
        (
            "requests_longest_open_working_days",
            r.longest_open.clone(),
            p.longest_open.clone(),
        ),
        ("calls", c.calls.to_string(), pc.calls.to_string()),
        (
            "calls_answered",
            c.answered.to_string(),
            pc.answered.to_string(),
        ),
        ("calls_missed", c.missed.to_string(), pc.missed.to_string()),
        (
            "calls_missed_percent",
            pct(c.missed_share.value),
            pct(pc.missed_share.value),
        ),
        (
            "calls_mean_wait_seconds",
            c.average_wait.clone(),
            pc.average_wait.clone(),
        ),
        (
            "calls_longest_wait_seconds",
            c.longest_wait.clone(),
            pc.longest_wait.clone(),
        ),
    ];
    for (name, now, before) in rows {
        let _ = w.write_record([name, &now.replace('—', ""), &before.replace('—', "")]);
    }
    finish(w)
}

/// Site monitoring: one row per service.
fn monitoring_csv(m: &super::Monitoring) -> Vec<u8> {
    let mut w = csv_writer();
    let _ = w.write_record([
        "service",
        "freshness",
        "freshness_text",
        "missing",
        "readability",
        "findings",
        "errors",
        "handbook_missing",
    ]);
    for r in &m.rows {
        let _ = w.write_record([
            r.slug.clone(),
            r.freshness.to_owned(),
            cell(&r.freshness_text),
            cell(&r.missing.join("; ")),
            r.readability.replace('—', ""),
            r.findings.to_string(),
            r.errors.to_string(),
            cell(&r.handbook_missing.join("; ")),
        ]);
    }
    finish(w)
}
