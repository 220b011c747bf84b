//! Yearly updates without editing the KPI file: a CSV of actuals that adds to or overrides the
//! figures read from the TOML.
//!
//! The CSV has the header `kpi_id,year,value` (UTF-8; a BOM is accepted) and one figure a row:
//!
//! - `kpi_id`: a KPI's id, `KPI/SERIES` for one series of a KPI with several
//!   (`academic_ability/elementary`), or a goal indicator's id (`population`, `net_migration`, …)
//!   to fill in a figure the report left for later (公表後記入予定).
//! - `year`: for a KPI, the fiscal year (`2024` or `R6`) within the strategy period; for a goal
//!   indicator, the year or span as in the file (`2025`, `2020-2025`).
//! - `value`: a number (`133074`, `"133,074"`, `34.26`, `-1833` or `▲1833`), or `missing`,
//!   `not_carried_out` (`未実施`) or `pending`.
//!
//! Every row is checked before any is applied; a bad row is an error naming the file, the line and
//! the field. A KPI and year given twice is an error too.

use super::file::word;
use super::rule::Actual;
use super::strategy::{parse_year, Entry, Period, Strategy};
use crate::error::{Error, Location, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Read the actuals CSV at `path` and apply it to `strategy`.
pub fn apply_actuals_file(strategy: &mut Strategy, path: &Path) -> Result<()> {
    let bytes = crate::input::read_bytes(path)?;
    apply_actuals(strategy, &bytes, path)
}

/// Where one row goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Kpi {
        kpi: usize,
        series: usize,
        year: i32,
    },
    Indicator {
        id: String,
        period: Period,
    },
}

/// Apply the actuals CSV `bytes` (read from `path`, named in errors) to `strategy`.
pub fn apply_actuals(strategy: &mut Strategy, bytes: &[u8], path: &Path) -> Result<()> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let at = |line: u64| Location::file(path).line(line);
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line());
        Error::input(at(line), format!("cannot read the CSV: {e}"))
    };

    let mut rows: BTreeMap<Target, (u64, Actual)> = BTreeMap::new();
    let mut header_seen = false;
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(1, |p| p.line());
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        if !header_seen {
            if fields != ["kpi_id", "year", "value"] {
                return Err(Error::input(
                    at(line),
                    format!(
                        "the header is `{}`; expected `kpi_id,year,value`",
                        fields.join(",")
                    ),
                ));
            }
            header_seen = true;
            continue;
        }
        if fields.len() != 3 {
            return Err(Error::input(
                at(line),
                format!(
                    "found {} fields; expected 3 (kpi_id,year,value)",
                    fields.len()
                ),
            ));
        }
        let (id, year, value) = (fields[0], fields[1], fields[2]);
        let target = locate(strategy, id, year, &|field: &str, msg: String| {
            Error::input(at(line).field(field), msg)
        })?;
        let actual = parse_value(value).ok_or_else(|| {
            Error::input(
                at(line).field("value"),
                format!(
                    "found `{value}`; expected a number (such as 133074, \"133,074\", -1833 or ▲1833), \
                     missing, not_carried_out (未実施) or pending"
                ),
            )
        })?;
        if let Some((first, _)) = rows.get(&target) {
            return Err(Error::input(
                at(line).field("year"),
                format!(
                    "`{id}` year {year} is already given on line {first}; give each figure once"
                ),
            ));
        }
        rows.insert(target, (line, actual));
    }
    if !header_seen {
        return Err(Error::input(
            at(1),
            "the file is empty; expected the header `kpi_id,year,value` and one figure a row",
        ));
    }

    for (target, (_, actual)) in rows {
        match target {
            Target::Kpi { kpi, series, year } => {
                if let Some(s) = strategy
                    .kpis
                    .get_mut(kpi)
                    .and_then(|k| k.series.get_mut(series))
                {
                    s.actuals.insert(year, Entry::from(actual));
                }
            }
            Target::Indicator { id, period } => {
                let indicator = strategy
                    .population
                    .iter_mut()
                    .chain(strategy.goals.iter_mut().map(|g| &mut g.indicator))
                    .find(|i| i.id == id);
                if let Some(i) = indicator {
                    i.actuals.insert(period, Entry::from(actual));
                }
            }
        }
    }
    Ok(())
}

