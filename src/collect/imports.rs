//! Reading the mailbox and phone exports (`yasno report import requests|calls FILE.csv`).
//!
//! The formats are minimal CSV with a header row, `,` or `;` between fields (the first line
//! decides), UTF-8 with or without a BOM; columns may come in any order and other columns are
//! ignored:
//! - requests: `id, channel, received, acknowledged, answered` — times `YYYY-MM-DD HH:MM`
//!   (or with `T`, seconds optional); `acknowledged` and `answered` may be empty;
//! - calls: `time, status, wait_seconds` — `status` is `answered` or `missed`
//!   (`отвечен`, `пропущен`).
//!
//! A file is read whole before anything is stored, so one bad row refuses the file: the
//! error names the file, line and column, the field, what was expected and what was found.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::DateTime;

use super::control_store::{CallRecord, RequestRecord};

/// A row or header that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {field}: {message}", file.display())]
pub struct ImportError {
    /// The CSV file.
    pub file: PathBuf,
    /// Line, from 1 (the header is line 1).
    pub line: u64,
    /// Column (character), from 1.
    pub column: usize,
    /// The field (column name).
    pub field: String,
    /// What was expected and what was found.
    pub message: String,
}

/// A CSV file read into rows: its delimiter-split fields with their line and columns.
struct Table {
    file: PathBuf,
    columns: BTreeMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
    delimiter: char,
}

impl Table {
    fn read(file: &Path, text: &str, needed: &[&str]) -> Result<Table, ImportError> {
        let text = text.trim_start_matches('\u{feff}');
        let first = text.lines().next().unwrap_or("");
        let delimiter = if first.contains(';') { ';' } else { ',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter as u8)
            .flexible(true)
            .from_reader(text.as_bytes());
        let err = |line: u64, field: &str, message: String| ImportError {
            file: file.to_owned(),
            line,
            column: 1,
            field: field.to_owned(),
            message,
        };
        let header = reader
            .headers()
            .map_err(|e| err(1, "header", e.to_string()))?
            .clone();
        let columns: BTreeMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_lowercase(), i))
            .collect();
        for name in needed {
            if !columns.contains_key(*name) {
                return Err(err(
                    1,
                    name,
                    format!(
                        "в заголовке нет столбца «{name}»; нужны: {} / the header has no column `{name}`",
                        needed.join(", ")
                    ),
                ));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                err(line, "row", e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            rows.push((line, record));
        }
        Ok(Table {
            file: file.to_owned(),
            columns,
            rows,
            delimiter,
        })
    }

    /// The trimmed field `name` of a row, or the error for it.
    fn field<'r>(&self, row: &'r (u64, csv::StringRecord), name: &str) -> &'r str {
        row.1.get(self.columns[name]).unwrap_or("").trim()
    }

    fn error(&self, row: &(u64, csv::StringRecord), name: &str, message: String) -> ImportError {
        let index = self.columns[name];
        // Fields before this one and their delimiters (quotes are rare in these exports).
        let column = 1
            + (0..index)
                .map(|i| row.1.get(i).map_or(0, |f| f.chars().count()) + self.delimiter.len_utf8())
                .sum::<usize>();
        ImportError {
            file: self.file.clone(),
            line: row.0,
            column,
            field: name.to_owned(),
            message,
        }
    }

    fn time(
        &self,
        row: &(u64, csv::StringRecord),
        name: &str,
    ) -> Result<Option<DateTime>, ImportError> {
        let text = self.field(row, name);
        if text.is_empty() {
            return Ok(None);
        }
        parse_time(text).map(Some).ok_or_else(|| {
            self.error(
                row,
                name,
                format!(
                    "ожидалось время вида 2026-07-01 09:30, а не «{}» / expected a time like 2026-07-01 09:30",
                    text.chars().take(40).collect::<String>()
                ),
            )
        })
    }
}

/// `2026-07-01 09:30`, `2026-07-01T09:30:15`, or a date alone (midnight).
fn parse_time(text: &str) -> Option<DateTime> {
    let t = text.replacen(' ', "T", 1);
    if let Ok(d) = t.parse::<DateTime>() {
        return Some(d);
    }
    t.parse::<jiff::civil::Date>()
        .ok()
        .map(|d| d.at(0, 0, 0, 0))
}

