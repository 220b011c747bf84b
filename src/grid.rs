//! The age–sex grid: two sexes and five-year age groups 0-4, 5-9, … up to an open group
//! (90+ for Japanese municipal data, 85+ for the textbook case).
//!
//! Age groups are indexed from 0 (0-4); the last index is the open age group (最終年齢階級).

use std::fmt;

/// The largest number of age groups the engine holds (0-4 … 95-99, 100+).
pub const MAX_AGES: usize = 21;

/// First and last (inclusive) age-group index of women of reproductive age, 15-19 … 45-49.
pub const FERTILE_FIRST: usize = 3;
/// See [`FERTILE_FIRST`].
pub const FERTILE_LAST: usize = 9;

/// Sex, as index into per-sex arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// 男.
    Male = 0,
    /// 女.
    Female = 1,
}

impl Sex {
    /// Both sexes in index order.
    pub const BOTH: [Sex; 2] = [Sex::Male, Sex::Female];

    /// The index into per-sex arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label used in data files and JSON.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// Parse `male`/`female` (also `m`/`f`, 男/女).
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "male" | "m" | "M" | "Male" | "男" => Some(Sex::Male),
            "female" | "f" | "F" | "Female" | "女" => Some(Sex::Female),
            _ => None,
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Five-year age groups closed by an open group starting at `open_start` (e.g. 90 for `90+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeGroups {
    n: usize,
}

impl AgeGroups {
    /// The Japanese municipal standard: 0-4 … 85-89, 90+ (19 groups).
    pub const JAPAN: AgeGroups = AgeGroups { n: 19 };

    /// Groups with the open group starting at `open_start` (a multiple of 5, 15 to 100).
    pub fn with_open_start(open_start: u32) -> Option<AgeGroups> {
        if !open_start.is_multiple_of(5) || !(15..=100).contains(&open_start) {
            return None;
        }
        Some(AgeGroups {
            n: open_start as usize / 5 + 1,
        })
    }

    /// Number of groups, the open group included.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: there is at least the 0-4 group and the open group.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Index of the open group.
    pub fn open(&self) -> usize {
        self.n - 1
    }

    /// Lower age of the open group.
    pub fn open_start(&self) -> u32 {
        5 * (self.n as u32 - 1)
    }

    /// Label of group `a`: `0-4`, …, `90+`.
    pub fn label(&self, a: usize) -> String {
        if a + 1 == self.n {
            format!("{}+", 5 * a)
        } else {
            format!("{}-{}", 5 * a, 5 * a + 4)
        }
    }

    /// All labels in order.
    pub fn labels(&self) -> Vec<String> {
        (0..self.n).map(|a| self.label(a)).collect()
    }

    /// Index of a label (`0-4` … `85-89`, `90+`), or None if it is not a group of this grid.
    pub fn index(&self, label: &str) -> Option<usize> {
        let label = label.trim();
        if let Some(start) = label.strip_suffix('+') {
            let start: usize = start.trim().parse().ok()?;
            return (start == 5 * (self.n - 1)).then_some(self.n - 1);
        }
        let (lo, hi) = label.split_once('-')?;
        let lo: usize = lo.trim().parse().ok()?;
        let hi: usize = hi.trim().parse().ok()?;
        // `hi - lo`, checked: `lo + 4` would overflow for a huge `lo` (18446744073709551615-3).
        (lo.is_multiple_of(5) && hi.checked_sub(lo) == Some(4) && lo / 5 < self.n - 1)
            .then_some(lo / 5)
    }

    /// Find the grid from an open-group label such as `90+`.
    pub fn from_open_label(label: &str) -> Option<AgeGroups> {
        let start: u32 = label.trim().strip_suffix('+')?.trim().parse().ok()?;
        AgeGroups::with_open_start(start)
    }
}

/// Five-year period label `2015-2020` for the step starting in `year`.
pub fn period_label(year: i32) -> String {
    format!("{}-{}", year, year + 5)
}

/// Parse a period label `2015-2020` into its start year; the period must be five years long.
pub fn parse_period(label: &str) -> Option<i32> {
    let (a, b) = label.trim().split_once('-')?;
    let a: i32 = a.trim().parse().ok()?;
    let b: i32 = b.trim().parse().ok()?;
    (b == a + 5).then_some(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        let g = AgeGroups::JAPAN;
        assert_eq!(g.len(), 19);
        assert_eq!(g.label(0), "0-4");
        assert_eq!(g.label(18), "90+");
        for a in 0..g.len() {
            assert_eq!(g.index(&g.label(a)), Some(a));
        }
        assert_eq!(g.index("85+"), None);
        assert_eq!(g.index("90-94"), None);
        assert_eq!(g.index("3-7"), None);
        let p = AgeGroups::from_open_label("85+").unwrap();
        assert_eq!(p.len(), 18);
        assert_eq!(p.index("85+"), Some(17));
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("2015-2020"), Some(2015));
        assert_eq!(parse_period("2015-2021"), None);
        assert_eq!(period_label(2040), "2040-2045");
    }
}
