//! The national bundle's file format: every municipality's census 1980–2015, the IPSS 2018
//! projection, the prefectures' census and projection as tables of whole persons, plus the small
//! tables (municipalities, code changes, TFR, the IPSS 2023 summary, the national mortality,
//! sex ratio at birth and fertility age pattern) as CSV text, in one file of about 2 MB that the
//! binary carries (`scenarios/japan/bundle.bin`, documented in `scenarios/japan/README.md`).
//!
//! Layout: the magic line `JINKO-JAPAN-BUNDLE 1\n`, then sections, each a name, a kind byte and a
//! length-prefixed payload. A text section's payload is UTF-8 CSV. A table section's payload is
//! its shape — units, years (listed), sexes (2), ages per sex (the 19 groups 0-4 … 90+, and in
//! census tables `unknown` as a 20th) — then the counts in unit, year, sex, age order. Every
//! integer is LEB128 (7 bits a byte, low first): most cells are small, so this is half the size
//! of 32-bit words, and decoding the whole file takes a few milliseconds.
//!
//! [`write`] builds the file from the reference CSV files (`jinko bundle`, for maintainers);
//! [`Sections::parse`] reads it back, checking every length.

use crate::error::{Error, Location, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The first line of a bundle file.
pub const MAGIC: &[u8] = b"JINKO-JAPAN-BUNDLE 1\n";

const TEXT: u8 = 0;
const TABLE: u8 = 1;

/// A table of whole persons by unit (municipality or prefecture), year, sex and age.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// The years, in order.
    pub years: Vec<i32>,
    /// Number of units.
    pub units: usize,
    /// Age columns per sex (19, or 20 with `unknown` last).
    pub ages: usize,
    /// Counts in unit, year, sex, age order.
    pub data: Vec<u32>,
}

impl Counts {
    /// The counts of `unit` in year index `y` for sex `s` (ages in order).
    pub fn cells(&self, unit: usize, y: usize, s: usize) -> &[u32] {
        let at = ((unit * self.years.len() + y) * 2 + s) * self.ages;
        &self.data[at..at + self.ages]
    }
}

