//! Numbers for people: signs that read right (no `-0.0%`, no `+0`), thousands separators, rates
//! with SI prefixes (`1.28 M/s`), and machine-readable numbers with a chosen precision for CSV.

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

/// A number for CSV: with `precision` decimals when given (trailing zeros kept, `-0` written
/// `0`), else in full (the shortest text that reads back as the same `f64`).
pub fn csv_number(v: f64, precision: Option<usize>) -> String {
    match precision {
        Some(p) => {
            let s = format!("{v:.p$}");
            if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
                s[1..].to_string()
            } else {
                s
            }
        }
        None => {
            let mut buf = ryu::Buffer::new();
            let s = buf.format(v);
            s.strip_suffix(".0").unwrap_or(s).to_string()
        }
    }
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
    fn csv_numbers() {
        assert_eq!(csv_number(15908.612069384653, Some(1)), "15908.6");
        assert_eq!(csv_number(-0.04, Some(1)), "0.0");
        assert_eq!(csv_number(0.5955, None), "0.5955");
        assert_eq!(csv_number(17033.0, None), "17033");
    }
}
