//! Where a period's assumptions come from: derived from the pack's published projection
//! (cohort change ratios split by the life table into survival and 純移動率, the child–woman
//! ratio 子ども女性比 and the 0-4 sex ratio; method.md "Deriving assumptions"), observed between
//! two censuses (the same ratios, held), or read from the pack's assumption files.
//!
//! Cohorts that are empty at the start of a period but not at its end (IPSS projects a few
//! persons into such cohorts in the smallest villages) cannot be carried by a ratio: their
//! persons are net migrant counts, as flows that add exactly them ([`arrival_flows`]).

use super::{Frame, Source, SurvivalSource};
use crate::engine::derive::{arrival_flows, migration_rates, observed_ratios, ObservedRatios};
use crate::engine::{Cells, FertilityMethod, MigrationForm, Period};
use crate::error::{Error, Location, Result};
use crate::grid::{period_label, MAX_AGES};
use crate::pack::Pack;

/// The assumptions of the period starting in `start` from the frame's source (None where the
/// source has none for it).
pub(crate) fn period_for(pack: &Pack, start: i32, frame: &Frame) -> Result<Option<Period>> {
    match frame.from {
        Source::Projection => from_projection(pack, start, frame),
        Source::Files => from_files(pack, start, frame),
        Source::Census => from_census(pack, start, frame),
    }
}

/// Survival and birth survival for `start` from the pack, by the chosen source.
pub(crate) fn survival(
    pack: &Pack,
    start: i32,
    source: SurvivalSource,
) -> Result<Option<(Cells, [f64; 2])>> {
    match source {
        SurvivalSource::LifeTable => {
            let Some(tables) = pack.mortality.as_ref() else {
                return Err(Error::input(
                    Location::file(pack.dir.join(crate::pack::MANIFEST)).field("files.mortality"),
                    "survival = \"life-table\" needs death rates: expected files.mortality in the pack",
                ));
            };
            let Some(t) = tables.get(&start) else {
                return Ok(None);
            };
            let mut ratios = [[0.0; MAX_AGES]; 2];
            let mut birth = [0.0; 2];
            for s in 0..2 {
                let (r, b) = t[s].survival_ratios(pack.ages)?;
                ratios[s] = r;
                birth[s] = b;
            }
            Ok(Some((ratios, birth)))
        }
        SurvivalSource::File => {
            let Some(map) = pack.survival.as_ref() else {
                return Err(Error::input(
                    Location::file(pack.dir.join(crate::pack::MANIFEST)).field("files.survival"),
                    "survival = \"file\" needs survival ratios: expected files.survival in the pack",
                ));
            };
            Ok(map
                .get(&start)
                .map(|sp| (sp.ratios, sp.birth.unwrap_or([1.0; 2]))))
        }
    }
}

/// The migration of period `k` of `periods` as derived (multiplier 1), for solving from a zero
/// multiplier: the source's own period, or the last one it has where the period is held.
pub(crate) fn base_migration(pack: &Pack, frame: &Frame, start: i32) -> Result<Cells> {
    let mut s = start;
    loop {
        if let Some(p) = period_for(pack, s, frame)? {
            return Ok(p.migration);
        }
        if s <= frame.base_year {
            return Err(Error::Invalid(format!(
                "no migration assumptions for {}",
                period_label(start)
            )));
        }
        s -= 5; // beyond the assumptions: the last period held
    }
}

fn manifest(pack: &Pack) -> std::path::PathBuf {
    pack.dir.join(crate::pack::MANIFEST)
}

/// Derived assumptions are child–woman ratios and net migration rates.
fn require_cwr_rates(pack: &Pack, frame: &Frame, what: &str, key: &str) -> Result<()> {
    if frame.fertility != FertilityMethod::Cwr || frame.migration != MigrationForm::Rates {
        return Err(Error::input(
            Location::file(manifest(pack)).field(key),
            format!("assumptions derived from {what} are child-woman ratios and net migration rates: use method = \"cwr\" and migration = \"rates\""),
        ));
    }
    Ok(())
}

/// A CWR / rates period from observed ratios and the survival of `start`.
fn derived_period(
    pack: &Pack,
    start: i32,
    observed: &ObservedRatios,
    ratios_survival: &Cells,
    survival: (Cells, [f64; 2]),
) -> Result<Period> {
    let sex_ratio = match observed.sex_ratio {
        Some(s) => s,
        // No children aged 0-4: the ratio splits no births; the pack's ratio at birth is used.
        None => *pack.srb.as_ref().and_then(|m| m.get(&start)).ok_or_else(|| {
            Error::Invalid(format!(
                "no children aged 0-4 at the end of {} to take a sex ratio from, and no sex ratio at birth (files.srb) for the period",
                period_label(start)
            ))
        })?,
    };
    let mut p = Period {
        start,
        survival: survival.0,
        birth_survival: survival.1,
        cwr: observed.cwr,
        sex_ratio,
        asfr: [0.0; MAX_AGES],
        migration: migration_rates(pack.ages, &observed.ccr, ratios_survival),
        flows: [[0.0; MAX_AGES]; 2],
        has_flows: false,
    };
    if observed.has_arrivals() {
        p.flows = arrival_flows(pack.ages, &observed.arrivals, &survival.0);
        p.has_flows = true;
    }
    Ok(p)
}

