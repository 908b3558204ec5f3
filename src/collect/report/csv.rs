//! The report's CSV files and the export of every stored answer.

use yasno_survey_core::AnswerValue;

use super::super::store::StoredAnswer;
use super::figures::{decimal, satisfaction};
use super::mask::mask_contacts;
use super::{Report, ReportLabels, Section};

impl Report {
    /// The CSV files of the report: summary, distribution, weeks, sources, comments.
    pub fn csv_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut files = CsvFiles::new();
        for s in self.sections() {
            files.add(s);
        }
        let mut all = files.finish();
        all.extend(self.control_csv_files());
        all
    }
}

/// The five CSV files of a report, each with its header row, filled section by section.
struct CsvFiles {
    summary: csv::Writer<Vec<u8>>,
    dist: csv::Writer<Vec<u8>>,
    weeks: csv::Writer<Vec<u8>>,
    sources: csv::Writer<Vec<u8>>,
    comments: csv::Writer<Vec<u8>>,
}

impl CsvFiles {
    fn new() -> Self {
        let with_header = |header: &[&str]| {
            let mut w = csv_writer();
            let _ = w.write_record(header);
            w
        };
        CsvFiles {
            summary: with_header(&[
                "service",
                "title",
                "answers",
                "rated",
                "mean",
                "share_4_5_percent",
            ]),
            dist: with_header(&["service", "question", "value", "label", "count"]),
            weeks: with_header(&["service", "week", "starts", "answers", "mean"]),
            sources: with_header(&["service", "source", "label", "answers"]),
            comments: with_header(&["service", "date", "source", "question", "text"]),
        }
    }

    /// Adds the rows of one section (`all` for the overall one).
    fn add(&mut self, s: &Section) {
        let sc = s.slug.clone().unwrap_or_else(|| "all".into());
        let sat = &s.satisfaction;
        let share = if sat.rated == 0 {
            String::new()
        } else {
            decimal(sat.good as f64 * 100.0 / sat.rated as f64, 1)
        };
        let mean = sat.mean_value.map(|m| decimal(m, 2)).unwrap_or_default();
        let _ = self.summary.write_record([
            sc.as_str(),
            &cell(&s.title),
            &s.answers.to_string(),
            &sat.rated.to_string(),
            &mean,
            &share,
        ]);
        for q in &s.questions {
            for r in &q.rows {
                let _ = self.dist.write_record([
                    sc.as_str(),
                    &q.id,
                    &r.value,
                    &cell(&r.label),
                    &r.count.to_string(),
                ]);
            }
        }
        for w in &s.weeks {
            let mean = if w.mean == "—" { "" } else { &w.mean };
            let _ = self.weeks.write_record([
                sc.as_str(),
                &w.week,
                &w.starts,
                &w.answers.to_string(),
                mean,
            ]);
        }
        for src in &s.sources {
            let _ = self.sources.write_record([
                sc.as_str(),
                &src.tag,
                &cell(&src.label),
                &src.answers.to_string(),
            ]);
        }
        for c in &s.comments {
            let _ = self.comments.write_record([
                sc.as_str(),
                &c.date,
                &cell(&c.source),
                &cell(&c.question),
                &cell(&c.text),
            ]);
        }
    }

    fn finish(self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("summary.csv", finish(self.summary)),
            ("distribution.csv", finish(self.dist)),
            ("weeks.csv", finish(self.weeks)),
            ("sources.csv", finish(self.sources)),
            ("comments.csv", finish(self.comments)),
        ]
    }
}

/// A CSV writer that starts with the UTF-8 BOM (so Excel reads UTF-8) and uses `;`.
pub(super) fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer("\u{feff}".as_bytes().to_vec())
}

pub(super) fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().unwrap_or_default()
}

/// A CSV cell that a spreadsheet will not run as a formula: text whose first visible
/// character starts a formula (after any spaces or line breaks, which spreadsheets skip; the
/// full-width forms, which some convert) gets a leading `'`.
pub(super) fn cell(text: &str) -> String {
    let visible = text.trim_start_matches(|c: char| c.is_whitespace());
    let formula = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];
    if text.starts_with(['\t', '\r']) || visible.starts_with(formula) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// All stored answers as CSV (one row per answer, one column per question), comments masked.
pub fn export_csv(rows: &[StoredAnswer], labels: &ReportLabels) -> Vec<u8> {
    let mut questions: Vec<String> = Vec::new();
    for row in rows {
        for key in row.answer.answers.keys() {
            if !questions.contains(key) {
                questions.push(key.clone());
            }
        }
    }
    let mut w = csv_writer();
    let mut header = vec![
        "received_at".to_owned(),
        "service".into(),
        "survey".into(),
        "version".into(),
        "source".into(),
        "lang".into(),
        "satisfaction".into(),
    ];
    header.extend(questions.iter().cloned());
    let _ = w.write_record(&header);
    for row in rows {
        let mut record = vec![
            row.received_at.to_string(),
            row.answer.service.clone(),
            row.answer.survey.clone(),
            row.answer.version.to_string(),
            row.answer.source.clone(),
            row.answer.lang.clone(),
            satisfaction(labels, row)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ];
        for q in &questions {
            record.push(match row.answer.answers.get(q) {
                Some(AnswerValue::Rating(n)) => n.to_string(),
                Some(AnswerValue::Text(t)) => cell(&mask_contacts(t)),
                None => String::new(),
            });
        }
        let _ = w.write_record(&record);
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use yasno_survey_core::Answer;

    use super::*;

    #[test]
    fn formulas_behind_spaces_line_breaks_or_full_width_signs_are_neutralised() {
        for text in [
            " =1+1",
            "\n=HYPERLINK(\"x\")",
            "\u{3000}+1",
            "＝1+1",
            " \r\n@SUM(A1)",
        ] {
            assert!(cell(text).starts_with('\''), "{text:?}");
        }
        for text in ["Всё хорошо", "5", " a=b"] {
            assert_eq!(cell(text), text);
        }
    }

    #[test]
    fn csv_starts_with_bom_and_guards_formulas() {
        let bytes = export_csv(
            &[StoredAnswer {
                received_at: "2026-07-01T10:00:00Z".parse().unwrap(),
                answer: Answer {
                    client_id: "client-0001".into(),
                    service: "opeka".into(),
                    survey: "default".into(),
                    version: 1,
                    source: "web".into(),
                    lang: "ru".into(),
                    answers: BTreeMap::from([
                        ("rating".into(), AnswerValue::Rating(5)),
                        (
                            "comment".into(),
                            AnswerValue::Text("=HYPERLINK(\"x\")".into()),
                        ),
                    ]),
                },
            }],
            &ReportLabels::default(),
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(
            lines.next().unwrap(),
            "received_at;service;survey;version;source;lang;satisfaction;comment;rating"
        );
        assert!(lines.next().unwrap().contains("\"'=HYPERLINK"));
    }
}
