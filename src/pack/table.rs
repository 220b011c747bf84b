//! Reading long-form CSV files with a header into rows whose fields can be fetched by name, with
//! every problem reported as file, line and field.
//!
//! UTF-8 with or without a byte-order mark is read as is. A file that is not UTF-8 but decodes
//! cleanly as Shift_JIS (as e-Stat often serves CSV) is read as Shift_JIS; anything else is an
//! error naming the line where the text stops being UTF-8. Blank lines are skipped; a line whose
//! first field starts with `#` is a comment. Columns must be exactly the expected ones (in any
//! order): a missing or unknown column is an error naming the header line.

use crate::error::{Error, Location, Result};
use std::path::{Path, PathBuf};

/// A parsed CSV file: header and rows, each with its line number.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Row>,
}

/// One data row.
#[derive(Debug, Clone)]
pub struct Row {
    line: u64,
    fields: Vec<String>,
}

impl Table {
    /// Read `path`, requiring the columns `required` and allowing `optional` ones.
    pub fn read(path: &Path, required: &[&str], optional: &[&str]) -> Result<Table> {
        let bytes = crate::input::read_bytes(path)?;
        Table::parse(path, &bytes, required, optional)
    }

    /// Parse `bytes` as the contents of `path` (see [`Table::read`]).
    pub fn parse(path: &Path, bytes: &[u8], required: &[&str], optional: &[&str]) -> Result<Table> {
        let decoded = crate::input::decode(
            path,
            bytes,
            "the file is neither UTF-8 nor Shift_JIS: save it as UTF-8 (Excel: \"CSV UTF-8\")",
        )?;
        let text: &str = &decoded;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let mut header: Option<(u64, Vec<String>)> = None;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Error::input(
                    Location::file(path).line(line),
                    format!("cannot read CSV: {e}"),
                )
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let fields: Vec<String> = record.iter().map(|f| f.trim().to_string()).collect();
            match &header {
                None => header = Some((line, fields)),
                Some((_, h)) => {
                    if fields.len() != h.len() {
                        return Err(Error::input(
                            Location::file(path).line(line),
                            format!(
                                "expected {} fields ({}), found {}",
                                h.len(),
                                h.join(","),
                                fields.len()
                            ),
                        ));
                    }
                    rows.push(Row { line, fields });
                }
            }
        }
        let Some((hline, header)) = header else {
            return Err(Error::input(
                Location::file(path),
                format!(
                    "the file is empty: expected a header `{}`",
                    required.join(",")
                ),
            ));
        };
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::input(
                    Location::file(path).line(hline).field(*col),
                    format!(
                        "missing column `{col}`: expected the header {}",
                        describe_columns(required, optional)
                    ),
                ));
            }
        }
        for h in &header {
            if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
                return Err(Error::input(
                    Location::file(path).line(hline).field(h.clone()),
                    format!(
                        "unknown column `{h}`: expected {}",
                        describe_columns(required, optional)
                    ),
                ));
            }
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The file this table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data rows.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Whether the header has `column`.
    pub fn has(&self, column: &str) -> bool {
        self.header.iter().any(|h| h == column)
    }

    /// The location of `field` in `row`.
    pub fn at(&self, row: &Row, field: &str) -> Location {
        Location::file(&self.path).line(row.line).field(field)
    }

    /// The raw text of `field` in `row` (empty if the column is absent).
    pub fn str<'a>(&self, row: &'a Row, field: &str) -> &'a str {
        self.header
            .iter()
            .position(|h| h == field)
            .and_then(|i| row.fields.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// A finite number in `field`.
    pub fn num(&self, row: &Row, field: &str) -> Result<f64> {
        let raw = self.str(row, field);
        if raw.is_empty() {
            return Err(Error::input(
                self.at(row, field),
                "the field is empty: expected a number",
            ));
        }
        if raw.contains(',') {
            return Err(Error::input(
                self.at(row, field),
                format!(
                    "found \"{raw}\": expected a number without thousands separators or a decimal comma (write 6420 or 6.42, not 6,420 or 6,42)"
                ),
            ));
        }
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(Error::input(
                self.at(row, field),
                format!("expected a finite number, found \"{raw}\""),
            )),
        }
    }

    /// A finite number of 0 or more in `field`.
    pub fn non_negative(&self, row: &Row, field: &str) -> Result<f64> {
        let v = self.num(row, field)?;
        if v < 0.0 {
            return Err(Error::input(
                self.at(row, field),
                format!(
                    "expected a number of 0 or more, found {}",
                    crate::limits::show(v)
                ),
            ));
        }
        Ok(v)
    }

    /// A finite number from `lo` to `hi` in `field`; `what` says what it is.
    pub fn within(&self, row: &Row, field: &str, lo: f64, hi: f64, what: &str) -> Result<f64> {
        let v = self.num(row, field)?;
        if !(lo..=hi).contains(&v) {
            return Err(Error::input(
                self.at(row, field),
                format!(
                    "expected {what} from {} to {}, found {}",
                    crate::limits::show(lo),
                    crate::limits::show(hi),
                    crate::limits::show(v)
                ),
            ));
        }
        Ok(v)
    }

    /// A number of persons in `field`: 0 or more, at most [`crate::limits::MAX_PERSONS`].
    pub fn persons(&self, row: &Row, field: &str) -> Result<f64> {
        self.non_negative(row, field)?;
        self.within(
            row,
            field,
            0.0,
            crate::limits::MAX_PERSONS,
            "a number of persons",
        )
    }

    /// A number from 0 to 1 in `field` (a probability or ratio).
    pub fn probability(&self, row: &Row, field: &str) -> Result<f64> {
        let v = self.num(row, field)?;
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::input(
                self.at(row, field),
                format!(
                    "expected a value from 0 to 1, found {}",
                    crate::limits::show(v)
                ),
            ));
        }
        Ok(v)
    }

    /// A whole-number year in `field`.
    pub fn year(&self, row: &Row, field: &str) -> Result<i32> {
        let raw = self.str(row, field);
        raw.parse::<i32>().map_err(|_| {
            Error::input(
                self.at(row, field),
                format!("expected a year such as 2015, found \"{raw}\""),
            )
        })
    }

    /// A five-year period `2015-2020` in `field`, returned as its start year.
    pub fn period(&self, row: &Row, field: &str) -> Result<i32> {
        let raw = self.str(row, field);
        crate::grid::parse_period(raw).ok_or_else(|| {
            Error::input(
                self.at(row, field),
                format!("expected a five-year period such as 2015-2020, found \"{raw}\""),
            )
        })
    }

    /// `male` or `female` in `field`.
    pub fn sex(&self, row: &Row, field: &str) -> Result<crate::grid::Sex> {
        let raw = self.str(row, field);
        crate::grid::Sex::parse(raw).ok_or_else(|| {
            Error::input(
                self.at(row, field),
                format!("expected `male` or `female`, found \"{raw}\""),
            )
        })
    }
}

