//! The national backtest (`jinko backtest --national`): every municipality IPSS 2018 projected one
//! by one (1,682: Fukushima's 59 are left out, as IPSS left them out, because the 2011 disaster and
//! the evacuation orders broke every ratio), projected from every base census 1985 … 2015 by
//! every method of [`super::methods`] to every later census and to 2020, against the truth.
//!
//! - The truth: the census totals (unknown ages included) and the three age groups (unknown ages
//!   prorated) for 1990 … 2015; for 2020 the 2020 column of the IPSS 2023 summary, which is the
//!   2020 census (total and 0-14, 15-64, 65+; 那珂川町 40305 is the 2020 row of 40231).
//! - Errors: `100 · (projected − actual) / actual` for the total and each group.
//! - Size classes by the municipality's census total in the base year: under 5,000, 5,000 to
//!   20,000, 20,000 to 100,000, 100,000 and over.
//! - Summaries by method, horizon (5 … 35 years, pooled over the bases) and size class, and for
//!   2020 from 2015 (where IPSS 2018's own miss stands beside them): count, mean absolute
//!   percentage error (MAPE), median absolute percentage error, mean signed error (bias) and the
//!   90th percentile of the absolute error (quantiles by linear interpolation between order
//!   statistics, Hyndman & Fan type 7).
//! - A municipality is left out of a base where a census the method reads has no one (三宅村 2000,
//!   evacuated), and out of a target whose actual is 0.
//!
//! Japan's ratios (the damped method's reference) are those of Japan's census, the sum of the
//! 47 prefectures, unknown ages prorated.

use super::methods::{groups, step, Method, Plan};
use crate::engine::Cells;
use crate::error::{Error, Result};
use crate::grid::AgeGroups;
use crate::national::Bundle;
use std::collections::BTreeMap;

/// The year of the latest actual (the 2020 census, from the IPSS 2023 summary).
pub const ACTUAL_2020: i32 = 2020;

/// The variables whose errors are measured: the total and the three age groups.
pub const VARIABLES: [&str; 4] = ["total", "0-14", "15-64", "65+"];

/// Japanese names of [`VARIABLES`].
pub const VARIABLES_JA: [&str; 4] = ["総人口", "0-14歳", "15-64歳", "65歳以上"];

/// A size class by population in the base year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SizeClass {
    /// Under 5,000.
    Under5k,
    /// 5,000 to under 20,000.
    From5kTo20k,
    /// 20,000 to under 100,000.
    From20kTo100k,
    /// 100,000 and over.
    From100k,
}

impl SizeClass {
    /// Every class, smallest first.
    pub const ALL: [SizeClass; 4] = [
        SizeClass::Under5k,
        SizeClass::From5kTo20k,
        SizeClass::From20kTo100k,
        SizeClass::From100k,
    ];

    /// The class of a population.
    pub fn of(population: f64) -> SizeClass {
        if population < 5_000.0 {
            SizeClass::Under5k
        } else if population < 20_000.0 {
            SizeClass::From5kTo20k
        } else if population < 100_000.0 {
            SizeClass::From20kTo100k
        } else {
            SizeClass::From100k
        }
    }

    /// A short label (`<5k`, `5-20k`, `20-100k`, `>=100k`).
    pub fn label(self) -> &'static str {
        match self {
            SizeClass::Under5k => "<5k",
            SizeClass::From5kTo20k => "5-20k",
            SizeClass::From20kTo100k => "20-100k",
            SizeClass::From100k => ">=100k",
        }
    }

    /// The Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            SizeClass::Under5k => "5千人未満",
            SizeClass::From5kTo20k => "5千～2万人",
            SizeClass::From20kTo100k => "2万～10万人",
            SizeClass::From100k => "10万人以上",
        }
    }
}

/// One municipality's record.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Today's code.
    pub code: String,
    /// Today's name.
    pub name: String,
    /// Census years and prorated populations, in year order.
    pub census: Vec<(i32, Cells)>,
    /// The truth by year: total and the three groups.
    pub actual: BTreeMap<i32, [f64; 4]>,
    /// IPSS 2018's 2020: total and the three groups.
    pub ipss_2020: Option<[f64; 4]>,
}

impl Unit {
    fn census(&self, year: i32) -> Option<&Cells> {
        self.census
            .binary_search_by_key(&year, |c| c.0)
            .ok()
            .map(|i| &self.census[i].1)
    }
}