fn locate(
    strategy: &Strategy,
    id: &str,
    year: &str,
    err: &dyn Fn(&str, String) -> Error,
) -> Result<Target> {
    let (kpi_id, series_id) = match id.split_once('/') {
        Some((k, s)) => (k, Some(s)),
        None => (id, None),
    };
    if let Some(kpi) = strategy.kpis.iter().position(|k| k.id == kpi_id) {
        let k = &strategy.kpis[kpi];
        let series = match series_id {
            None if k.series.len() == 1 => 0,
            None => {
                return Err(err(
                    "kpi_id",
                    format!(
                        "KPI `{kpi_id}` has several series; expected one of {}",
                        series_names(k)
                    ),
                ))
            }
            Some(s) => k
                .series
                .iter()
                .position(|x| x.id.as_deref() == Some(s))
                .ok_or_else(|| {
                    err(
                        "kpi_id",
                        format!(
                            "KPI `{kpi_id}` has no series `{s}`; expected {}",
                            series_names(k)
                        ),
                    )
                })?,
        };
        let y = parse_year(year).ok_or_else(|| {
            err(
                "year",
                format!("found `{year}`; expected a fiscal year such as 2024 or R6"),
            )
        })?;
        let (first, last) = strategy.period;
        if y < first || y > last {
            return Err(err(
                "year",
                format!("year {y} is outside the strategy period {first}–{last}"),
            ));
        }
        return Ok(Target::Kpi {
            kpi,
            series,
            year: y,
        });
    }
    if series_id.is_none() {
        if let Some((_, indicator)) = strategy.indicators().find(|(_, i)| i.id == id) {
            let period = year.parse::<Period>().map_err(|m| err("year", m))?;
            return Ok(Target::Indicator {
                id: indicator.id.clone(),
                period,
            });
        }
    }
    Err(err(
        "kpi_id",
        format!(
            "found `{id}`; expected the id of a KPI or goal indicator in {} ({})",
            strategy.path.display(),
            strategy
                .kpis
                .iter()
                .map(|k| k.id.as_str())
                .chain(strategy.indicators().map(|(_, i)| i.id.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn series_names(k: &super::strategy::Kpi) -> String {
    k.series
        .iter()
        .filter_map(|s| s.id.as_deref())
        .map(|s| format!("`{}/{s}`", k.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A figure as typed in a CSV cell: a number, possibly with thousands separators and a leading
/// ▲/△ for minus as Japanese tables write it, or one of the words of [`word`].
fn parse_value(s: &str) -> Option<Actual> {
    if let Some(a) = word(s) {
        return Some(a);
    }
    if s == "-" {
        return Some(Actual::Missing);
    }
    let (negative, digits) = match s.strip_prefix(['▲', '△', '−']) {
        Some(rest) => (true, rest.trim()),
        None => (false, s),
    };
    let cleaned: String = digits.chars().filter(|&c| c != ',').collect();
    let v: f64 = cleaned.parse().ok()?;
    if !v.is_finite() || (negative && cleaned.starts_with(['-', '+'])) {
        return None;
    }
    Some(Actual::Value(if negative { -v } else { v }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_planners_type_them() {
        assert_eq!(parse_value("133,074"), Some(Actual::Value(133074.0)));
        assert_eq!(parse_value("▲1,833"), Some(Actual::Value(-1833.0)));
        assert_eq!(parse_value("-1833"), Some(Actual::Value(-1833.0)));
        assert_eq!(parse_value("34.26"), Some(Actual::Value(34.26)));
        assert_eq!(parse_value("未実施"), Some(Actual::NotCarriedOut));
        assert_eq!(parse_value("pending"), Some(Actual::Pending));
        assert_eq!(parse_value("-"), Some(Actual::Missing));
        assert_eq!(parse_value("▲-3"), None);
        assert_eq!(parse_value("NaN"), None);
        assert_eq!(parse_value("inf"), None);
        assert_eq!(parse_value("twelve"), None);
        assert_eq!(parse_value(""), None);
    }
}
