//! The census-based methods the backtests compare, as one small allocation-free Hamilton–Perry
//! projector (cohort change ratios for ages 5+, the child–woman ratio for 0-4).
//!
//! - **Last period** (the naive method): the ratios of the five years before the base, held.
//! - **Mean of two periods**: the mean of the ratios of the two five-year periods before the base.
//! - **Damped mean of two periods** (jinko's default for census-based projections, [`DAMPING`]):
//!   the two-period mean (one period where only one is known), whose departure from Japan's
//!   ratios of the same periods shrinks by the factor 0.75 every five years:
//!   `r_k = J + 0.75^k · (M − J)` for the k-th projected period (k = 1, 2, …), where `M` is the
//!   municipality's mean ratio and `J` Japan's. Net migration, which is most of a municipality's
//!   departure from Japan, does not persist for decades (municipal migration regresses to the
//!   mean); nor do a small town's noisy ratios. Japan's ratios carry survival (which is nearly
//!   closed) and fertility, so the projection tends toward the national cohort dynamics rather
//!   than toward zero migration at national mortality.
//!
//! Why this one. On the whole national record (`jinko backtest --national`: every base census
//! 1985 … 2015, every later census and 2020, the 1,682 municipalities IPSS 2018 projected one by
//! one) the damping factor 0.75 has the lowest mean of the MAPE over the horizons 5 … 35 years of
//! the factors 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9 and 1 (no damping: the plain two-period mean);
//! the test `accuracy::damping_is_the_record_best` recomputes that choice. Chosen so, with
//! information up to 2015 only, its 2020 MAPE is 1.72 % against IPSS 2018's 1.73 %, and it is
//! more accurate than the naive method at every horizon 5 … 35 years for the total (the evidence
//! table is in README.md, "How accurate").
//!
//! Not for 65+: the damped ratios carry the survival of the periods before the base, and old-age
//! survival kept improving, so 65+ is projected too low and the default is worse than the naive
//! method at 5 … 25 years (MAPE 2.51 against 2.38 at 5 years). A mortality trend was tried
//! ([`MORTALITY_TREND`], [`TREND_GRID`]): the ratios from 60-64 on grown each period by a power
//! `w` of Japan's change between its two last periods. Paired MAPE (default / naive) on the
//! record, `accuracy::mortality_trend_evidence`:
//!
//! | w | total 5 y | total 20 y | total mean 5…35 y | 65+ 5 y | 65+ 10 y | 65+ 20 y | 65+ 25 y | held-out 80 % coverage of 65+ |
//! | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
//! | naive | 2.52 | 14.88 | 15.52 | 2.38 | 4.81 | 12.38 | 16.97 | |
//! | 0 (default) | 2.28 | 9.09 | 9.84 | 2.51 | 5.20 | 13.00 | 17.03 | 81.6 % |
//! | 0.25 | 2.29 | 9.42 | 10.04 | 2.27 | 4.43 | 10.68 | 14.61 | 74.6 % |
//! | 0.5 | 2.31 | 9.88 | 10.33 | 2.07 | 3.84 | 8.65 | 12.15 | 69.0 % |
//! | 1 | 2.36 | 11.28 | 11.22 | 1.85 | 3.63 | 8.92 | 10.11 | 68.4 % |
//!
//! With `w = 0.25` (the smallest weight of the grid that does it) the default would be better than
//! the naive method at every horizon for the total and all three groups, and its 2020 MAPE would
//! be 1.722 %; but the total's long-horizon errors grow (they were partly offset by the 65+
//! shortfall), and the 65+ errors' bias changes sign across the record (old-age improvement slowed
//! after 2005), so the held-out 80 % interval coverage of 65+ falls outside 80 ± 5. The trend is
//! left at 0 until a method fixes both; the 0-14 shortfall (municipalities of 20,000 and over at
//! 5 and 10 years, where damping the child–woman ratio toward Japan's loses a persistent local
//! level) is not addressed.
//!
//! Conventions (those of the independent computation): unknown ages prorated within each
//! sex in every census; 85-89 and 90+ survive together into 90+; 0-4 from the end year's
//! child–woman ratio `(0-4 both sexes) / (women 15-49)`, split by its 0-4 sex ratio. A cohort
//! empty at the start has ratio 0.

use crate::engine::Cells;
use crate::grid::{FERTILE_FIRST, FERTILE_LAST, MAX_AGES};

/// The damping factor of the default method per five-year period (chosen on the record, above).
pub const DAMPING: f64 = 0.75;

/// The damping factors the record was searched over (the test recomputes the choice).
pub const DAMPING_GRID: [f64; 8] = [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.0];

/// The weight of Japan's old-age improvement in the default method: the cohort change ratios
/// from 60-64 on grow each five years by this power of Japan's change between its two last
/// periods. 0 (no trend) by default: a weight of 0.25 would make the default better than the
/// naive method for 65+ at every horizon, but the 65+ errors' bias then changes sign over the
/// record and the held-out 80 % interval coverage of 65+ falls to 74.6 % (see the module doc).
pub const MORTALITY_TREND: f64 = 0.0;