/// The national record: every municipality's censuses and truths, and Japan's census.
#[derive(Debug, Clone)]
pub struct Record {
    /// Number of age groups.
    pub n: usize,
    /// The municipalities.
    pub units: Vec<Unit>,
    /// Japan's prorated census by year.
    pub japan: Vec<(i32, Cells)>,
    /// The first census year.
    pub first: i32,
}

/// Japan's census (the sum of the prefectures), unknown ages prorated, by year.
pub fn japan_census(bundle: &Bundle) -> Vec<(i32, Cells)> {
    let ages = AgeGroups::JAPAN;
    let mut sum: BTreeMap<i32, crate::pack::CensusYear> = BTreeMap::new();
    for p in 0..bundle.prefectures.len() {
        for (y, c) in bundle.prefecture_census(p) {
            let e = sum.entry(y).or_insert(crate::pack::CensusYear {
                cells: [[0.0; crate::grid::MAX_AGES]; 2],
                unknown: [0.0; 2],
            });
            for s in 0..2 {
                for a in 0..ages.len() {
                    e.cells[s][a] += c.cells[s][a];
                }
                e.unknown[s] += c.unknown[s];
            }
        }
    }
    sum.into_iter()
        .map(|(y, c)| (y, c.prorated(ages)))
        .collect()
}

impl Record {
    /// The record of the bundle's municipalities that IPSS 2018 projected.
    pub fn from_bundle(bundle: &Bundle) -> Result<Record> {
        let ages = AgeGroups::JAPAN;
        let n = ages.len();
        let mut units = Vec::new();
        for m in bundle.municipalities.iter().filter(|m| m.ipss_h30) {
            let raw = bundle.census(m);
            let census: Vec<(i32, Cells)> =
                raw.iter().map(|(&y, c)| (y, c.prorated(ages))).collect();
            let mut actual: BTreeMap<i32, [f64; 4]> = BTreeMap::new();
            for ((&y, c), (_, p)) in raw.iter().zip(&census) {
                let g = groups(n, p);
                actual.insert(y, [c.total(ages), g[1], g[2], g[3]]);
            }
            let row = bundle
                .summary_of(m)
                .and_then(|a| a.rows.get(&ACTUAL_2020))
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "the national bundle's IPSS 2023 summary has no 2020 row for {} {}",
                        m.code, m.name
                    ))
                })?;
            actual.insert(
                ACTUAL_2020,
                [row.total, row.age_0_14, row.age_15_64, row.age_65_plus],
            );
            let ipss_2020 = bundle
                .projection(m)
                .and_then(|p| p.get(&ACTUAL_2020).map(|c| groups(n, c)));
            units.push(Unit {
                code: m.code.clone(),
                name: m.name.clone(),
                census,
                actual,
                ipss_2020,
            });
        }
        let japan = japan_census(bundle);
        let first = japan
            .first()
            .map(|c| c.0)
            .ok_or_else(|| Error::Invalid("the national bundle has no census".into()))?;
        Ok(Record {
            n,
            units,
            japan,
            first,
        })
    }

    fn japan(&self, year: i32) -> Option<&Cells> {
        self.japan
            .binary_search_by_key(&year, |c| c.0)
            .ok()
            .map(|i| &self.japan[i].1)
    }

    /// The base censuses: every census with one before it, the latest included.
    pub fn bases(&self) -> Vec<i32> {
        self.japan
            .iter()
            .map(|c| c.0)
            .filter(|&y| y > self.first)
            .collect()
    }
}

/// One projection of one municipality from one base to one target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Index into [`Record::units`].
    pub unit: u32,
    /// Method.
    pub method: Method,
    /// Base year.
    pub base: i32,
    /// Target year.
    pub target: i32,
    /// Size class in the base year.
    pub class: SizeClass,
    /// Percent error of the total and of 0-14, 15-64, 65+ (NaN where the actual group is 0).
    pub error: [f64; 4],
}

impl Outcome {
    /// Years between base and target.
    pub fn horizon(&self) -> i32 {
        self.target - self.base
    }
}

fn percent_errors(p: &[f64; 4], a: &[f64; 4]) -> [f64; 4] {
    let mut e = [f64::NAN; 4];
    for v in 0..4 {
        if a[v] > 0.0 {
            e[v] = 100.0 * (p[v] - a[v]) / a[v];
        }
    }
    e
}

