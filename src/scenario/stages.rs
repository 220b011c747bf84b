//! Building a validated [`Scenario`] from a merged scenario file, in the stages a reader expects:
//! the frame (base year, horizon, method), the data pack, the base population, each period's
//! assumptions from their source, then the scenario's changes to them — survival, fertility
//! (a TFR path), migration (multipliers), policy measures (settling households) — and last the
//! net-migration targets, solved on the model those stages produced.

use super::assumptions::{base_migration, period_for, survival};
use super::raw::Merged;
use super::{
    anchors, calibrate::Calibration, BaseKind, Beyond, Calibrate, FertilityPath, Frame, Measure,
    Method, MigrationKind, Path1, RawTiming, Scenario, Source, SurvivalSource, UnknownAge,
};
use crate::engine::{Cells, FertilityMethod, MigrationForm, Model, Period, Timing};
use crate::error::{Error, Location, Result};
use crate::grid::{period_label, Sex, MAX_AGES};
use crate::pack::Pack;
use std::path::Path;

/// Build the scenario at `path` from its merged layers, loading the data pack they name.
pub(crate) fn build(path: &Path, m: &Merged) -> Result<Scenario> {
    let pack = load_pack(m)?;
    build_with_pack(path, m, pack)
}

/// Build the scenario at `path` (named in messages) from its merged layers on `pack`, a pack
/// already loaded (from a folder, or from the national bundle in memory).
pub(crate) fn build_with_pack(path: &Path, m: &Merged, pack: Pack) -> Result<Scenario> {
    build_after(path, m, pack, None)
}

/// [`build_with_pack`], taking the calibration of `prior` (a scenario built before on the same
/// pack) where it was solved from the same base and assumptions (see [`super::calibrate`]).
pub(crate) fn build_after(
    path: &Path,
    m: &Merged,
    pack: Pack,
    prior: Option<&Calibration>,
) -> Result<Scenario> {
    let raw = &m.raw;
    let frame = frame(path, m)?;
    let (base, base_label) = base(m, &pack, &frame)?;
    let mut periods = periods(m, &pack, &frame)?;
    let calibration = match raw.calibrate {
        Some(Calibrate::Summary) => Some(super::calibrate::calibrate(
            m,
            &pack,
            &frame,
            &base,
            &mut periods,
            prior,
        )?),
        _ => None,
    };
    let mut notes = Vec::new();
    survival_stage(m, &pack, &frame, &mut periods, &mut notes)?;
    let (fertility, tfr_base) = fertility(m, &pack, &frame, calibration.as_ref(), &mut periods)?;
    let mut multipliers = migration(m, &frame, &mut periods)?;
    let measures = measures(m, &pack, &frame, &mut periods)?;
    let mut model = Model {
        ages: pack.ages,
        fertility: frame.fertility,
        migration: frame.migration,
        base_year: frame.base_year,
        periods,
    };
    validate(path, &model)?;
    net_migration_targets(
        path,
        m,
        &pack,
        &frame,
        &base,
        &mut model,
        &mut multipliers,
        &mut notes,
    )?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    Ok(Scenario {
        title: raw.title.clone().unwrap_or_else(|| name.clone()),
        name,
        description: raw.description.clone(),
        path: path.to_path_buf(),
        pack,
        model,
        base,
        base_label,
        fertility,
        tfr_base,
        multipliers,
        measures,
        notes,
        role: raw.role,
        calibration,
    })
}

fn validate(path: &Path, model: &Model) -> Result<()> {
    model.validate().map_err(|e| {
        Error::input(
            Location::file(path),
            format!("the assumptions are not valid: {e}"),
        )
    })
}

/// The data pack the scenario names (`pack`, relative to the file that sets it).
fn load_pack(m: &Merged) -> Result<Pack> {
    let pack_rel = m.raw.pack.clone().unwrap_or_else(|| ".".to_string());
    // Without `.` components, so that messages name scenarios/kama/census.csv (not
    // scenarios/kama/./census.csv) and census.csv (not ./census.csv); empty is the current folder.
    let pack_dir = crate::input::without_cur_dir(&m.dir_of("pack").join(&pack_rel));
    let manifest = if pack_dir.as_os_str().is_empty() || pack_dir.is_dir() {
        pack_dir.join(crate::pack::MANIFEST)
    } else {
        pack_dir.clone()
    };
    if !manifest.exists() {
        return Err(Error::input(
            m.at("pack"),
            format!(
                "the data pack \"{pack_rel}\" was not found: expected a folder holding {} (looked for {})",
                crate::pack::MANIFEST,
                manifest.display()
            ),
        ));
    }
    Pack::load(&pack_dir)
}

