//! CSV that Excel opens correctly on a Japanese PC.
//!
//! Excel reads a CSV without a byte-order mark in the system's code page (Shift_JIS, 932, on a
//! Japanese Windows), so UTF-8 text without a BOM shows as mojibake (文字化け). The default here
//! is therefore UTF-8 **with** a BOM and CRLF line endings, which every current Excel opens
//! as UTF-8; `Encoding::ShiftJis` writes Shift_JIS (as e-Stat and many municipal systems still
//! expect), and a character Shift_JIS cannot hold is an error naming its row and column rather
//! than a silent `?`.
//!
//! Quoting follows RFC 4180: a field holding a comma, a double quote, CR or LF is quoted, with
//! quotes doubled. The writer is pure: [`encode`] returns the bytes; the caller writes them with
//! [`crate::output::atomic::write_atomic`].

use crate::error::{Error, Result};

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark (what Excel needs to recognise UTF-8).
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8Bom,
    /// Shift_JIS (Windows code page 932 as the WHATWG Encoding Standard defines it).
    #[value(name = "shift_jis", alias = "sjis", alias = "cp932")]
    ShiftJis,
}

/// A table to write as CSV: one header row and rows of text cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsvTable {
    /// Column headers (row 1 of the file).
    pub headers: Vec<String>,
    /// Data rows (rows 2, 3, … of the file); missing cells are written empty.
    pub rows: Vec<Vec<String>>,
}

impl CsvTable {
    /// A table with these headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> CsvTable {
        CsvTable {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }
}

fn quote(field: &str, out: &mut String) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// The CSV text of `table` with CRLF line endings, before encoding.
pub fn text(table: &CsvTable) -> String {
    let mut out = String::new();
    let width = table.headers.len();
    let mut line = |cells: &[String]| {
        let n = width.max(cells.len());
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            quote(cells.get(i).map_or("", String::as_str), &mut out);
        }
        out.push_str("\r\n");
    };
    line(&table.headers);
    for row in &table.rows {
        line(row);
    }
    out
}

/// Encode `table` as a CSV file in `encoding`. Error [`Error::Unencodable`] (naming the 1-based
/// row, the header row being 1, and the column's header) for a character Shift_JIS cannot hold.
pub fn encode(table: &CsvTable, encoding: Encoding) -> Result<Vec<u8>> {
    match encoding {
        Encoding::Utf8Bom => {
            let mut bytes = vec![0xEF, 0xBB, 0xBF];
            bytes.extend_from_slice(text(table).as_bytes());
            Ok(bytes)
        }
        Encoding::ShiftJis => {
            // Check cell by cell first, so that the error names the cell.
            let rows = std::iter::once(&table.headers).chain(&table.rows);
            for (r, row) in rows.enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if let Some(ch) = unencodable_in_shift_jis(cell) {
                        let column = table
                            .headers
                            .get(c)
                            .cloned()
                            .unwrap_or_else(|| format!("#{}", c + 1));
                        return Err(Error::Unencodable {
                            row: r + 1,
                            column,
                            character: ch,
                            encoding: "Shift_JIS",
                        });
                    }
                }
            }
            let text = text(table);
            let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&text);
            if had_errors {
                // Unreachable after the per-cell check; kept so that no `?` is ever written.
                return Err(Error::Render {
                    what: "CSV".into(),
                    message: "a character cannot be written in Shift_JIS".into(),
                });
            }
            Ok(bytes.into_owned())
        }
    }
}

/// The first character of `s` that Shift_JIS cannot hold, if any.
pub fn unencodable_in_shift_jis(s: &str) -> Option<char> {
    let mut buf = [0u8; 4];
    s.chars().find(|ch| {
        let (_, _, had_errors) = encoding_rs::SHIFT_JIS.encode(ch.encode_utf8(&mut buf));
        had_errors
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> CsvTable {
        let mut t = CsvTable::new(["年", "シナリオ", "人口"]);
        t.push(vec![
            "2020".into(),
            "パターン1, \"社人研\"".into(),
            "35013".into(),
        ]);
        t
    }

    #[test]
    fn utf8_has_bom_crlf_and_quotes() {
        let bytes = encode(&table(), Encoding::Utf8Bom).expect("encodes");
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let s = std::str::from_utf8(&bytes[3..]).expect("utf-8");
        assert_eq!(
            s,
            "年,シナリオ,人口\r\n2020,\"パターン1, \"\"社人研\"\"\",35013\r\n"
        );
    }

    #[test]
    fn shift_jis_round_trips() {
        let bytes = encode(&table(), Encoding::ShiftJis).expect("encodes");
        assert_ne!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let (back, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!bad);
        assert_eq!(back, text(&table()));
    }

    #[test]
    fn shift_jis_names_row_and_column() {
        let mut t = table();
        t.push(vec!["2025".into(), "𠮷野家".into(), "1".into()]);
        let err = encode(&t, Encoding::ShiftJis).expect_err("𠮷 is not in Shift_JIS");
        let msg = err.to_string();
        assert!(msg.contains("row 3, column `シナリオ`"), "{msg}");
        assert!(msg.contains("U+20BB7"), "{msg}");
    }
}
