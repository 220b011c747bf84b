//! Raking (iterative proportional fitting, IPF; Deming & Stephan 1940): adjust a population by sex
//! and age so that it matches given margins — sums over spans of age groups of one sex — while
//! keeping, inside each margin, the proportions of the starting estimate.
//!
//! Each sweep scales the cells of every margin in turn to its target; sweeps repeat until every
//! margin is met to a relative tolerance. Overlapping margins (65+ and 75+) are what make the
//! iteration necessary.

use super::Cells;
use crate::error::{Error, Result};
use crate::grid::Sex;

/// One margin: the sum of `sex` (both sexes when None) over age groups `from..=to` must equal
/// `target`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraint {
    /// Sex, or None for both sexes together.
    pub sex: Option<Sex>,
    /// First age group.
    pub from: usize,
    /// Last age group (inclusive).
    pub to: usize,
    /// Target sum.
    pub target: f64,
}

/// The sex indices a constraint spans.
fn sexes(c: &Constraint) -> std::ops::Range<usize> {
    match c.sex {
        Some(s) => s.index()..s.index() + 1,
        None => 0..2,
    }
}

fn sum(cells: &Cells, c: &Constraint) -> f64 {
    sexes(c)
        .map(|s| cells[s][c.from..=c.to].iter().sum::<f64>())
        .sum()
}

fn sex_label(c: &Constraint) -> String {
    c.sex
        .map_or_else(|| "both sexes".to_string(), |s| s.to_string())
}

/// Rake `cells` to `constraints`; returns the number of sweeps. Fails when a margin cannot be met
/// (a positive target over cells that are all zero) or the sweeps do not converge (margins that
/// contradict each other).
pub fn rake(
    cells: &mut Cells,
    constraints: &[Constraint],
    rel_tol: f64,
    max_sweeps: usize,
) -> Result<usize> {
    for c in constraints {
        if !(c.target.is_finite() && c.target >= 0.0) {
            return Err(Error::Invalid(format!(
                "margin {} ages {}–{}: target {} is not a non-negative number",
                sex_label(c),
                c.from,
                c.to,
                c.target
            )));
        }
        if c.target > 0.0 && sum(cells, c) <= 0.0 {
            return Err(Error::Invalid(format!(
                "margin {} age groups {}–{}: the estimate is zero there, so it cannot be raked to {}",
                sex_label(c),
                c.from, c.to, c.target
            )));
        }
    }
    for sweep in 1..=max_sweeps {
        for c in constraints {
            let s = sum(cells, c);
            if s > 0.0 {
                let f = c.target / s;
                for sx in sexes(c) {
                    for v in &mut cells[sx][c.from..=c.to] {
                        *v *= f;
                    }
                }
            }
        }
        let worst = constraints
            .iter()
            .map(|c| (sum(cells, c) - c.target).abs() / c.target.max(1.0))
            .fold(0.0, f64::max);
        if worst <= rel_tol {
            return Ok(sweep);
        }
    }
    Err(Error::Invalid(format!(
        "raking did not converge in {max_sweeps} sweeps: the margins may contradict each other"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::MAX_AGES;

    #[test]
    fn overlapping_margins_are_met_and_proportions_kept() {
        let mut c: Cells = [[0.0; MAX_AGES]; 2];
        for a in 0..19 {
            c[0][a] = 100.0 + a as f64;
            c[1][a] = 120.0 + 2.0 * a as f64;
        }
        let cons = [
            Constraint {
                sex: Some(Sex::Male),
                from: 0,
                to: 2,
                target: 250.0,
            },
            Constraint {
                sex: Some(Sex::Male),
                from: 3,
                to: 12,
                target: 1200.0,
            },
            Constraint {
                sex: Some(Sex::Male),
                from: 13,
                to: 18,
                target: 900.0,
            },
            Constraint {
                sex: Some(Sex::Male),
                from: 15,
                to: 18,
                target: 500.0,
            },
        ];
        let before = c;
        let sweeps = rake(&mut c, &cons, 1e-13, 1000).unwrap();
        assert!(sweeps >= 1);
        for k in &cons {
            assert!((sum(&c, k) - k.target).abs() < 1e-9);
        }
        // Inside 0-14 (one margin only) the proportions are kept.
        assert!((c[0][1] / c[0][0] - before[0][1] / before[0][0]).abs() < 1e-12);
        // Females untouched.
        assert_eq!(c[1], before[1]);
    }

    #[test]
    fn contradictory_margins_fail() {
        let mut c: Cells = [[1.0; MAX_AGES]; 2];
        let cons = [
            Constraint {
                sex: Some(Sex::Male),
                from: 0,
                to: 18,
                target: 100.0,
            },
            Constraint {
                sex: Some(Sex::Male),
                from: 0,
                to: 18,
                target: 200.0,
            },
        ];
        assert!(rake(&mut c, &cons, 1e-12, 50).is_err());
    }
}