/// The frame: base year, horizon, births and migration method, and where assumptions come from.
fn frame(path: &Path, m: &Merged) -> Result<Frame> {
    let raw = &m.raw;
    let base_year = raw.base_year.ok_or_else(|| {
        Error::input(
            Location::file(path).field("base_year"),
            "missing key `base_year`: expected the census year the projection starts from, e.g. 2015",
        )
    })?;
    let horizon = raw.horizon.unwrap_or(2065);
    crate::limits::check_horizon(base_year, horizon, m.at("horizon"), m.at("base_year"))?;
    if horizon <= base_year || (horizon - base_year) % 5 != 0 {
        return Err(Error::input(
            m.at("horizon"),
            format!("horizon {horizon}: expected a year after the base year {base_year}, a multiple of five years from it"),
        ));
    }
    let assumptions = raw.assumptions.clone().unwrap_or_default();
    let migration = match assumptions.migration.unwrap_or(MigrationKind::Rates) {
        MigrationKind::Rates => MigrationForm::Rates,
        MigrationKind::Counts => {
            MigrationForm::Counts(match assumptions.timing.unwrap_or(RawTiming::Even) {
                RawTiming::Even => Timing::Even,
                RawTiming::End => Timing::End,
            })
        }
    };
    let fertility = match raw.method.unwrap_or(Method::Cwr) {
        Method::Cwr => FertilityMethod::Cwr,
        Method::Asfr => FertilityMethod::Asfr,
    };
    let from = assumptions.from.unwrap_or(Source::Files);
    let census_period = match &assumptions.census_period {
        None => base_year - 5,
        Some(text) => {
            let key = "assumptions.census_period";
            if from != Source::Census {
                return Err(Error::input(
                    m.at(key),
                    "census_period goes with from = \"census\": expected it only there",
                ));
            }
            crate::grid::parse_period(text).ok_or_else(|| {
                Error::input(
                    m.at(key),
                    format!(
                        "\"{text}\": expected a period between two censuses, such as \"2010-2015\""
                    ),
                )
            })?
        }
    };
    Ok(Frame {
        base_year,
        horizon,
        fertility,
        migration,
        from,
        survival: assumptions.survival.unwrap_or(SurvivalSource::LifeTable),
        census_period,
    })
}

/// The base population and its description.
fn base(m: &Merged, pack: &Pack, frame: &Frame) -> Result<(Cells, String)> {
    match m.raw.base {
        Some(BaseKind::Estimated) => estimate_base(m, pack, frame),
        Some(BaseKind::Summary) => estimate_base_for_summary(m, pack, frame),
        _ => base_population(m, pack, frame.base_year),
    }
}

/// Each period's assumptions from the frame's source; after the last one the source has, the
/// last is held (`beyond = "hold-last"`) or the horizon is an error (`beyond = "none"`).
fn periods(m: &Merged, pack: &Pack, frame: &Frame) -> Result<Vec<Period>> {
    let raw = &m.raw;
    let (base_year, horizon) = (frame.base_year, frame.horizon);
    let steps = ((horizon - base_year) / 5) as usize;
    let mut periods: Vec<Period> = Vec::with_capacity(steps);
    for k in 0..steps {
        let start = base_year + 5 * k as i32;
        let period = period_for(pack, start, frame)?;
        match period {
            Some(p) => periods.push(p),
            None => match (raw.beyond.unwrap_or(Beyond::HoldLast), periods.last()) {
                (Beyond::HoldLast, Some(last)) => {
                    let mut p = last.clone();
                    p.start = start;
                    periods.push(p);
                }
                (Beyond::HoldLast, None) => {
                    return Err(Error::input(
                        m.at("base_year"),
                        format!(
                            "the pack has no assumptions for the first period {}: expected them in its files or its projection",
                            period_label(start)
                        ),
                    ))
                }
                (Beyond::None, _) => {
                    return Err(Error::input(
                        m.at("horizon"),
                        format!(
                            "the assumptions end before {}, and beyond = \"none\": expected a horizon of {start} at most, or beyond = \"hold-last\"",
                            period_label(start)
                        ),
                    ))
                }
            },
        }
    }
    Ok(periods)
}

