//! Ex-post accuracy of the cohort-change-ratio method (事後検証): from each past census, project
//! with the ratios observed in the preceding five years and compare with every later census.
//!
//! Method (the IPSS municipal method with observed ratios, Hamilton–Perry for ages 5+):
//! - cohort change ratios `CCR[a] = P[a+1](B) / base[a](B−5)` (open group and the one below it
//!   together), the child–woman ratio `CWR = P[0-4](B) / Σ women 15-49 (B)` and the 0-4 sex ratio,
//!   all from the censuses B−5 and B, unknown ages prorated;
//! - held constant and applied from B to every later census year.
//!
//! The alternative, common for small areas where one period's ratios are noisy, averages the ratios
//! of the two preceding periods (B−10→B−5 and B−5→B); the default ([`methods::Method::Damped`])
//! damps that mean toward Japan's ratios (from the national bundle) over the horizon. The same
//! methods over every municipality of Japan: [`national`]. Errors are `(projected − census) / census`
//! for the total and for 0-14, 15-64 and 65+; the summary is the mean absolute percentage error
//! (MAPE) by horizon. A census known only by its margins (Kama 2020) counts for the total and the
//! three age groups, with its unknown ages prorated within each sex.

pub mod intervals;
pub mod methods;
pub mod national;

use crate::engine::Cells;
use crate::error::{Error, Result};
use crate::grid::Sex;
use crate::pack::Pack;
use std::collections::BTreeMap;

/// How the assumptions are taken from the past (the methods of [`methods`]).
pub use methods::Method as Variant;

/// The observed truth in a target year: total and the three age groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Total (unknown ages included).
    pub total: f64,
    /// 0-14, 15-64, 65+ (unknown ages prorated).
    pub bands: [f64; 3],
}

/// One projection from a base to a target census.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Method variant.
    pub variant: Variant,
    /// Base census year.
    pub base: i32,
    /// Target census year.
    pub target: i32,
    /// Projected total.
    pub projected: f64,
    /// Census total.
    pub census: f64,
    /// Percent error of the total and of 0-14, 15-64, 65+.
    pub error_percent: [f64; 4],
}

impl Row {
    /// Years between base and target.
    pub fn horizon(&self) -> i32 {
        self.target - self.base
    }
}

/// The whole backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Every projection.
    pub rows: Vec<Row>,
    /// MAPE of the total by variant and horizon: (variant, horizon, mape, count).
    pub mape: Vec<(Variant, i32, f64, usize)>,
    /// The published projection's own miss for the first census after its base, if the pack has
    /// both: (year, projected, census, percent error).
    pub published_miss: Option<(i32, f64, f64, f64)>,
}

fn bands(ages_n: usize, c: &Cells) -> [f64; 3] {
    let sum = |a: usize, b: usize| -> f64 { (0..2).map(|s| c[s][a..=b].iter().sum::<f64>()).sum() };
    [sum(0, 2), sum(3, 12), sum(13, ages_n - 1)]
}

