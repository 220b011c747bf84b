//! Grading a whole strategy as the city's review (総括報告書) does: every KPI ○ / △ / × / pending,
//! the counts and shares per basic goal and overall, and each goal indicator at each year it has a
//! target for.
//!
//! How a KPI's actual is formed from its yearly figures (within the strategy period):
//!
//! - `sum`: the figures are added up. A year marked not carried out adds nothing; a missing year
//!   is skipped (the sum is then a lower bound). Any pending year makes the actual pending; no
//!   figure at all makes it × .
//! - `latest` and `level`: the entry of the last year that has one, whatever it is. The report's
//!   「—」 in R6 of the 婚活 KPI is such an entry, so its actual is missing (×), although R5 has a
//!   figure: the report compares the final year. Years not entered at all (a review in the middle
//!   of the strategy) are passed over.
//!
//! A KPI with several series (elementary and junior high school) gets the worst of its series'
//! grades (× before pending before △ before ○), and the actual, ratio and percent of its worst
//! series.

use super::rule::{assess, Actual, Assessment, Comparison, Direction, Grade};
use super::strategy::{Entry, GoalIndicator, Kpi, Period, Series, Strategy};
use crate::error::Result;

/// One series of a KPI, graded.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesResult {
    /// The actual formed from the yearly figures.
    pub actual: Actual,
    /// Its grade.
    pub assessment: Assessment,
}

/// One KPI, graded.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiResult<'a> {
    /// The KPI.
    pub kpi: &'a Kpi,
    /// Each series, in the KPI's order.
    pub series: Vec<SeriesResult>,
    /// The actual of the deciding (worst) series.
    pub actual: Actual,
    /// The grade of the KPI, with the ratio and percent of the deciding series.
    pub assessment: Assessment,
}

/// Counts of grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Number of KPIs (KPI設定数), pending ones included.
    pub count: usize,
    /// ○
    pub achieved: usize,
    /// △
    pub not_achieved: usize,
    /// ×
    pub other: usize,
    /// Not yet published.
    pub pending: usize,
}

impl Tally {
    /// Count one more grade.
    pub fn add(&mut self, grade: Grade) {
        self.count += 1;
        match grade {
            Grade::Achieved => self.achieved += 1,
            Grade::NotAchieved => self.not_achieved += 1,
            Grade::Other => self.other += 1,
            Grade::Pending => self.pending += 1,
        }
    }

    /// How many have `grade`.
    pub fn get(&self, grade: Grade) -> usize {
        match grade {
            Grade::Achieved => self.achieved,
            Grade::NotAchieved => self.not_achieved,
            Grade::Other => self.other,
            Grade::Pending => self.pending,
        }
    }
}

/// The grades of one basic goal's KPIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalSummary {
    /// The goal's number.
    pub goal: u32,
    /// Its counts.
    pub tally: Tally,
}

/// A goal indicator at one year or period.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorPoint {
    /// The year or period.
    pub period: Period,
    /// Whether this is the base value (基準値).
    pub is_base: bool,
    /// The IPSS projection (社人研推計値).
    pub ipss: Option<f64>,
    /// The target (目標値).
    pub target: Option<f64>,
    /// The actual (実績値), as entered.
    pub actual: Option<Entry>,
    /// The grade, where there is both a target and an actual entry.
    pub assessment: Option<Assessment>,
}

/// A goal indicator, graded at each period.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorResult<'a> {
    /// The goal it belongs to; `None` for the target population.
    pub goal: Option<u32>,
    /// The indicator.
    pub indicator: &'a GoalIndicator,
    /// Its periods in order.
    pub points: Vec<IndicatorPoint>,
}

/// A strategy, graded.
#[derive(Debug, Clone, PartialEq)]
pub struct Review<'a> {
    /// The strategy.
    pub strategy: &'a Strategy,
    /// Each KPI, in file order.
    pub kpis: Vec<KpiResult<'a>>,
    /// Each basic goal, by number.
    pub goals: Vec<GoalSummary>,
    /// All KPIs (合計).
    pub total: Tally,
    /// The target population and each goal's numeric indicator.
    pub indicators: Vec<IndicatorResult<'a>>,
}