/// The trend weights the record was searched over (the test recomputes the choice).
pub const TREND_GRID: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// The first age group (60-64) whose cohort change ratio (into 65-69 and older) carries the
/// mortality trend.
pub const TREND_FIRST: usize = 12;

/// A census-based method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// The ratios of the one period before the base (naive Hamilton–Perry).
    LastPeriod,
    /// The mean of the ratios of the two periods before the base.
    TwoPeriodMean,
    /// The two-period mean damped toward Japan's ratios ([`DAMPING`]): the default.
    Damped,
}

impl Method {
    /// Every method, naive first.
    pub const ALL: [Method; 3] = [Method::LastPeriod, Method::TwoPeriodMean, Method::Damped];

    /// A short English label (CSV and JSON).
    pub fn label(self) -> &'static str {
        match self {
            Method::LastPeriod => "last period",
            Method::TwoPeriodMean => "mean of two periods",
            Method::Damped => "damped mean (default)",
        }
    }

    /// The Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Method::LastPeriod => "直近1期間",
            Method::TwoPeriodMean => "2期間平均",
            Method::Damped => "減衰2期間平均（既定）",
        }
    }

    /// The observation periods `(start, end)` the method uses at `base`, latest first, given the
    /// first census year; None where it cannot be applied.
    pub fn periods(self, base: i32, first_census: i32) -> Option<Vec<(i32, i32)>> {
        let one = (base - 5, base);
        let two = (base - 10, base - 5);
        match self {
            _ if one.0 < first_census => None,
            Method::LastPeriod => Some(vec![one]),
            Method::TwoPeriodMean if two.0 < first_census => None,
            Method::TwoPeriodMean => Some(vec![one, two]),
            Method::Damped if two.0 < first_census => Some(vec![one]),
            Method::Damped => Some(vec![one, two]),
        }
    }
}

/// Cohort change ratios, child–woman ratio and 0-4 sex ratio of one period (or their mean).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// `ccr[s][a]`: group `a` at the start to `a+1` at the end, a = 0 … n−2 (the last from the
    /// open group and the one below it together).
    pub ccr: Cells,
    /// `(0-4 both sexes) / (women 15-49)` at the end.
    pub cwr: f64,
    /// Boys per girl aged 0-4 at the end; None where there were no girls.
    pub sex_ratio: Option<f64>,
}

/// The ratios between `start` and `end` (prorated populations five years apart, `n` groups).
pub fn ratios(n: usize, start: &Cells, end: &Cells) -> Ratios {
    let mut ccr = [[0.0; MAX_AGES]; 2];
    for s in 0..2 {
        for a in 0..n - 1 {
            let base = if a == n - 2 {
                start[s][a] + start[s][a + 1]
            } else {
                start[s][a]
            };
            if base > 0.0 {
                ccr[s][a] = end[s][a + 1] / base;
            }
        }
    }
    let women: f64 = end[1][FERTILE_FIRST..=FERTILE_LAST].iter().sum();
    let children = end[0][0] + end[1][0];
    Ratios {
        ccr,
        cwr: if women > 0.0 { children / women } else { 0.0 },
        sex_ratio: (end[1][0] > 0.0).then(|| end[0][0] / end[1][0]),
    }
}

/// The mean of one or two periods' ratios (the sex ratio over the periods that have one).
pub fn mean(n: usize, rs: &[Ratios]) -> Ratios {
    let k = rs.len().max(1) as f64;
    let mut out = Ratios {
        ccr: [[0.0; MAX_AGES]; 2],
        cwr: rs.iter().map(|r| r.cwr).sum::<f64>() / k,
        sex_ratio: None,
    };
    for s in 0..2 {
        for a in 0..n - 1 {
            out.ccr[s][a] = rs.iter().map(|r| r.ccr[s][a]).sum::<f64>() / k;
        }
    }
    let sr: Vec<f64> = rs.iter().filter_map(|r| r.sex_ratio).collect();
    if !sr.is_empty() {
        out.sex_ratio = Some(sr.iter().sum::<f64>() / sr.len() as f64);
    }
    out
}

/// `reference + w · (local − reference)`, ratio by ratio (the sex ratio is the local one, or the
/// reference's where the local one is unknown).
pub fn blend(n: usize, local: &Ratios, reference: &Ratios, w: f64) -> Ratios {
    let mut out = *local;
    for s in 0..2 {
        for a in 0..n - 1 {
            out.ccr[s][a] = reference.ccr[s][a] + w * (local.ccr[s][a] - reference.ccr[s][a]);
        }
    }
    out.cwr = reference.cwr + w * (local.cwr - reference.cwr);
    out.sex_ratio = local.sex_ratio.or(reference.sex_ratio);
    out
}

