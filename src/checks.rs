//! Checks across a scenario and its pack that name the pack file and line a problem comes from
//! (rather than the scenario that happened to use it): a zero in a published projection where a
//! cohort change ratio needs a population, a period the death rates do not cover.

use crate::engine::Cells;
use crate::error::{Error, Result};
use crate::grid::{period_label, Sex, FERTILE_FIRST, FERTILE_LAST};
use crate::pack::Pack;

/// Every population the cohort change ratios `start → start + 5` and the child–woman ratio of
/// the published projection divide by must be above 0; otherwise an error at its row.
pub fn projection_cells(pack: &Pack, start: i32, p0: &Cells, p1: &Cells) -> Result<()> {
    let ages = pack.ages;
    let n = ages.len();
    let year0 = start.to_string();
    for sex in Sex::BOTH {
        let s = sex.index();
        for a in 0..n - 1 {
            let (v, what) = if a == n - 2 {
                (
                    p0[s][a] + p0[s][a + 1],
                    format!("{} and {} together", ages.label(a), ages.label(a + 1)),
                )
            } else {
                (p0[s][a], ages.label(a))
            };
            // A zero is an empty cohort (IPSS projects into such cohorts in five villages): its
            // persons five years on are carried as migrant counts. Only a non-number is refused.
            if !v.is_finite() || v < 0.0 {
                let label = ages.label(a);
                return Err(Error::input(
                    pack.row_at(
                        "projection",
                        &[("year", &year0), ("sex", sex.label()), ("age", &label)],
                        "population",
                    ),
                    format!(
                        "the population of {sex} {what} in {start} is {v}: the cohort change ratio {start}→{} divides by it, so expected a population above 0",
                        start + 5
                    ),
                ));
            }
        }
    }
    let women: f64 = p1[1][FERTILE_FIRST..=FERTILE_LAST].iter().sum();
    let year1 = (start + 5).to_string();
    let (children, boys, girls) = (p1[0][0] + p1[1][0], p1[0][0], p1[1][0]);
    if (women <= 0.0 && children > 0.0) || (girls <= 0.0 && boys > 0.0) {
        let age = if women > 0.0 {
            ages.label(0)
        } else {
            ages.label(FERTILE_FIRST)
        };
        return Err(Error::input(
            pack.row_at(
                "projection",
                &[("year", &year1), ("sex", "female"), ("age", &age)],
                "population",
            ),
            format!(
                "children aged 0-4 but no women aged 15-49, or boys but no girls aged 0-4, in {}: the child–woman ratio and the 0-4 sex ratio divide by them, so expected populations above 0",
                start + 5
            ),
        ));
    }
    Ok(())
}

/// The error for a period the pack's survival does not cover (`role`: `mortality` or
/// `survival`), at that file.
pub fn no_survival(pack: &Pack, start: i32, role: &str) -> Error {
    let have: Vec<String> = match role {
        "mortality" => pack
            .mortality
            .iter()
            .flat_map(|m| m.keys())
            .map(|&k| period_label(k))
            .collect(),
        _ => pack
            .survival
            .iter()
            .flat_map(|m| m.keys())
            .map(|&k| period_label(k))
            .collect(),
    };
    let range = match (have.first(), have.last()) {
        (Some(a), Some(b)) => format!("the file covers {a} … {b}"),
        _ => "the file has no period".to_string(),
    };
    Error::input(
        crate::Location::file(pack.file(role)).field("period"),
        format!(
            "no rows for {} ({range}): expected the period's rates, needed to split the published projection's cohort change ratios into survival and migration",
            period_label(start)
        ),
    )
}

/// Every number of a projection (populations by year, sex and age, their totals, births, deaths
/// and net migration) must be finite; otherwise an error naming the first that is not.
pub fn finite_projection(p: &crate::engine::Projection) -> Result<()> {
    let n = p.ages.len();
    for (k, cells) in p.population.iter().enumerate() {
        let year = p.years.get(k).copied().unwrap_or_default();
        for sex in Sex::BOTH {
            for a in 0..n {
                crate::limits::finite(
                    &|| format!("the population of {sex} {} in {year}", p.ages.label(a)),
                    cells[sex.index()][a],
                )?;
            }
        }
        crate::limits::finite(&|| format!("the total population in {year}"), p.total(k))?;
    }
    for (k, c) in p.components.iter().enumerate() {
        let year = p.years.get(k).copied().unwrap_or_default();
        for (what, v) in [
            ("births", c.total_births()),
            ("deaths", c.total_deaths()),
            ("net migration", c.total_net_migration()),
        ] {
            crate::limits::finite(&|| format!("{what} in {year}-{}", year + 5), v)?;
        }
    }
    Ok(())
}