/// Reads a requests export; any bad row refuses the whole file.
pub fn read_requests(file: &Path, text: &str) -> Result<Vec<RequestRecord>, ImportError> {
    let table = Table::read(
        file,
        text,
        &["id", "channel", "received", "acknowledged", "answered"],
    )?;
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let id = table.field(row, "id");
        if id.is_empty() {
            return Err(table.error(row, "id", "пустой номер обращения / the id is empty".into()));
        }
        if let Some(first) = seen.insert(id.to_owned(), row.0) {
            return Err(table.error(
                row,
                "id",
                format!("номер «{id}» уже был в строке {first} / id `{id}` repeats line {first}"),
            ));
        }
        let channel = table.field(row, "channel");
        if channel.is_empty() {
            return Err(table.error(row, "channel", "пустой канал / the channel is empty".into()));
        }
        let received = table.time(row, "received")?.ok_or_else(|| {
            table.error(
                row,
                "received",
                "нужна дата поступления / the time of receipt is required".into(),
            )
        })?;
        let acknowledged = table.time(row, "acknowledged")?;
        let answered = table.time(row, "answered")?;
        for (name, t) in [("acknowledged", acknowledged), ("answered", answered)] {
            if t.is_some_and(|t| t < received) {
                return Err(table.error(
                    row,
                    name,
                    "раньше, чем обращение поступило / earlier than the request was received"
                        .into(),
                ));
            }
        }
        out.push(RequestRecord {
            id: id.to_owned(),
            channel: channel.to_owned(),
            received,
            acknowledged,
            answered,
        });
    }
    Ok(out)
}

/// Reads a calls export; any bad row refuses the whole file.
pub fn read_calls(file: &Path, text: &str) -> Result<Vec<CallRecord>, ImportError> {
    let table = Table::read(file, text, &["time", "status", "wait_seconds"])?;
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let time = table.time(row, "time")?.ok_or_else(|| {
            table.error(
                row,
                "time",
                "нужно время звонка / the time of the call is required".into(),
            )
        })?;
        let status = table.field(row, "status").to_lowercase();
        let answered = match status.as_str() {
            "answered" | "отвечен" => true,
            "missed" | "пропущен" => false,
            other => {
                return Err(table.error(
                    row,
                    "status",
                    format!("ожидалось answered или missed, а не «{other}» / expected answered or missed"),
                ));
            }
        };
        let wait = table.field(row, "wait_seconds");
        let wait_seconds = wait.parse::<u32>().map_err(|_| {
            table.error(
                row,
                "wait_seconds",
                format!("ожидалось целое число секунд, а не «{wait}» / expected whole seconds"),
            )
        })?;
        out.push(CallRecord {
            time,
            answered,
            wait_seconds,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_row_is_named_by_file_line_column_and_field() {
        let text = "id;channel;received;acknowledged;answered\n\
                    A-1;email;2026-07-01 09:30;2026-07-01 12:00;\n\
                    A-2;letter;2026-07-02 10:00;вчера;\n";
        let err = read_requests(Path::new("in.csv"), text).unwrap_err();
        assert_eq!(
            (err.line, err.column, err.field.as_str()),
            (3, 29, "acknowledged")
        );
        assert!(
            err.to_string().starts_with("in.csv:3:29: acknowledged: "),
            "{err}"
        );

        let dup =
            "id,channel,received,acknowledged,answered\nA,web,2026-07-01,,\nA,web,2026-07-01,,\n";
        let err = read_requests(Path::new("d.csv"), dup).unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (3, "id"));

        let err =
            read_calls(Path::new("c.csv"), "time,status\n2026-07-01 09:00,missed\n").unwrap_err();
        assert_eq!((err.line, err.field.as_str()), (1, "wait_seconds"));
        let err = read_calls(
            Path::new("c.csv"),
            "time,status,wait_seconds\n2026-07-01 09:00,busy,3\n",
        )
        .unwrap_err();
        assert_eq!(
            (err.line, err.column, err.field.as_str()),
            (2, 18, "status")
        );
    }
}