/// Every projection of `method` (with damping factor `damping` where it damps) over the record.
pub fn outcomes(rec: &Record, method: Method, damping: Option<f64>, out: &mut Vec<Outcome>) {
    outcomes_with(rec, method, damping, None, out);
}

/// [`outcomes`], with the mortality trend weight `trend` where the method has one.
pub fn outcomes_with(
    rec: &Record,
    method: Method,
    damping: Option<f64>,
    trend: Option<f64>,
    out: &mut Vec<Outcome>,
) {
    let n = rec.n;
    let last = ACTUAL_2020;
    for (i, u) in rec.units.iter().enumerate() {
        for base in rec.bases() {
            let Some(periods) = method.periods(base, rec.first) else {
                continue;
            };
            let empty = periods
                .iter()
                .flat_map(|&(a, b)| [a, b])
                .any(|y| u.actual.get(&y).is_none_or(|a| a[0] <= 0.0));
            if empty {
                continue;
            }
            let Some(mut plan) = Plan::new(
                method,
                n,
                base,
                rec.first,
                |y| u.census(y),
                |y| rec.japan(y),
            ) else {
                continue;
            };
            if let Some(d) = damping {
                plan = plan.with_damping(d);
            }
            if let Some(t) = trend {
                plan = plan.with_trend(t);
            }
            let japan_sr = plan.damped.and_then(|(j, _)| j.sex_ratio).unwrap_or(1.0);
            let fallback = plan.local.sex_ratio.unwrap_or(japan_sr);
            let Some(start) = u.census(base) else {
                continue;
            };
            let class = SizeClass::of(u.actual[&base][0]);
            let mut p = *start;
            let mut next = [[0.0; crate::grid::MAX_AGES]; 2];
            for k in 1..=((last - base) / 5) {
                step(n, &p, &plan.at(k), fallback, &mut next);
                std::mem::swap(&mut p, &mut next);
                let target = base + 5 * k;
                let Some(a) = u.actual.get(&target) else {
                    continue;
                };
                if a[0] <= 0.0 {
                    continue;
                }
                out.push(Outcome {
                    unit: i as u32,
                    method,
                    base,
                    target,
                    class,
                    error: percent_errors(&groups(n, &p), a),
                });
            }
        }
    }
}

/// Whose errors a summary describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    /// A census-based method.
    Method(Method),
    /// The published IPSS 2018 projection (2020 from 2015 only).
    Ipss,
}

impl Who {
    /// English label.
    pub fn label(self) -> &'static str {
        match self {
            Who::Method(m) => m.label(),
            Who::Ipss => "IPSS 2018",
        }
    }

    /// Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Who::Method(m) => m.label_ja(),
            Who::Ipss => "社人研 平成30年推計",
        }
    }
}

/// Error statistics of one group of projections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Number of projections.
    pub count: usize,
    /// Mean absolute percentage error.
    pub mape: f64,
    /// Median absolute percentage error.
    pub median: f64,
    /// Mean signed percentage error (bias; negative: projected too low).
    pub mean_signed: f64,
    /// 90th percentile of the absolute percentage error.
    pub p90: f64,
}

/// The `q` quantile (0…1) of sorted values, linear between order statistics (type 7).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

impl Stats {
    /// The statistics of signed percent errors (non-finite ones left out); None when empty.
    pub fn of(errors: impl Iterator<Item = f64>) -> Option<Stats> {
        let signed: Vec<f64> = errors.filter(|e| e.is_finite()).collect();
        if signed.is_empty() {
            return None;
        }
        let k = signed.len() as f64;
        let mut abs: Vec<f64> = signed.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        Some(Stats {
            count: signed.len(),
            mape: abs.iter().sum::<f64>() / k,
            median: quantile(&abs, 0.5),
            mean_signed: signed.iter().sum::<f64>() / k,
            p90: quantile(&abs, 0.9),
        })
    }
}

/// One line of a summary: who, which projections, which variable, and the statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Method or IPSS.
    pub who: Who,
    /// Horizon in years.
    pub horizon: i32,
    /// Size class (None: all).
    pub class: Option<SizeClass>,
    /// Index into [`VARIABLES`].
    pub variable: usize,
    /// The statistics.
    pub stats: Stats,
}

