//! Numbers for people: signs that read right (no `-0.0%`, no `+0`), thousands separators, rates
//! with SI prefixes (`1.28 M/s`), and machine-readable numbers with a chosen [`Precision`] for CSV.

use crate::output::projection::persons;

/// A signed percent with `decimals` decimals (`v` already in percent): `+39.9%`, `-40.9%`, and
/// `0.0%` when it rounds to zero (never `-0.0%`).
pub fn signed_percent(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    if s.chars().all(|c| c == '0' || c == '.') || !v.is_finite() {
        return format!("{s}%");
    }
    let sign = if v < 0.0 { '-' } else { '+' };
    format!("{sign}{s}%")
}

/// A share (0.409) as a percent with one decimal and its sign: `+40.9%`, `0.0%`.
pub fn signed_share(v: f64) -> String {
    signed_percent(100.0 * v, 1)
}

/// Whole persons with their sign and thousands separators: `+6,790`, `-1,234`, `0`.
pub fn signed_persons(v: f64) -> String {
    let s = persons(v);
    if v.round() > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// A number with `decimals` decimals and thousands separators (`1,277,337.3`).
pub fn grouped(v: f64, decimals: usize) -> String {
    crate::kpi::render::format_number(v, decimals)
}

/// A rate per second with an SI prefix and three significant digits: `1.28 M/s`, `812 k/s`,
/// `45.0 /s`.
pub fn rate_per_second(v: f64) -> String {
    let (scaled, prefix) = if v >= 1e9 {
        (v / 1e9, "G")
    } else if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let decimals = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.decimals$} {prefix}/s")
}

/// How many decimals machine-readable outputs (`batch`, `sweep`, `solve frontier`, `project
/// --format csv`) print for persons: a number of decimals, or `full` (the shortest text that
/// reads back as the same `f64`, 15–17 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// At most this many decimals (trailing zeros dropped).
    Decimals(usize),
    /// Every digit.
    Full,
}

/// The default for persons: one decimal (a total of 10,069.9 persons, not 10069.89000726998).
pub const DEFAULT_PRECISION: Precision = Precision::Decimals(1);

impl Precision {
    /// Parse `--precision`: `full` or a number of decimals from 0 to 12.
    pub fn parse(s: &str) -> std::result::Result<Precision, String> {
        if s.eq_ignore_ascii_case("full") {
            return Ok(Precision::Full);
        }
        match s.parse::<usize>() {
            Ok(n) if n <= 12 => Ok(Precision::Decimals(n)),
            _ => Err(format!(
                "expected a number of decimals from 0 to 12, or `full`, found \"{s}\""
            )),
        }
    }

    /// The same precision with `more` decimals (shares: three more than persons).
    pub fn plus(self, more: usize) -> Precision {
        match self {
            Precision::Decimals(n) => Precision::Decimals(n + more),
            Precision::Full => Precision::Full,
        }
    }

    /// Append `v` at this precision (nothing if not finite).
    pub fn push(self, out: &mut String, v: f64) {
        use std::fmt::Write as _;
        if !v.is_finite() {
            return;
        }
        match self {
            Precision::Full => {
                let mut b = ryu::Buffer::new();
                let t = b.format_finite(v);
                out.push_str(t.strip_suffix(".0").unwrap_or(t));
            }
            Precision::Decimals(p) => {
                let start = out.len();
                let _ = write!(out, "{v:.p$}");
                // Trailing zeros dropped (642.0 → 642, 0.50 → 0.5).
                if p > 0 {
                    while out.ends_with('0') {
                        out.pop();
                    }
                    if out.ends_with('.') {
                        out.pop();
                    }
                }
                // -0 → 0
                if out[start..].starts_with('-')
                    && out[start + 1..].chars().all(|c| c == '0' || c == '.')
                {
                    out.remove(start);
                }
            }
        }
    }

    /// `v` at this precision.
    pub fn text(self, v: f64) -> String {
        let mut s = String::new();
        self.push(&mut s, v);
        s
    }
}

/// A parameter value (TFR, multiplier, year) for CSV: at most 10 significant digits, so that
/// `1.4 + 0.05` prints `1.45`, not `1.4500000000000002`.
pub fn param(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let r: f64 = format!("{v:.9e}").parse().unwrap_or(v);
    Precision::Full.text(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_read_right() {
        assert_eq!(signed_percent(-0.006, 1), "0.0%");
        assert_eq!(signed_percent(0.04, 1), "0.0%");
        assert_eq!(signed_percent(-40.88, 1), "-40.9%");
        assert_eq!(signed_percent(39.86, 1), "+39.9%");
        assert_eq!(signed_percent(-0.005, 2), "-0.01%");
        assert_eq!(signed_persons(-0.4), "0");
        assert_eq!(signed_persons(6790.2), "+6,790");
    }

    #[test]
    fn rates_have_si_prefixes() {
        assert_eq!(rate_per_second(1_277_337.261_3), "1.28 M/s");
        assert_eq!(rate_per_second(812_000.0), "812 k/s");
        assert_eq!(rate_per_second(45.0), "45.0 /s");
        assert_eq!(rate_per_second(16_400_000.0), "16.4 M/s");
    }

    #[test]
    fn precision_and_params() {
        assert_eq!(Precision::Decimals(1).text(10069.89000726998), "10069.9");
        assert_eq!(Precision::Decimals(0).text(-0.3), "0");
        assert_eq!(Precision::Decimals(1).text(642.0), "642");
        assert_eq!(Precision::Decimals(1).text(-0.04), "0");
        assert_eq!(Precision::Full.text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(param(1.4 + 0.05), "1.45");
        assert_eq!(param(0.1 + 0.2), "0.3");
        assert_eq!(param(2030.0), "2030");
        assert_eq!(Precision::parse("full"), Ok(Precision::Full));
        assert_eq!(Precision::parse("3"), Ok(Precision::Decimals(3)));
        assert!(Precision::parse("x").is_err());
    }
}