/// Survival from one fixed life table (`[survival] life_table`): each period keeps its net
/// migration rates (or counts); with rates derived from a projection this changes the cohort
/// change ratios.
fn survival_stage(
    m: &Merged,
    pack: &Pack,
    frame: &Frame,
    periods: &mut [Period],
    notes: &mut Vec<String>,
) -> Result<()> {
    let raw = &m.raw;
    if let Some(sv) = raw.survival.as_ref().and_then(|s| s.life_table.clone()) {
        let start = crate::grid::parse_period(&sv).ok_or_else(|| {
            Error::input(
                m.at("survival.life_table"),
                format!("\"{sv}\": expected a period such as \"2040-2045\""),
            )
        })?;
        let Some((ratios, birth)) = survival(pack, start, frame.survival)? else {
            return Err(Error::input(
                m.at("survival.life_table"),
                format!(
                    "the pack has no survival for {sv}: expected a period its death rates cover"
                ),
            ));
        };
        for p in periods.iter_mut() {
            p.survival = ratios;
            p.birth_survival = birth;
        }
        notes.push(format!("survival of every period from the {sv} life table"));
    }
    if let Some(mult) = raw.survival.as_ref().and_then(|s| s.mortality.as_ref()) {
        mortality_multipliers(m, frame, pack.ages.len(), mult, periods, notes)?;
    }
    Ok(())
}

/// `[survival] mortality = { 2020 = 0.9 }`: the probability of dying over each period starting
/// in or after the first anchor year is multiplied by the path's value at the period's start
/// (linear between anchors, held after, 1 before): every survival ratio S (births and the open
/// group included) becomes `clamp(1 − (1 − S)·m, 0, 1)`, so 0.9 is a 10% lower risk of dying.
fn mortality_multipliers(
    m: &Merged,
    frame: &Frame,
    n: usize,
    mult: &super::raw::Anchors,
    periods: &mut [Period],
    notes: &mut Vec<String>,
) -> Result<()> {
    let path = Path1 {
        anchors: anchors(
            m,
            "survival.mortality",
            mult,
            (frame.base_year, frame.horizon - 5),
            &|v| {
                (!(0.0..=crate::limits::MAX_MULTIPLIER).contains(&v))
                    .then_some("a multiplier of the probability of dying from 0 to 10")
            },
        )?,
    };
    let moved = |s: f64, k: f64| (1.0 - (1.0 - s) * k).clamp(0.0, 1.0);
    for p in periods.iter_mut() {
        let Some(k) = path.at(p.start as f64) else {
            continue;
        };
        if k == 1.0 {
            continue;
        }
        for sex in 0..2 {
            for v in p.survival[sex][..n - 1].iter_mut() {
                *v = moved(*v, k);
            }
            p.birth_survival[sex] = moved(p.birth_survival[sex], k);
        }
        notes.push(format!(
            "mortality {} multiplied by {k}",
            period_label(p.start)
        ));
    }
    Ok(())
}