fn from_projection(pack: &Pack, start: i32, frame: &Frame) -> Result<Option<Period>> {
    let Some(proj) = pack.projection.as_ref() else {
        return Err(Error::input(
            Location::file(manifest(pack)).field("files.projection"),
            "assumptions.from = \"projection\" needs a published projection: expected files.projection in the pack",
        ));
    };
    require_cwr_rates(pack, frame, "a published projection", "files.projection")?;
    let (Some(p0), Some(p1)) = (proj.get(&start), proj.get(&(start + 5))) else {
        return Ok(None);
    };
    crate::checks::projection_cells(pack, start, p0, p1)?;
    let observed = observed_ratios(pack.ages, start, p0, p1)
        .map_err(|e| Error::input(Location::file(pack.file("projection")), e.to_string()))?;
    let Some(surv) = survival(pack, start, frame.survival)? else {
        let role = match frame.survival {
            SurvivalSource::LifeTable => "mortality",
            SurvivalSource::File => "survival",
        };
        return Err(crate::checks::no_survival(pack, start, role));
    };
    derived_period(pack, start, &observed, &surv.0, surv).map(Some)
}

fn from_census(pack: &Pack, start: i32, frame: &Frame) -> Result<Option<Period>> {
    require_cwr_rates(pack, frame, "two censuses", "files.census")?;
    let t0 = frame.census_period;
    let (Some(c0), Some(c1)) = (pack.census.get(&t0), pack.census.get(&(t0 + 5))) else {
        return Err(Error::input(
            Location::file(pack.file("census")),
            format!(
                "assumptions.from = \"census\" observes {}: expected the censuses of {t0} and {}",
                period_label(t0),
                t0 + 5
            ),
        ));
    };
    let Some(surv) = survival(pack, start, frame.survival)? else {
        return Ok(None);
    };
    let Some(observed_surv) = survival(pack, t0, frame.survival)? else {
        return Err(Error::Invalid(format!(
            "the pack has no survival for {} (needed to split the observed cohort change ratios into survival and migration)",
            period_label(t0)
        )));
    };
    let ages = pack.ages;
    let observed = observed_ratios(ages, t0, &c0.prorated(ages), &c1.prorated(ages))
        .map_err(|e| Error::input(Location::file(pack.file("census")), e.to_string()))?;
    derived_period(pack, start, &observed, &observed_surv.0, surv).map(Some)
}

fn from_files(pack: &Pack, start: i32, frame: &Frame) -> Result<Option<Period>> {
    let manifest = manifest(pack);
    let missing = |key: &str, what: &str| {
        Error::input(
            Location::file(&manifest).field(format!("files.{key}")),
            format!("the scenario needs {what}: expected files.{key} in the pack"),
        )
    };
    let Some((surv, birth)) = survival(pack, start, frame.survival)? else {
        return Ok(None);
    };
    let mut p = Period::null(start);
    p.survival = surv;
    p.birth_survival = birth;
    match frame.fertility {
        FertilityMethod::Cwr => {
            let map = pack
                .fertility_cwr
                .as_ref()
                .ok_or_else(|| missing("fertility_cwr", "child-woman ratios"))?;
            let Some(&(cwr, sigma)) = map.get(&start) else {
                return Ok(None);
            };
            p.cwr = cwr;
            p.sex_ratio = sigma;
        }
        FertilityMethod::Asfr => {
            let asfr = pack
                .asfr
                .as_ref()
                .ok_or_else(|| missing("asfr", "age-specific fertility rates"))?;
            let srb = pack
                .srb
                .as_ref()
                .ok_or_else(|| missing("srb", "the sex ratio at birth"))?;
            let (Some(f), Some(&s)) = (asfr.get(&start), srb.get(&start)) else {
                return Ok(None);
            };
            p.asfr = *f;
            p.sex_ratio = s;
        }
    }
    let mig = match frame.migration {
        MigrationForm::Rates => pack
            .migration_rates
            .as_ref()
            .ok_or_else(|| missing("migration_rates", "net migration rates"))?,
        MigrationForm::Counts(_) => pack
            .migration_counts
            .as_ref()
            .ok_or_else(|| missing("migration_counts", "net migrant counts"))?,
    };
    let Some(m) = mig.get(&start) else {
        return Ok(None);
    };
    p.migration = *m;
    Ok(Some(p))
}