/// What a method projects with: the municipality's ratios and, for the damped method, Japan's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Number of age groups.
    pub n: usize,
    /// The municipality's (mean) ratios.
    pub local: Ratios,
    /// Japan's ratios of the same periods and the damping factor (the damped method), or None
    /// (ratios held).
    pub damped: Option<(Ratios, f64)>,
    /// Japan's old-age change `J(B−5→B) / J(B−10→B−5)` per ratio (1 below [`TREND_FIRST`]) and
    /// its weight (the damped method where two periods are known), or None.
    pub trend: Option<(Cells, f64)>,
}

impl Plan {
    /// The plan of `method` at `base` from the prorated censuses `census(year)` of the area and
    /// `japan(year)` of Japan; None where the method cannot be applied (too few censuses).
    pub fn new<'a>(
        method: Method,
        n: usize,
        base: i32,
        first_census: i32,
        census: impl Fn(i32) -> Option<&'a Cells>,
        japan: impl Fn(i32) -> Option<&'a Cells>,
    ) -> Option<Plan> {
        let periods = method.periods(base, first_census)?;
        let of = |get: &dyn Fn(i32) -> Option<&'a Cells>| -> Option<Ratios> {
            let mut rs = Vec::with_capacity(2);
            for &(a, b) in &periods {
                rs.push(ratios(n, get(a)?, get(b)?));
            }
            Some(mean(n, &rs))
        };
        let local = of(&census)?;
        let damped = match method {
            Method::Damped => Some((of(&japan)?, DAMPING)),
            _ => None,
        };
        let trend = match (method, periods.as_slice()) {
            (Method::Damped, &[(a1, b1), (a2, b2)]) => {
                let j1 = ratios(n, japan(a1)?, japan(b1)?);
                let j2 = ratios(n, japan(a2)?, japan(b2)?);
                let mut t = [[1.0; MAX_AGES]; 2];
                for s in 0..2 {
                    for a in TREND_FIRST..n - 1 {
                        if j2.ccr[s][a] > 0.0 {
                            t[s][a] = j1.ccr[s][a] / j2.ccr[s][a];
                        }
                    }
                }
                Some((t, MORTALITY_TREND))
            }
            _ => None,
        };
        Some(Plan {
            n,
            local,
            damped,
            trend,
        })
    }

    /// The same plan with another trend weight (the record search).
    pub fn with_trend(mut self, w: f64) -> Plan {
        if let Some((_, f)) = self.trend.as_mut() {
            *f = w;
        }
        self
    }

    /// The same plan with another damping factor (the record search).
    pub fn with_damping(mut self, d: f64) -> Plan {
        if let Some((_, f)) = self.damped.as_mut() {
            *f = d;
        }
        self
    }

    /// The ratios of the k-th projected period (k = 1 for the first five years).
    pub fn at(&self, k: i32) -> Ratios {
        let mut r = match &self.damped {
            Some((j, d)) => blend(self.n, &self.local, j, d.powi(k)),
            None => self.local,
        };
        if let Some((t, w)) = self.trend.as_ref().filter(|t| t.1 != 0.0) {
            let e = w * f64::from(k);
            for s in 0..2 {
                for a in TREND_FIRST..self.n - 1 {
                    r.ccr[s][a] *= t[s][a].powf(e);
                }
            }
        }
        r
    }
}

/// One five-year step: `out` from `p` with ratios `r`; births split by the sex ratio
/// (`fallback` where `r` has none). No allocation.
pub fn step(n: usize, p: &Cells, r: &Ratios, fallback_sex_ratio: f64, out: &mut Cells) {
    for s in 0..2 {
        out[s] = [0.0; MAX_AGES];
        for a in 0..n - 1 {
            let base = if a == n - 2 {
                p[s][a] + p[s][a + 1]
            } else {
                p[s][a]
            };
            out[s][a + 1] = base * r.ccr[s][a];
        }
    }
    let women: f64 = out[1][FERTILE_FIRST..=FERTILE_LAST].iter().sum();
    let children = r.cwr * women;
    let sr = r.sex_ratio.unwrap_or(fallback_sex_ratio);
    out[0][0] = children * sr / (1.0 + sr);
    out[1][0] = children / (1.0 + sr);
}

/// Total and 0-14, 15-64, 65+ of a population of the 19 standard groups (or `n` groups: 0-14 =
/// groups 0-2, 15-64 = 3-12, 65+ the rest).
pub fn groups(n: usize, c: &Cells) -> [f64; 4] {
    let sum = |a: usize, b: usize| -> f64 { (0..2).map(|s| c[s][a..=b].iter().sum::<f64>()).sum() };
    let g = [sum(0, 2), sum(3, 12), sum(13, n - 1)];
    [g[0] + g[1] + g[2], g[0], g[1], g[2]]
}