/// Fertility: a TFR path turned into CWR (method.md) or scaling the ASFR; returns the path and
/// the TFR the base path stands for. On a calibrated path the TFR each period stands for is
/// `tfr_base` times the period's factor on the child–woman ratio.
fn fertility(
    m: &Merged,
    pack: &Pack,
    frame: &Frame,
    calibration: Option<&Calibration>,
    periods: &mut [Period],
) -> Result<(Option<FertilityPath>, Option<f64>)> {
    let raw = &m.raw;
    // Fertility: a TFR path turned into CWR (method.md) or scaling the ASFR.
    let tfr_base_pack = pack.parameters.get("tfr_base").map(|p| p.value);
    let tfr_base = raw
        .fertility
        .as_ref()
        .and_then(|f| f.tfr_base)
        .or(tfr_base_pack);
    let mut fertility_path = None;
    if let Some(tfr) = raw.fertility.as_ref().and_then(|f| f.tfr.as_ref()) {
        let path = Path1 {
            anchors: anchors(
                m,
                "fertility.tfr",
                tfr,
                (frame.base_year, frame.horizon),
                &|v| {
                    (!(v > 0.0 && v <= 10.0))
                        .then_some("a total fertility rate above 0 and at most 10")
                },
            )?,
        };
        match frame.fertility {
            FertilityMethod::Cwr => {
                let Some(tb) = tfr_base else {
                    return Err(Error::input(
                        m.at("fertility.tfr"),
                        "a TFR path in the CWR method needs the TFR the base path stands for: expected fertility.tfr_base in the scenario or parameters.tfr_base in the pack",
                    ));
                };
                if !(tb > 0.0 && tb.is_finite()) {
                    return Err(Error::input(
                        m.at("fertility.tfr_base"),
                        format!("tfr_base = {tb}: expected a positive number"),
                    ));
                }
                for p in periods.iter_mut() {
                    if let Some(v) = path.at((p.start + 5) as f64) {
                        let stands_for = tb * calibration.map_or(1.0, |c| c.cwr_factor(p.start));
                        p.cwr *= v / stands_for;
                    }
                }
            }
            FertilityMethod::Asfr => {
                for p in periods.iter_mut() {
                    if let Some(v) = path.at(p.start as f64 + 2.5) {
                        let implied: f64 = 5.0 * p.asfr.iter().sum::<f64>();
                        if implied > 0.0 {
                            for f in &mut p.asfr {
                                *f *= v / implied;
                            }
                        }
                    }
                }
            }
        }
        fertility_path = Some(FertilityPath {
            tfr_base: tfr_base.unwrap_or(f64::NAN),
            tfr: path,
        });
    }

    Ok((fertility_path, tfr_base))
}

/// Migration multipliers by period start year (1 before the first anchor), applied to the rates
/// or counts and to the migrant counts of cohorts empty at the start; returns them per period.
fn migration(m: &Merged, frame: &Frame, periods: &mut [Period]) -> Result<Vec<f64>> {
    let raw = &m.raw;
    // Migration multiplier path (by period start year; 1 before the first anchor).
    let mut multipliers = vec![1.0; periods.len()];
    if let Some(mult) = raw.migration.as_ref().and_then(|x| x.multiplier.as_ref()) {
        let path = Path1 {
            anchors: anchors(
                m,
                "migration.multiplier",
                mult,
                (frame.base_year, frame.horizon - 5),
                &|_| None,
            )?,
        };
        for (k, p) in periods.iter().enumerate() {
            if let Some(v) = path.at(p.start as f64) {
                multipliers[k] = v;
            }
        }
    }
    for (p, &k) in periods.iter_mut().zip(&multipliers) {
        if k != 1.0 {
            for s in 0..2 {
                for v in &mut p.migration[s] {
                    *v *= k;
                }
                // Migrants into cohorts empty at the start (derived flows; measures come later).
                for v in &mut p.flows[s] {
                    *v *= k;
                }
            }
        }
    }

    Ok(multipliers)
}

/// Policy measures: settling households (定住組数) as additional migrants with even timing.
fn measures(
    m: &Merged,
    pack: &Pack,
    frame: &Frame,
    periods: &mut [Period],
) -> Result<Vec<Measure>> {
    let raw = &m.raw;
    let ages = pack.ages;
    // Policy measures: settling households as additional migrants with even timing.
    let mut measures = Vec::new();
    if let Some(list) = &raw.measures {
        for (i, rm) in list.iter().enumerate() {
            let key = "measures";
            let here = |msg: String| {
                Error::input(
                    m.at(key),
                    format!("measure {} (\"{}\"): {msg}", i + 1, rm.name),
                )
            };
            if !(rm.households_per_year.is_finite() && rm.households_per_year >= 0.0) {
                return Err(here(format!(
                    "households_per_year = {}: expected a number of 0 or more",
                    rm.households_per_year
                )));
            }
            let until = rm.until.unwrap_or(frame.horizon - 1);
            if rm.from < frame.base_year || rm.from >= frame.horizon || until < rm.from {
                return Err(here(format!(
                    "from = {}, until = {until}: expected years from {} to {}, from before until",
                    rm.from,
                    frame.base_year,
                    frame.horizon - 1
                )));
            }
            let mut household = Vec::new();
            for (who, &count) in &rm.household {
                if !(count.is_finite() && count >= 0.0) {
                    return Err(here(format!(
                        "household \"{who}\" = {count}: expected a count of 0 or more"
                    )));
                }
                let (sex, age) = match who.trim().split_once(' ') {
                    Some((sx, age)) => (
                        Some(Sex::parse(sx).ok_or_else(|| {
                            here(format!("household key \"{who}\": expected \"male AGE\", \"female AGE\" or \"AGE\" (either sex), e.g. \"female 30-34\""))
                        })?),
                        age,
                    ),
                    None => (None, who.trim()),
                };
                let a = ages.index(age).ok_or_else(|| {
                    here(format!(
                        "household key \"{who}\": unknown age group \"{age}\", expected 0-4 … {}",
                        ages.label(ages.len() - 1)
                    ))
                })?;
                household.push((sex, a, count));
            }
            measures.push(Measure {
                name: rm.name.clone(),
                households_per_year: rm.households_per_year,
                years: (rm.from, until),
                household,
            });
        }
    }
    for p in periods.iter_mut() {
        for ms in &measures {
            let first = ms.years.0.max(p.start);
            let last = ms.years.1.min(p.start + 4);
            if last < first {
                continue;
            }
            let years = (last - first + 1) as f64;
            let male_share = p.sex_ratio / (1.0 + p.sex_ratio);
            for &(sex, a, count) in &ms.household {
                let persons = ms.households_per_year * years * count;
                match sex {
                    Some(sx) => p.flows[sx.index()][a] += persons,
                    None => {
                        p.flows[0][a] += persons * male_share;
                        p.flows[1][a] += persons * (1.0 - male_share);
                    }
                }
            }
        }
        p.has_flows = p.flows.iter().any(|s| s.iter().any(|&v| v != 0.0));
    }

    Ok(measures)
}