/// The sections of a bundle file by name.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    /// CSV text sections.
    pub texts: BTreeMap<String, String>,
    /// Count tables.
    pub tables: BTreeMap<String, Counts>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn corrupt(&self, what: &str) -> Error {
        Error::Invalid(format!(
            "the national bundle is damaged at byte {}: {what} (rebuild it with `jinko bundle`)",
            self.at
        ))
    }

    #[inline]
    fn varint(&mut self) -> Result<u64> {
        // Most counts are below 128: one byte.
        if let Some(&b) = self.bytes.get(self.at) {
            if b & 0x80 == 0 {
                self.at += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_long()
    }

    /// Decode `n` counts into `out`: one- and two-byte counts (98.5% of the bundle's) on a fast
    /// path. Err(()) on a count past the end or above `u32::MAX`.
    fn counts(&mut self, n: usize, out: &mut Vec<u32>) -> std::result::Result<(), ()> {
        let bytes = self.bytes;
        let mut p = self.at;
        for _ in 0..n {
            let b0 = *bytes.get(p).ok_or(())?;
            if b0 < 0x80 {
                out.push(u32::from(b0));
                p += 1;
                continue;
            }
            let b1 = *bytes.get(p + 1).ok_or(())?;
            if b1 < 0x80 {
                out.push(u32::from(b0 & 0x7f) | (u32::from(b1) << 7));
                p += 2;
                continue;
            }
            self.at = p;
            let v = self.varint_long().map_err(|_| ())?;
            out.push(u32::try_from(v).map_err(|_| ())?);
            p = self.at;
        }
        self.at = p;
        Ok(())
    }

    fn varint_long(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            let Some(&b) = self.bytes.get(self.at) else {
                return Err(self.corrupt("a number runs past the end"));
            };
            self.at += 1;
            if shift > 63 {
                return Err(self.corrupt("a number is too long"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.corrupt("a section runs past the end"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
}

impl Sections {
    /// Parse a bundle file.
    pub fn parse(bytes: &[u8]) -> Result<Sections> {
        if !bytes.starts_with(MAGIC) {
            return Err(Error::Invalid(
                "the national bundle does not start with its magic line: not a jinko bundle".into(),
            ));
        }
        let mut r = Reader {
            bytes,
            at: MAGIC.len(),
        };
        let mut out = Sections::default();
        while r.at < bytes.len() {
            let name_len = r.varint()? as usize;
            let name = std::str::from_utf8(r.take(name_len)?)
                .map_err(|_| r.corrupt("a section name is not UTF-8"))?
                .to_string();
            let kind = r.take(1)?[0];
            let len = r.varint()? as usize;
            let payload = r.take(len)?;
            match kind {
                TEXT => {
                    let text = std::str::from_utf8(payload)
                        .map_err(|_| r.corrupt("a text section is not UTF-8"))?;
                    out.texts.insert(name, text.to_string());
                }
                TABLE => {
                    let mut t = Reader {
                        bytes: payload,
                        at: 0,
                    };
                    let units = t.varint()? as usize;
                    let n_years = t.varint()? as usize;
                    let mut years = Vec::with_capacity(n_years.min(64));
                    for _ in 0..n_years {
                        years.push(t.varint()? as i32);
                    }
                    let ages = t.varint()? as usize;
                    let n = units
                        .checked_mul(n_years)
                        .and_then(|v| v.checked_mul(2 * ages))
                        .filter(|&n| n <= payload.len())
                        .ok_or_else(|| r.corrupt("a table's shape does not fit its length"))?;
                    let mut data = Vec::with_capacity(n);
                    t.counts(n, &mut data)
                        .map_err(|_| r.corrupt("a count is too large or runs past the end"))?;
                    if t.at != payload.len() {
                        return Err(r.corrupt("a table has bytes after its last count"));
                    }
                    out.tables.insert(
                        name,
                        Counts {
                            years,
                            units,
                            ages,
                            data,
                        },
                    );
                }
                _ => return Err(r.corrupt("unknown section kind")),
            }
        }
        Ok(out)
    }

    /// Serialise the sections (texts first, then tables, each in name order).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut section = |name: &str, kind: u8, payload: &[u8]| {
            put_varint(&mut out, name.len() as u64);
            out.extend_from_slice(name.as_bytes());
            out.push(kind);
            put_varint(&mut out, payload.len() as u64);
            out.extend_from_slice(payload);
        };
        for (name, text) in &self.texts {
            section(name, TEXT, text.as_bytes());
        }
        for (name, t) in &self.tables {
            let mut p = Vec::new();
            put_varint(&mut p, t.units as u64);
            put_varint(&mut p, t.years.len() as u64);
            for &y in &t.years {
                put_varint(&mut p, y as u64);
            }
            put_varint(&mut p, t.ages as u64);
            for &v in &t.data {
                put_varint(&mut p, u64::from(v));
            }
            section(name, TABLE, &p);
        }
        out
    }
}

/// The 19 age labels of the bundle's tables, and `unknown` for census tables.
pub fn age_labels(with_unknown: bool) -> Vec<String> {
    let ages = crate::grid::AgeGroups::JAPAN;
    let mut v: Vec<String> = (0..ages.len()).map(|a| ages.label(a)).collect();
    if with_unknown {
        v.push("unknown".into());
    }
    v
}

/// Read a long CSV `unit,year,sex,age,population` (the unit column named `unit_col`) into a
/// count table with units in the order of `units`; every unit, year, sex and age must be present
/// exactly once.
pub fn counts_from_csv(
    path: &Path,
    unit_col: &str,
    units: &[String],
    with_unknown: bool,
) -> Result<Counts> {
    let table = crate::pack::table::Table::read(
        path,
        &[unit_col, "year", "sex", "age", "population"],
        &[],
    )?;
    let labels = age_labels(with_unknown);
    let unit_index: BTreeMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let mut years: Vec<i32> = Vec::new();
    let mut values: BTreeMap<(usize, i32, usize, usize), u32> = BTreeMap::new();
    for row in table.rows() {
        let unit = table.str(row, unit_col);
        let Some(&u) = unit_index.get(unit) else {
            return Err(Error::input(
                table.at(row, unit_col),
                format!("\"{unit}\" is not in the list of units"),
            ));
        };
        let year = table.year(row, "year")?;
        let sex = table.sex(row, "sex")?.index();
        let age = table.str(row, "age");
        let Some(a) = labels.iter().position(|l| l == age) else {
            return Err(Error::input(
                table.at(row, "age"),
                format!("unexpected age \"{age}\""),
            ));
        };
        let v = table.non_negative(row, "population")?;
        if v.fract() != 0.0 || v > f64::from(u32::MAX) {
            return Err(Error::input(
                table.at(row, "population"),
                format!("expected a whole number of persons, found {v}"),
            ));
        }
        if values.insert((u, year, sex, a), v as u32).is_some() {
            return Err(Error::input(table.at(row, "age"), "duplicate row"));
        }
        if !years.contains(&year) {
            years.push(year);
        }
    }
    years.sort_unstable();
    let mut data = Vec::with_capacity(units.len() * years.len() * 2 * labels.len());
    for (u, unit) in units.iter().enumerate() {
        for &y in &years {
            for s in 0..2 {
                for (a, label) in labels.iter().enumerate() {
                    let v = values.get(&(u, y, s, a)).ok_or_else(|| {
                        Error::input(
                            Location::file(path),
                            format!("no row for {unit} {y} sex {s} age {label}"),
                        )
                    })?;
                    data.push(*v);
                }
            }
        }
    }
    Ok(Counts {
        years,
        units: units.len(),
        ages: labels.len(),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip() {
        let mut s = Sections::default();
        s.texts.insert("a.csv".into(), "x,y\n1,2\n".into());
        s.tables.insert(
            "t".into(),
            Counts {
                years: vec![2015, 2020],
                units: 1,
                ages: 2,
                data: vec![0, 127, 128, 4_000_000_000, 5, 6, 7, 8],
            },
        );
        let bytes = s.to_bytes();
        let back = Sections::parse(&bytes).unwrap();
        assert_eq!(back.texts, s.texts);
        assert_eq!(back.tables, s.tables);
        assert_eq!(back.tables["t"].cells(0, 1, 0), &[5, 6]);
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let mut s = Sections::default();
        s.texts.insert("a".into(), "hello".into());
        let bytes = s.to_bytes();
        for cut in 0..bytes.len() {
            let _ = Sections::parse(&bytes[..cut]);
        }
        assert!(Sections::parse(b"nope").is_err());
        assert!(Sections::parse(&bytes[..bytes.len() - 1]).is_err());
    }
}
