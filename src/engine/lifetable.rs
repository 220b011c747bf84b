//! Abridged life tables from central death rates, and the survival ratios the projection uses.
//!
//! Method: Preston, Heuveline & Guillot (2001), *Demography*, ch. 3. Ages 0, 1-4, 5-9, …, and an
//! open group. `nqx = n·mx / (1 + (n − nax)·mx)`; `nax = n/2` except `1a0` and `4a1`, which follow
//! the Coale–Demeny rules (Preston table 3.3); the open group has `L = l / m`.
//!
//! Survival ratios for five-year groups: `S[a] = 5L(a+1) / 5L(a)`; for the open group and the one
//! below it together `T(open) / T(open − 5)`; births to 0-4: `Sb = 5L0 / (5·l0)`.

use super::Ages;
use crate::error::{Error, Result};
use crate::grid::{AgeGroups, Sex, MAX_AGES};

/// An abridged life table (radix l0 = 1).
#[derive(Debug, Clone, PartialEq)]
pub struct LifeTable {
    /// Start age of each interval (0, 1, 5, 10, …, open).
    pub x: Vec<f64>,
    /// Central death rates.
    pub mx: Vec<f64>,
    /// Average person-years lived in the interval by those who die in it.
    pub ax: Vec<f64>,
    /// Probability of dying in the interval.
    pub qx: Vec<f64>,
    /// Survivors to exact age x.
    pub lx: Vec<f64>,
    /// Person-years lived in the interval.
    pub big_lx: Vec<f64>,
    /// Person-years lived above age x.
    pub tx: Vec<f64>,
}

impl LifeTable {
    /// Build the table from death rates at ages 0, 1, 5, 10, …, the last being the open group.
    ///
    /// `ages` are the interval start ages (0, 1, 5, 10, …). Fails on a negative or non-finite rate,
    /// a zero rate in the open group, or ages that are not 0, 1, 5, 10, ….
    pub fn from_mx(sex: Sex, ages: &[u32], mx: &[f64]) -> Result<LifeTable> {
        if ages.len() != mx.len() || ages.len() < 3 {
            return Err(Error::Invalid(
                "a life table needs death rates for ages 0, 1, 5, 10, … and an open group".into(),
            ));
        }
        for (i, &x) in ages.iter().enumerate() {
            let want = match i {
                0 => 0,
                1 => 1,
                _ => 5 * (i as u32 - 1),
            };
            if x != want {
                return Err(Error::Invalid(format!(
                    "life-table ages must be 0, 1, 5, 10, …: found {x} where {want} was expected"
                )));
            }
        }
        for (&x, &m) in ages.iter().zip(mx) {
            if !m.is_finite() || m < 0.0 {
                return Err(Error::Invalid(format!(
                    "death rate m({x}) for {sex} is {m}: expected a finite number of 0 or more"
                )));
            }
        }
        let k = ages.len();
        let open_m = mx[k - 1];
        if open_m <= 0.0 {
            return Err(Error::Invalid(format!(
                "death rate of the open age group {}+ for {sex} is {open_m}: expected a positive number",
                ages[k - 1]
            )));
        }
        let m0 = mx[0];
        // Coale–Demeny a0 and 4a1 (Preston et al. 2001, table 3.3).
        let (a0, a1) = match sex {
            Sex::Male if m0 >= 0.107 => (0.330, 1.352),
            Sex::Male => (0.045 + 2.684 * m0, 1.651 - 2.816 * m0),
            Sex::Female if m0 >= 0.107 => (0.350, 1.361),
            Sex::Female => (0.053 + 2.800 * m0, 1.522 - 1.518 * m0),
        };
        let x: Vec<f64> = ages.iter().map(|&a| a as f64).collect();
        let mut ax = vec![0.0; k];
        let mut qx = vec![0.0; k];
        let mut lx = vec![0.0; k];
        let mut big_lx = vec![0.0; k];
        lx[0] = 1.0;
        for i in 0..k {
            if i + 1 == k {
                qx[i] = 1.0;
                big_lx[i] = lx[i] / mx[i];
                ax[i] = 1.0 / mx[i];
                break;
            }
            let n = x[i + 1] - x[i];
            ax[i] = match i {
                0 => a0,
                1 => a1,
                _ => n / 2.0,
            };
            qx[i] = (n * mx[i] / (1.0 + (n - ax[i]) * mx[i])).min(1.0);
            let d = lx[i] * qx[i];
            lx[i + 1] = lx[i] - d;
            big_lx[i] = n * lx[i + 1] + ax[i] * d;
        }
        let mut tx = vec![0.0; k];
        let mut acc = 0.0;
        for i in (0..k).rev() {
            acc += big_lx[i];
            tx[i] = acc;
        }
        Ok(LifeTable {
            x,
            mx: mx.to_vec(),
            ax,
            qx,
            lx,
            big_lx,
            tx,
        })
    }