/// Net migration targets: solve each target period's multiplier so that its net migration
/// (measures included) equals the target. Net migration is linear in the multiplier given the
/// population at the start of the period, which earlier periods fix.
#[allow(clippy::too_many_arguments)]
fn net_migration_targets(
    _path: &Path,
    m: &Merged,
    pack: &Pack,
    frame: &Frame,
    base: &Cells,
    model: &mut Model,
    multipliers: &mut [f64],
    notes: &mut Vec<String>,
) -> Result<()> {
    let raw = &m.raw;
    let (base_year, ages) = (frame.base_year, pack.ages);
    if let Some(targets) = raw
        .migration
        .as_ref()
        .and_then(|x| x.net_migration.as_ref())
    {
        let targets = anchors(
            m,
            "migration.net_migration",
            targets,
            (frame.base_year, frame.horizon - 5),
            &|_| None,
        )?;
        for (year, target) in targets {
            if (year - base_year) % 5 != 0 {
                return Err(Error::input(
                    m.at("migration.net_migration"),
                    format!("{year}: expected the first year of a projection period ({base_year}, {}, …)", base_year + 5),
                ));
            }
            let k = ((year - base_year) / 5) as usize;
            let p = crate::engine::project(model, base)?;
            let start = p.population[k];
            let mut unit = model.periods[k].clone();
            let current = multipliers[k];
            let mut comps = [crate::engine::Components::default(); 2];
            // Net migration with the period's migration at multiplier 1, and with no migration (flows only).
            if current != 0.0 {
                for s in 0..2 {
                    for v in &mut unit.migration[s] {
                        *v /= current;
                    }
                }
            } else {
                unit.migration = base_migration(pack, frame, model.periods[k].start)?;
            }
            let mut zero = unit.clone();
            zero.migration = [[0.0; MAX_AGES]; 2];
            let mut scratch = [[0.0; MAX_AGES]; 2];
            for (c, per) in comps.iter_mut().zip([&unit, &zero]) {
                *c = crate::engine::step(
                    ages.len(),
                    frame.fertility,
                    frame.migration,
                    per,
                    &start,
                    &mut scratch,
                );
            }
            let per_unit = comps[0].total_net_migration() - comps[1].total_net_migration();
            if per_unit.abs() < 1e-9 {
                return Err(Error::input(
                    m.at("migration.net_migration"),
                    format!("{}: the period has no net migration to scale, so {target} cannot be reached", period_label(year)),
                ));
            }
            let solved = (target - comps[1].total_net_migration()) / per_unit;
            for s in 0..2 {
                for a in 0..MAX_AGES {
                    model.periods[k].migration[s][a] = unit.migration[s][a] * solved;
                }
            }
            multipliers[k] = solved;
            model.validate().map_err(|e| {
                Error::input(
                    m.at("migration.net_migration"),
                    format!("{year} = {target} cannot be reached: the migration multiplier it needs ({solved:.6}) makes the assumptions impossible ({e})"),
                )
            })?;
            notes.push(format!(
                "net migration {} set to {target}: migration multiplier {solved:.6} on the derived rates",
                period_label(year)
            ));
        }
    }
    Ok(())
}