/// Run the backtest on `pack`.
pub fn run(pack: &Pack) -> Result<Backtest> {
    let ages = pack.ages;
    let n = ages.len();
    let censuses: BTreeMap<i32, Cells> = pack
        .census
        .iter()
        .map(|(&y, c)| (y, c.prorated(ages)))
        .collect();
    if censuses.len() < 3 {
        return Err(Error::Invalid(
            "a backtest needs at least three censuses five years apart".into(),
        ));
    }
    // The truth by year: full censuses, and years known only by margins.
    let mut observed: BTreeMap<i32, Observed> = censuses
        .iter()
        .map(|(&y, c)| {
            (
                y,
                Observed {
                    total: pack.census[&y].total(ages),
                    bands: bands(n, c),
                },
            )
        })
        .collect();
    for (&y, margins) in &pack.margins {
        if observed.contains_key(&y) {
            continue;
        }
        let span_sum = |sex: Sex, a: usize, b: usize| {
            margins
                .iter()
                .find(|m| m.sex == sex && m.span == Some((a, b)))
                .map(|m| m.population)
        };
        let mut total = 0.0;
        let mut b = [0.0; 3];
        let mut complete = true;
        for sex in Sex::BOTH {
            let t = margins
                .iter()
                .find(|m| m.sex == sex && m.span.is_none())
                .map(|m| m.population);
            let parts = [
                span_sum(sex, 0, 2),
                span_sum(sex, 3, 12),
                span_sum(sex, 13, n - 1),
            ];
            match (t, parts) {
                (Some(t), [Some(x), Some(y2), Some(z)]) => {
                    let known = x + y2 + z;
                    let f = if known > 0.0 { t / known } else { 1.0 };
                    total += t;
                    b[0] += x * f;
                    b[1] += y2 * f;
                    b[2] += z * f;
                }
                _ => complete = false,
            }
        }
        if complete {
            observed.insert(y, Observed { total, bands: b });
        }
    }
    let years: Vec<i32> = censuses.keys().copied().collect();
    let last_observed = *observed
        .keys()
        .next_back()
        .unwrap_or(&years[years.len() - 1]);
    let japan: Vec<(i32, Cells)> = if ages == crate::grid::AgeGroups::JAPAN {
        crate::national::Bundle::get()
            .map(national::japan_census)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let japan_of = |y: i32| japan.iter().find(|c| c.0 == y).map(|c| &c.1);
    let first = years[0];
    let mut rows = Vec::new();
    for variant in Variant::ALL {
        for &base in &years {
            if base >= last_observed {
                continue;
            }
            let Some(plan) =
                methods::Plan::new(variant, n, base, first, |y| censuses.get(&y), japan_of)
            else {
                continue;
            };
            let Some(sex_ratio) = plan
                .local
                .sex_ratio
                .or(plan.damped.and_then(|(j, _)| j.sex_ratio))
            else {
                continue; // no children aged 0-4 in any end census: no sex ratio to hold
            };
            let mut p = censuses[&base];
            let mut next = p;
            for k in 1..=((last_observed - base) / 5) {
                methods::step(n, &p, &plan.at(k), sex_ratio, &mut next);
                std::mem::swap(&mut p, &mut next);
                let y = base + 5 * k;
                let Some(o) = observed.get(&y) else { continue };
                let g = methods::groups(n, &p);
                let e = |x: f64, t: f64| 100.0 * (x - t) / t;
                rows.push(Row {
                    variant,
                    base,
                    target: y,
                    projected: g[0],
                    census: o.total,
                    error_percent: [
                        e(g[0], o.total),
                        e(g[1], o.bands[0]),
                        e(g[2], o.bands[1]),
                        e(g[3], o.bands[2]),
                    ],
                });
            }
        }
    }
    // MAPE by variant and horizon, over the bases both variants cover (a fair comparison).
    let common_bases: Vec<i32> = years
        .iter()
        .copied()
        .filter(|b| {
            rows.iter()
                .any(|r| r.variant == Variant::TwoPeriodMean && r.base == *b)
        })
        .collect();
    let mut mape = Vec::new();
    for variant in Variant::ALL {
        let mut by_h: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| r.variant == variant && common_bases.contains(&r.base))
        {
            by_h.entry(r.horizon())
                .or_default()
                .push(r.error_percent[0].abs());
        }
        for (h, v) in by_h {
            mape.push((variant, h, v.iter().sum::<f64>() / v.len() as f64, v.len()));
        }
    }
    let published_miss = pack.projection.as_ref().and_then(|proj| {
        let base = *proj.keys().next()?;
        let y = base + 5;
        let o = observed.get(&y)?;
        let p: f64 = proj
            .get(&y)?
            .iter()
            .map(|s| s[..n].iter().sum::<f64>())
            .sum();
        Some((y, p, o.total, 100.0 * (p - o.total) / o.total))
    });
    Ok(Backtest {
        rows,
        mape,
        published_miss,
    })
}