    /// Life expectancy at birth.
    pub fn e0(&self) -> f64 {
        self.tx[0] / self.lx[0]
    }

    /// Life expectancy at exact age `x` (an interval start), if in the table.
    pub fn ex(&self, x: u32) -> Option<f64> {
        let i = self.x.iter().position(|&v| v == x as f64)?;
        Some(self.tx[i] / self.lx[i])
    }

    /// Person-years lived in five-year group `a` (0-4 is 1L0 + 4L1) and T at its start.
    fn five_year(&self, a: usize) -> Option<(f64, f64)> {
        if a == 0 {
            return Some((self.big_lx[0] + self.big_lx[1], self.tx[0]));
        }
        let i = a + 1; // index of age 5a in 0,1,5,10,…
        if i >= self.x.len() {
            return None;
        }
        Some((self.big_lx[i], self.tx[i]))
    }

    /// Survival ratios for the grid `ages` (see the module doc) and the birth survival `Sb`.
    ///
    /// The table's open group must start at or above the grid's open group.
    pub fn survival_ratios(&self, ages: AgeGroups) -> Result<(Ages, f64)> {
        let n = ages.len();
        if (self.x[self.x.len() - 1] as u32) < ages.open_start() {
            return Err(Error::Invalid(format!(
                "the life table ends at {}+, below the projection's open group {}+",
                self.x[self.x.len() - 1],
                ages.open_start()
            )));
        }
        let mut s = [0.0; MAX_AGES];
        let mut five = [(0.0, 0.0); MAX_AGES];
        for (a, f) in five.iter_mut().enumerate().take(n) {
            *f = self.five_year(a).unwrap_or((0.0, 0.0));
        }
        for a in 0..n - 2 {
            s[a] = five[a + 1].0 / five[a].0;
        }
        s[n - 2] = five[n - 1].1 / five[n - 2].1;
        let sb = five[0].0 / (5.0 * self.lx[0]);
        Ok((s, sb))
    }
}

/// Survival ratios from person-years `nLx` by five-year group, the last entry being `T` of the open
/// group (as in Preston et al. Box 6.2), with radix `l0`.
pub fn survival_from_nlx(nlx: &[f64], l0: f64) -> Result<(Ages, f64)> {
    let n = nlx.len();
    if !(3..=MAX_AGES).contains(&n) {
        return Err(Error::Invalid(format!(
            "expected person-years for 3 to {MAX_AGES} age groups, found {n}"
        )));
    }
    if nlx.iter().any(|v| !v.is_finite() || *v <= 0.0) || l0.is_nan() || l0 <= 0.0 {
        return Err(Error::Invalid(
            "person-years nLx and the radix l0 must be positive numbers".into(),
        ));
    }
    let mut s = [0.0; MAX_AGES];
    for a in 0..n - 2 {
        s[a] = nlx[a + 1] / nlx[a];
    }
    s[n - 2] = nlx[n - 1] / (nlx[n - 2] + nlx[n - 1]);
    Ok((s, nlx[0] / (5.0 * l0)))
}