/// The census five years before the base year, unknown ages prorated, projected one step with
/// the assumptions of that period (the start of both estimated bases).
fn census_projected_one_step(m: &Merged, pack: &Pack, frame: &Frame, what: &str) -> Result<Cells> {
    let ages = pack.ages;
    let prev = frame.base_year - 5;
    let census = pack.census.get(&prev).ok_or_else(|| {
        Error::input(
            m.at("base"),
            format!(
                "base = \"{what}\" projects the census of {prev}, which the pack does not have: expected one of {}",
                join_years(pack.census.keys())
            ),
        )
    })?;
    let period = period_for(pack, prev, frame)?.ok_or_else(|| {
        Error::input(
            m.at("base"),
            format!(
                "base = \"{what}\" needs the assumptions of {}: the pack has none",
                period_label(prev)
            ),
        )
    })?;
    let start = census.prorated(ages);
    let mut est = [[0.0; MAX_AGES]; 2];
    crate::engine::step(
        ages.len(),
        frame.fertility,
        frame.migration,
        &period,
        &start,
        &mut est,
    );
    Ok(est)
}

/// The base estimated for a projection summary (see [`BaseKind::Summary`]).
fn estimate_base_for_summary(m: &Merged, pack: &Pack, frame: &Frame) -> Result<(Cells, String)> {
    use crate::engine::rake::Constraint;
    let base_year = frame.base_year;
    let n = pack.ages.len();
    let summary = &pack.projection_summary;
    let row = summary.get(&base_year).ok_or_else(|| match (summary.keys().next(), summary.keys().next_back()) {
        (Some(first), Some(last)) => Error::input(
            Location::file(pack.file("projection_summary")).field("year"),
            format!("base = \"summary\" (base_year = {base_year}) rakes to the summary's {base_year} row, which this file does not have (its years: {first} … {last}): expected a row for {base_year}"),
        ),
        _ => match pack.files.get("projection_summary") {
            Some(file) => Error::input(
                Location::file(file),
                format!("base = \"summary\" rakes to this summary's {base_year} row, but the file has no rows: expected year,total,age_0_14,age_15_64,age_65_plus rows from {base_year}"),
            ),
            None => Error::input(
                m.at("base"),
                format!("base = \"summary\" rakes to the projection summary's {base_year} row: expected files.projection_summary in the pack, with that year"),
            ),
        },
    })?;
    if n != MAX_AGES - 2 {
        return Err(Error::input(
            m.at("base"),
            "base = \"summary\" rakes to 0-14 / 15-64 / 65+: expected the pack's open_age = 90",
        ));
    }
    let mut est = census_projected_one_step(m, pack, frame, "summary")?;
    let group = |from, to, target| Constraint {
        sex: None,
        from,
        to,
        target,
    };
    let mut constraints = vec![
        group(0, 2, row.age_0_14),
        group(3, 12, row.age_15_64),
        group(13, n - 1, row.age_65_plus),
    ];
    let by_sex: Vec<_> = pack
        .margins
        .get(&base_year)
        .map(|v| v.iter().filter(|mg| mg.span.is_none()).collect())
        .unwrap_or_default();
    for mg in &by_sex {
        constraints.push(Constraint {
            sex: Some(mg.sex),
            from: 0,
            to: n - 1,
            target: mg.population,
        });
    }
    let here = || Location::file(pack.file("projection_summary"));
    crate::engine::rake::rake(&mut est, &constraints, 1e-13, 10_000)
        .map_err(|e| Error::input(here(), format!("cannot rake the {base_year} base: {e}")))?;
    Ok((
        est,
        format!(
            "estimated {base_year}: census {} projected with the {} assumptions and raked to {}'s {base_year} total and 0-14 / 15-64 / 65+{}",
            base_year - 5,
            period_label(base_year - 5),
            pack.compare.summary_label,
            if by_sex.is_empty() { String::new() } else { " and the census totals by sex".into() }
        ),
    ))
}