impl Row {
    /// The line number of this row in its file (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }
}

fn describe_columns(required: &[&str], optional: &[&str]) -> String {
    let mut s = format!("`{}`", required.join(","));
    if !optional.is_empty() {
        s.push_str(&format!(" (optional: {})", optional.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Table> {
        Table::parse(Path::new("t.csv"), text.as_bytes(), &["a", "b"], &["c"])
    }

    #[test]
    fn reads_with_bom_comments_and_blank_lines() {
        let t = parse("\u{feff}# comment\na,b\n\n1,2\n3,4\n").unwrap();
        assert_eq!(t.rows().len(), 2);
        assert_eq!(t.rows()[1].line(), 5);
        assert_eq!(t.num(&t.rows()[1], "b").unwrap(), 4.0);
    }

    #[test]
    fn reads_shift_jis() {
        // "年,値\n2020,5\n" with a Japanese header, encoded as Shift_JIS.
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("a,b\n1,男\n");
        assert!(std::str::from_utf8(&bytes).is_err());
        let t = Table::parse(Path::new("s.csv"), &bytes, &["a", "b"], &[]).unwrap();
        assert_eq!(t.str(&t.rows()[0], "b"), "男");
        let e =
            Table::parse(Path::new("s.csv"), b"a,b\n1,\xff\xff\n", &["a", "b"], &[]).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn missing_field_names_line() {
        let e = parse("a,b\n1,2\n3\n").unwrap_err().to_string();
        assert!(e.contains("t.csv, line 3"), "{e}");
        assert!(e.contains("expected 2 fields"), "{e}");
    }

    #[test]
    fn unknown_and_missing_columns() {
        let e = parse("a,x\n1,2\n").unwrap_err().to_string();
        assert!(e.contains("missing column `b`"), "{e}");
        let e = parse("a,b,z\n1,2,3\n").unwrap_err().to_string();
        assert!(e.contains("unknown column `z`"), "{e}");
    }

    #[test]
    fn bad_numbers() {
        let t = parse("a,b\n1,NaN\n-1,x\n").unwrap();
        let e = t.num(&t.rows()[0], "b").unwrap_err().to_string();
        assert!(
            e.contains("line 2, field `b`: expected a finite number"),
            "{e}"
        );
        let e = t.non_negative(&t.rows()[1], "a").unwrap_err().to_string();
        assert!(e.contains("line 3, field `a`"), "{e}");
    }
}