/// Grade every KPI and goal indicator of `strategy` by its rule.
pub fn review(strategy: &Strategy) -> Result<Review<'_>> {
    let rule = &strategy.rule;
    let mut kpis = Vec::with_capacity(strategy.kpis.len());
    for kpi in &strategy.kpis {
        kpis.push(grade_kpi(kpi, rule)?);
    }
    let mut goals: Vec<GoalSummary> = strategy
        .goals
        .iter()
        .map(|g| GoalSummary {
            goal: g.number,
            tally: Tally::default(),
        })
        .collect();
    let mut total = Tally::default();
    for r in &kpis {
        total.add(r.assessment.grade);
        if let Some(g) = goals.iter_mut().find(|g| g.goal == r.kpi.goal) {
            g.tally.add(r.assessment.grade);
        }
    }
    let mut indicators = Vec::new();
    for (goal, indicator) in strategy.indicators() {
        indicators.push(IndicatorResult {
            goal,
            indicator,
            points: points(indicator, rule)?,
        });
    }
    Ok(Review {
        strategy,
        kpis,
        goals,
        total,
        indicators,
    })
}

/// The actual of one series: the sum of its figures or its latest entry, as `comparison` says
/// (see the module docs).
pub fn series_actual(series: &Series, comparison: Comparison) -> Actual {
    match comparison {
        Comparison::Sum => {
            let entries = series.actuals.values().map(|e| e.actual);
            if entries.clone().any(|a| a == Actual::Pending) {
                return Actual::Pending;
            }
            let values: Vec<f64> = entries.clone().filter_map(Actual::value).collect();
            if values.is_empty() {
                if entries.clone().any(|a| a == Actual::NotCarriedOut) {
                    Actual::NotCarriedOut
                } else {
                    Actual::Missing
                }
            } else {
                Actual::Value(values.iter().sum())
            }
        }
        Comparison::Latest | Comparison::Level => series
            .actuals
            .values()
            .next_back()
            .map_or(Actual::Missing, |e| e.actual),
    }
}

/// Grade one KPI by `rule`.
pub fn grade_kpi<'a>(kpi: &'a Kpi, rule: &super::rule::Rule) -> Result<KpiResult<'a>> {
    let mut series = Vec::with_capacity(kpi.series.len());
    for s in &kpi.series {
        let actual = series_actual(s, kpi.comparison);
        let assessment = assess(actual, kpi.target, kpi.comparison, kpi.direction, rule)?;
        series.push(SeriesResult { actual, assessment });
    }
    let severity = |g: Grade| match g {
        Grade::Other => 0,
        Grade::Pending => 1,
        Grade::NotAchieved => 2,
        Grade::Achieved => 3,
    };
    // Within equal grades, the series furthest from the target decides.
    let shortfall = |r: &SeriesResult| -> f64 {
        match (kpi.comparison, r.actual.value(), r.assessment.ratio) {
            (Comparison::Level, Some(v), _) => match kpi.direction {
                Direction::More => v,
                Direction::Less => -v,
            },
            (_, _, Some(ratio)) => ratio,
            (_, Some(_), None) => f64::INFINITY,
            _ => 0.0,
        }
    };
    let worst = series.iter().min_by(|a, b| {
        severity(a.assessment.grade)
            .cmp(&severity(b.assessment.grade))
            .then(shortfall(a).total_cmp(&shortfall(b)))
    });
    let (actual, assessment) = match worst {
        Some(w) => (w.actual, w.assessment),
        None => (
            Actual::Missing,
            assess(
                Actual::Missing,
                kpi.target,
                kpi.comparison,
                kpi.direction,
                rule,
            )?,
        ),
    };
    Ok(KpiResult {
        kpi,
        series,
        actual,
        assessment,
    })
}

fn points(indicator: &GoalIndicator, rule: &super::rule::Rule) -> Result<Vec<IndicatorPoint>> {
    let mut periods: Vec<Period> = indicator
        .ipss
        .keys()
        .chain(indicator.targets.keys())
        .chain(indicator.actuals.keys())
        .copied()
        .collect();
    if let Some((p, _)) = &indicator.base {
        periods.push(*p);
    }
    periods.sort();
    periods.dedup();
    let mut out = Vec::with_capacity(periods.len());
    for period in periods {
        let base = indicator
            .base
            .as_ref()
            .filter(|(p, _)| *p == period)
            .map(|(_, e)| e.clone());
        let is_base = base.is_some();
        let actual = indicator.actuals.get(&period).cloned().or(base);
        let target = indicator.target(period);
        let assessment = match (&actual, target) {
            (Some(e), Some(_)) => Some(indicator.assess(period, e.actual, rule)?),
            _ => None,
        };
        out.push(IndicatorPoint {
            period,
            is_base,
            ipss: indicator.ipss.get(&period).copied(),
            target,
            actual,
            assessment,
        });
    }
    Ok(out)
}