/// The national backtest.
#[derive(Debug, Clone)]
pub struct NationalBacktest {
    /// The record it ran on.
    pub record: Record,
    /// Every projection.
    pub outcomes: Vec<Outcome>,
    /// IPSS 2018's 2020 errors: (unit, size class in 2015, errors).
    pub ipss: Vec<(u32, SizeClass, [f64; 4])>,
    /// By method, horizon (pooled over the bases), size class and variable.
    pub by_horizon: Vec<Summary>,
    /// 2020 from 2015, by method (and IPSS), size class and variable.
    pub at_2020: Vec<Summary>,
}

fn summarize<'a>(
    who: Who,
    items: impl Iterator<Item = (i32, SizeClass, &'a [f64; 4])> + Clone,
    out: &mut Vec<Summary>,
) {
    let mut horizons: Vec<i32> = items.clone().map(|i| i.0).collect();
    horizons.sort_unstable();
    horizons.dedup();
    for h in horizons {
        for class in std::iter::once(None).chain(SizeClass::ALL.map(Some)) {
            for v in 0..VARIABLES.len() {
                let errs = items
                    .clone()
                    .filter(|i| i.0 == h && class.is_none_or(|c| c == i.1))
                    .map(|i| i.2[v]);
                if let Some(stats) = Stats::of(errs) {
                    out.push(Summary {
                        who,
                        horizon: h,
                        class,
                        variable: v,
                        stats,
                    });
                }
            }
        }
    }
}

/// Every method's outcomes over `rec` (the damped one with its default factor).
pub fn all_outcomes(rec: &Record) -> Vec<Outcome> {
    let mut out = Vec::new();
    for m in Method::ALL {
        outcomes(rec, m, None, &mut out);
    }
    out
}

/// Run the national backtest on the bundle.
pub fn run(bundle: &Bundle) -> Result<NationalBacktest> {
    let record = Record::from_bundle(bundle)?;
    let outcomes = all_outcomes(&record);
    Ok(summarize_all(record, outcomes))
}

/// The summaries of a record's outcomes.
pub fn summarize_all(record: Record, outcomes: Vec<Outcome>) -> NationalBacktest {
    let ipss: Vec<(u32, SizeClass, [f64; 4])> = record
        .units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let p = u.ipss_2020?;
            let a = u.actual.get(&ACTUAL_2020)?;
            let base = u.actual.get(&(ACTUAL_2020 - 5))?;
            Some((i as u32, SizeClass::of(base[0]), percent_errors(&p, a)))
        })
        .collect();
    let mut by_horizon = Vec::new();
    let mut at_2020 = Vec::new();
    for m in Method::ALL {
        let mine = outcomes.iter().filter(move |o| o.method == m);
        summarize(
            Who::Method(m),
            mine.clone().map(|o| (o.horizon(), o.class, &o.error)),
            &mut by_horizon,
        );
        summarize(
            Who::Method(m),
            mine.filter(|o| o.target == ACTUAL_2020 && o.base == ACTUAL_2020 - 5)
                .map(|o| (o.horizon(), o.class, &o.error)),
            &mut at_2020,
        );
    }
    summarize(Who::Ipss, ipss.iter().map(|i| (5, i.1, &i.2)), &mut at_2020);
    NationalBacktest {
        record,
        outcomes,
        ipss,
        by_horizon,
        at_2020,
    }
}

impl NationalBacktest {
    /// The summary of `who` at `horizon`, size `class` (None: all), variable `v`, from
    /// [`NationalBacktest::by_horizon`] or, with `at_2020`, from the 2020 comparison.
    pub fn find(
        &self,
        at_2020: bool,
        who: Who,
        horizon: i32,
        class: Option<SizeClass>,
        v: usize,
    ) -> Option<&Stats> {
        let list = if at_2020 {
            &self.at_2020
        } else {
            &self.by_horizon
        };
        list.iter()
            .find(|s| s.who == who && s.horizon == horizon && s.class == class && s.variable == v)
            .map(|s| &s.stats)
    }

    /// The horizons of the pooled summaries.
    pub fn horizons(&self) -> Vec<i32> {
        let mut h: Vec<i32> = self.by_horizon.iter().map(|s| s.horizon).collect();
        h.sort_unstable();
        h.dedup();
        h
    }
}