/// The estimated base (see [`BaseKind::Estimated`]).
fn estimate_base(m: &Merged, pack: &Pack, frame: &Frame) -> Result<(Cells, String)> {
    let base_year = frame.base_year;
    let ages = pack.ages;
    let prev = base_year - 5;
    let margins = pack.margins.get(&base_year).ok_or_else(|| {
        Error::input(
            m.at("base"),
            format!("base = \"estimated\" rakes to census margins of {base_year}: expected them in the pack's files.margins"),
        )
    })?;
    let mut est = census_projected_one_step(m, pack, frame, "estimated")?;
    let constraints: Vec<crate::engine::rake::Constraint> = margins
        .iter()
        .filter_map(|mg| {
            mg.span.map(|(a, b)| crate::engine::rake::Constraint {
                sex: Some(mg.sex),
                from: a,
                to: b,
                target: mg.population,
            })
        })
        .collect();
    crate::engine::rake::rake(&mut est, &constraints, 1e-12, 10_000).map_err(|e| {
        Error::input(
            Location::file(pack.file("margins")),
            format!("cannot rake the {base_year} base: {e}"),
        )
    })?;
    let n = ages.len();
    let mut unknown = [0.0; 2];
    for mg in margins.iter().filter(|mg| mg.span.is_none()) {
        let s = mg.sex.index();
        let known: f64 = est[s][..n].iter().sum();
        unknown[s] = mg.population - known;
        if unknown[s] < -1e-6 {
            return Err(Error::input(
                Location::file(pack.file("margins")).line(mg.line).field("population"),
                format!(
                    "the {base_year} {} total {} is below the sum of its age margins ({known:.0}): expected the total to include them",
                    mg.sex, mg.population
                ),
            ));
        }
        unknown[s] = unknown[s].max(0.0);
    }
    let prorate = m.raw.unknown_age.unwrap_or(UnknownAge::Prorate) == UnknownAge::Prorate;
    if prorate {
        let c = crate::pack::CensusYear {
            cells: est,
            unknown,
        };
        est = c.prorated(ages);
    }
    let spans: Vec<String> = margins
        .iter()
        .filter_map(|mg| {
            mg.span.map(|(a, b)| {
                if b == n - 1 {
                    format!("{}+", 5 * a)
                } else {
                    format!("{}-{}", 5 * a, 5 * b + 4)
                }
            })
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok((
        est,
        format!(
            "estimated {base_year}: census {prev} projected with the {} assumptions and raked to the {base_year} census margins ({} by sex){}",
            period_label(prev),
            spans.join(", "),
            if prorate { "; unknown ages prorated" } else { "; unknown ages left out" }
        ),
    ))
}

fn base_population(m: &Merged, pack: &Pack, base_year: i32) -> Result<(Cells, String)> {
    let ages = pack.ages;
    match m.raw.base.unwrap_or(BaseKind::Census) {
        BaseKind::Census => {
            let census = pack.census.get(&base_year).ok_or_else(|| {
                Error::input(
                    m.at("base_year"),
                    format!(
                        "the pack's census ({}) has no year {base_year}: expected one of {}",
                        pack.file("census").display(),
                        join_years(pack.census.keys())
                    ),
                )
            })?;
            Ok(match m.raw.unknown_age.unwrap_or(UnknownAge::Prorate) {
                UnknownAge::Prorate => (
                    census.prorated(ages),
                    format!("census {base_year}, unknown ages prorated"),
                ),
                UnknownAge::Drop => (
                    census.cells,
                    format!("census {base_year}, unknown ages left out"),
                ),
            })
        }
        BaseKind::Projection => {
            let proj = pack.projection.as_ref().ok_or_else(|| {
                Error::input(m.at("base"), "base = \"projection\" but the pack has no published projection (files.projection)")
            })?;
            let cells = proj.get(&base_year).ok_or_else(|| {
                Error::input(
                    m.at("base_year"),
                    format!(
                        "the pack's projection has no year {base_year}: expected one of {}",
                        join_years(proj.keys())
                    ),
                )
            })?;
            Ok((
                *cells,
                format!("{base_year} column of the published projection"),
            ))
        }
        BaseKind::Estimated | BaseKind::Summary => Err(Error::Invalid(
            "internal: the estimated base is built by estimate_base".into(),
        )),
    }
}

fn join_years<'a>(years: impl Iterator<Item = &'a i32>) -> String {
    years.map(|y| y.to_string()).collect::<Vec<_>>().join(", ")
}
