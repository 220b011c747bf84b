//! Projecting every municipality at once (`jinko national`): each municipality's pack built in
//! memory from the bundle, its standard scenarios (パターン1, シミュレーション1, シミュレーション2)
//! from the same texts `jinko init` writes, projected on all cores; per municipality the totals
//! in the years asked, the change from 2015, the 0-14 and 65+ shares, and the impact levels
//! (自然増減・社会増減の影響度); prefecture and Japan rows summed from the municipalities, with
//! the sums of パターン1 compared with IPSS's own prefecture projection (平成30年推計).

use super::{Bundle, Municipality};
use crate::compare::{Impact, ImpactLevels};
use crate::engine::{Cells, Projection};
use crate::error::{Error, Result};
use crate::grid::{AgeGroups, MAX_AGES};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The standard scenarios, as `--scenario` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Standard {
    /// パターン1.
    P1,
    /// シミュレーション1.
    Sim1,
    /// シミュレーション2.
    Sim2,
}

impl Standard {
    /// All three, in order.
    pub const ALL: [Standard; 3] = [Standard::P1, Standard::Sim1, Standard::Sim2];

    /// The label in tables.
    pub fn label(self) -> &'static str {
        match self {
            Standard::P1 => "パターン1",
            Standard::Sim1 => "シミュレーション1",
            Standard::Sim2 => "シミュレーション2",
        }
    }

    /// The short key (CSV and JSON).
    pub fn key(self) -> &'static str {
        match self {
            Standard::P1 => "p1",
            Standard::Sim1 => "sim1",
            Standard::Sim2 => "sim2",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The basis of the standard scenarios: the 2015 census with IPSS 2018 (平成30年推計), or the
/// 2020 census with IPSS 2023 (令和5年推計), estimated from its published summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Basis {
    /// 2015 base, IPSS 2018 (the pack's pattern1 / sim1 / sim2).
    #[default]
    H30,
    /// 2020 base, IPSS 2023 calibrated (pattern1-r5 / sim1-r5 / sim2-r5).
    R5,
}

impl Basis {
    /// The base year.
    pub fn base_year(self) -> i32 {
        match self {
            Basis::H30 => 2015,
            Basis::R5 => 2020,
        }
    }

    /// The horizon of the standard scenarios.
    pub fn horizon(self) -> i32 {
        match self {
            Basis::H30 => 2065,
            Basis::R5 => 2070,
        }
    }

    /// The official projection's label.
    pub fn label(self) -> &'static str {
        match self {
            Basis::H30 => "社人研推計（平成30年推計）",
            Basis::R5 => "社人研推計（令和5年推計）",
        }
    }

    /// The scenario files built, パターン1 first.
    pub fn files(self) -> [&'static str; 3] {
        match self {
            Basis::H30 => super::pack::files::SCENARIOS,
            Basis::R5 => super::pack::files::SCENARIOS_R5,
        }
    }
}

/// What `jinko national` computes.
#[derive(Debug, Clone)]
pub struct Options {
    /// Years whose totals are reported (the last one also gives the change and the shares).
    pub years: Vec<i32>,
    /// The year of the impact analysis.
    pub impact_year: i32,
    /// The impact levels.
    pub levels: ImpactLevels,
    /// Only the municipalities of these prefecture codes (all when empty).
    pub prefectures: Vec<String>,
    /// Which engine projects.
    pub engine: Engine,
    /// The basis of the standard scenarios.
    pub basis: Basis,
}

/// The engine of `jinko national`: the scalar one, three projections per municipality, over all
/// cores; or the batched one, Sim1 and Sim2 as variants of パターン1 (fertility and migration
/// multipliers per period) in one lane group per municipality.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// [`crate::engine::project`] for each scenario.
    #[default]
    Scalar,
    /// [`crate::batch::engine::BatchEngine`] with three variants.
    Batched,
}

/// パターン1, Sim1 and Sim2 as three variants of パターン1 in the batched engine: Sim1's child–woman
/// ratios are パターン1's times a factor per period, Sim2's migration is Sim1's times its
/// multiplier. (The batched engine reports no clamping warnings; the migrant counts into
/// cohorts that are empty at the start, in five villages, are not scaled by the multiplier.)
fn batched(scenarios: &[crate::scenario::Scenario]) -> Result<Vec<Projection>> {
    let [p1, sim1, sim2] = scenarios else {
        return Err(Error::Invalid("expected パターン1, Sim1 and Sim2".into()));
    };
    let engine = crate::batch::engine::BatchEngine::new(&p1.model, &p1.base)?;
    let fert: Vec<f64> = p1
        .model
        .periods
        .iter()
        .zip(&sim1.model.periods)
        .map(|(a, b)| if a.cwr > 0.0 { b.cwr / a.cwr } else { 1.0 })
        .collect();
    let mig = sim2.multipliers.clone();
    let pops = engine.populations(
        3,
        |i, m| {
            if i >= 1 {
                m.fert.copy_from_slice(&fert);
            }
            if i == 2 {
                m.mig.copy_from_slice(&mig);
            }
        },
        &crate::batch::progress::Progress::hidden(),
    );
    let years = engine.years();
    let n = years.len();
    Ok((0..3)
        .map(|i| Projection {
            ages: p1.model.ages,
            years: years.clone(),
            population: pops[i * n..(i + 1) * n].to_vec(),
            components: Vec::new(),
            warnings: Vec::new(),
        })
        .collect())
}

/// One scenario's figures for one area.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Totals in the years asked.
    pub totals: Vec<f64>,
    /// 0-14 and 65+ in the last year asked.
    pub young: f64,
    /// 65+ in the last year asked.
    pub old: f64,
}

/// One municipality's result.
#[derive(Debug, Clone)]
pub struct MunicipalRow<'a> {
    /// The municipality.
    pub municipality: &'a Municipality,
    /// Whether パターン1 rests on the census (no IPSS 2018 path: Fukushima).
    pub census_based: bool,
    /// The 2015 base population.
    pub base: f64,
    /// The TFR the パターン1 path stands for.
    pub tfr_base: f64,
    /// Figures by standard scenario (P1, Sim1, Sim2).
    pub figures: [Figures; 3],
    /// 自然増減の影響度 (Sim1 / P1) in the impact year.
    pub natural: Impact,
    /// 社会増減の影響度 (Sim2 / Sim1).
    pub social: Impact,
    /// Warnings of the projections (cells set to zero).
    pub warnings: Vec<String>,
    /// The 若年女性人口 indicator (women 20-39, 2020 → 2050), on the 2020 basis.
    pub young_women: Option<crate::compare::young_women::YoungWomen>,
    /// On the 2020 basis: the largest difference, in persons, between パターン1 and the IPSS 2023
    /// summary (total and three groups, 2020 … 2050, the estimated base included).
    pub calibration_worst: Option<f64>,
    /// パターン1's population in each year up to the IPSS 2018 horizon (for the prefecture check).
    p1_cells: BTreeMap<i32, Cells>,
}

/// A prefecture's (or Japan's) sums.
#[derive(Debug, Clone)]
pub struct AreaRow {
    /// Prefecture code (`00` for Japan).
    pub code: String,
    /// Name.
    pub name: String,
    /// Municipalities summed.
    pub municipalities: usize,
    /// Base population.
    pub base: f64,
    /// Figures by standard scenario, summed.
    pub figures: [Figures; 3],
    /// IPSS 2018's own projection of the area in the years asked (None after 2045).
    pub ipss: Vec<Option<f64>>,
    /// Whether the area has municipalities whose パターン1 is census-based.
    pub has_census_based: bool,
    /// Municipalities of the area not projected (see [`National::skipped`]).
    pub not_projected: usize,
}

/// The national counts per category of the 若年女性人口 indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryCount {
    /// The category.
    pub category: crate::compare::young_women::Category,
    /// Municipalities in it.
    pub count: usize,
}

/// The worst cell of the prefecture check.
#[derive(Debug, Clone, PartialEq)]
pub struct WorstCell {
    /// Prefecture name.
    pub prefecture: String,
    /// Year.
    pub year: i32,
    /// Sex label.
    pub sex: &'static str,
    /// Age label.
    pub age: String,
    /// Sum of the municipalities' パターン1.
    pub sum: f64,
    /// IPSS's prefecture projection.
    pub ipss: f64,
}

/// The result of `jinko national`.
#[derive(Debug, Clone)]
pub struct National<'a> {
    /// The basis.
    pub basis: Basis,
    /// The years reported.
    pub years: Vec<i32>,
    /// The impact year.
    pub impact_year: i32,
    /// The impact levels used.
    pub levels: ImpactLevels,
    /// One row per municipality, in code order.
    pub municipalities: Vec<MunicipalRow<'a>>,
    /// One row per prefecture with municipalities in the run.
    pub prefectures: Vec<AreaRow>,
    /// Japan (the municipalities in the run summed).
    pub japan: AreaRow,
    /// The largest |sum − IPSS| over every prefecture cell 2020–2045 of IPSS-based prefectures.
    pub worst_cell: Option<WorstCell>,
    /// Municipalities not projected, with the reason ([`Bundle::unprojectable`]).
    pub skipped: Vec<(&'a Municipality, String)>,
}

fn figures(p: &Projection, years: &[i32]) -> Result<Figures> {
    let mut totals = Vec::with_capacity(years.len());
    for &y in years {
        totals.push(p.total_in(y).ok_or_else(|| {
            Error::Invalid(format!("the year {y} is not projected (expected a year of the projection, 2015 … its horizon, every five years)"))
        })?);
    }
    let last = *years.last().unwrap_or(&p.years[0]);
    let k = p.years.iter().position(|&y| y == last).unwrap_or(0);
    let cells = &p.population[k];
    let band = |from: usize, to: usize| -> f64 {
        (0..2)
            .map(|s| cells[s][from..=to].iter().sum::<f64>())
            .sum()
    };
    let n = p.ages.len();
    Ok(Figures {
        totals,
        young: band(0, 2),
        old: band(13, n - 1),
    })
}

/// Project one municipality's three standard scenarios.
pub fn municipality<'a>(
    bundle: &Bundle,
    m: &'a Municipality,
    options: &Options,
) -> Result<MunicipalRow<'a>> {
    let with_context = |e: Error| Error::Invalid(format!("{} ({}): {e}", m.name, m.code));
    let pack = bundle.pack(m).map_err(with_context)?;
    let scenarios = match options.basis {
        Basis::H30 => crate::scenario::Scenario::from_texts_some(
            &pack.dir,
            &bundle.scenario_files(m, &pack),
            &pack,
            &options.basis.files(),
        )
        .map_err(with_context)?,
        Basis::R5 => {
            // パターン1 is built (and calibrated) once, to fill Sim1's starting TFR; Sim1 and
            // Sim2 take its calibration.
            let (files, p1) = bundle
                .scenarios_r5(m, &pack)
                .map_err(with_context)?
                .ok_or_else(|| with_context(Error::Invalid("no IPSS 2023 summary".into())))?;
            let sims = crate::scenario::Scenario::from_texts_after(
                &pack.dir,
                &files,
                &pack,
                &options.basis.files()[1..],
                Some(&p1),
            )
            .map_err(with_context)?;
            std::iter::once(p1).chain(sims).collect()
        }
    };
    let projections = match options.engine {
        Engine::Scalar => scenarios
            .iter()
            .map(|s| s.project().map_err(with_context))
            .collect::<Result<Vec<_>>>()?,
        Engine::Batched => batched(&scenarios).map_err(with_context)?,
    };
    let mut warnings = Vec::new();
    for (s, p) in scenarios.iter().zip(&projections) {
        for w in &p.warnings {
            warnings.push(format!("{} {}: {w}", m.name, s.title));
        }
    }
    let years = &options.years;
    let figs = [
        figures(&projections[0], years)?,
        figures(&projections[1], years)?,
        figures(&projections[2], years)?,
    ];
    let y = options.impact_year;
    let impact = options
        .levels
        .assess(
            y,
            projections[0].total_in(y),
            projections[1].total_in(y),
            projections[2].total_in(y),
        )
        .map_err(with_context)?;
    let p1 = &projections[0];
    let mut p1_cells = BTreeMap::new();
    if options.basis == Basis::H30 {
        for (k, &year) in p1.years.iter().enumerate() {
            p1_cells.insert(year, p1.population[k]);
        }
    }
    let (young_women, calibration_worst) = match options.basis {
        Basis::H30 => (None, None),
        Basis::R5 => (
            crate::compare::young_women::young_women(&scenarios[0], p1).map_err(with_context)?,
            Some(summary_worst(&pack, p1)),
        ),
    };
    Ok(MunicipalRow {
        municipality: m,
        census_based: pack.projection.is_none(),
        base: p1.total(0),
        tfr_base: pack
            .parameters
            .get("tfr_base")
            .map_or(f64::NAN, |p| p.value),
        figures: figs,
        natural: impact.natural,
        social: impact.social,
        warnings,
        young_women,
        calibration_worst,
        p1_cells,
    })
}

/// The largest difference, in persons, between a projection and the pack's projection summary
/// (total and three groups) over the years they share.
pub fn summary_worst(pack: &crate::pack::Pack, p: &Projection) -> f64 {
    let n = p.ages.len();
    let mut worst: f64 = 0.0;
    for (k, y) in p.years.iter().enumerate() {
        if let Some(row) = pack.projection_summary.get(y) {
            let g = crate::scenario::calibrate::groups(&p.population[k], n);
            let want = [row.age_0_14, row.age_15_64, row.age_65_plus, row.total];
            for (a, b) in g.iter().zip(want) {
                worst = worst.max((a - b).abs());
            }
        }
    }
    worst
}

fn add(into: &mut Figures, f: &Figures) {
    for (a, b) in into.totals.iter_mut().zip(&f.totals) {
        *a += b;
    }
    into.young += f.young;
    into.old += f.old;
}

/// Project every municipality (of the prefectures asked) and sum them.
pub fn run<'a>(
    bundle: &'a Bundle,
    options: &Options,
    progress: &crate::batch::progress::Progress,
) -> Result<National<'a>> {
    let mut chosen: Vec<&Municipality> = Vec::new();
    let mut skipped = Vec::new();
    for m in bundle.municipalities.iter().filter(|m| {
        options.prefectures.is_empty() || options.prefectures.contains(&m.prefecture_code)
    }) {
        let why = bundle.unprojectable(m).or_else(|| {
            (options.basis == Basis::R5 && bundle.summary_of(m).is_none()).then(|| {
                format!(
                    "{} ({}, {}): not in the IPSS 2023 summary (令和5年推計 projects it with another municipality or not at all)",
                    m.name, m.prefecture, m.code
                )
            })
        });
        match why {
            Some(why) => {
                skipped.push((m, why));
                progress.inc(1);
            }
            None => chosen.push(m),
        }
    }
    let results: Vec<(&Municipality, Result<MunicipalRow>)> = chosen
        .par_iter()
        .map(|m| {
            let r = municipality(bundle, m, options);
            progress.inc(1);
            (*m, r)
        })
        .collect();
    let mut rows: Vec<MunicipalRow> = Vec::with_capacity(results.len());
    for (m, r) in results {
        match (r, options.basis) {
            (Ok(row), _) => rows.push(row),
            // On the 2020 basis a municipality whose published figures the calibration cannot
            // reach is listed, with the reason, as not projected.
            (Err(e), Basis::R5) => skipped.push((m, e.to_string())),
            (Err(e), Basis::H30) => return Err(e),
        }
    }
    progress.finish();
    let zero = || Figures {
        totals: vec![0.0; options.years.len()],
        young: 0.0,
        old: 0.0,
    };
    let ages = AgeGroups::JAPAN;
    let mut prefectures = Vec::new();
    let mut worst: Option<WorstCell> = None;
    for (p, (pcode, pname)) in bundle.prefectures.iter().enumerate() {
        let members: Vec<&MunicipalRow> = rows
            .iter()
            .filter(|r| &r.municipality.prefecture_code == pcode)
            .collect();
        if members.is_empty() {
            continue;
        }
        let mut area = AreaRow {
            code: pcode.clone(),
            name: pname.clone(),
            municipalities: members.len(),
            base: 0.0,
            figures: [zero(), zero(), zero()],
            ipss: Vec::new(),
            has_census_based: members.iter().any(|r| r.census_based),
            not_projected: 0,
        };
        for r in &members {
            area.base += r.base;
            for k in 0..3 {
                add(&mut area.figures[k], &r.figures[k]);
            }
        }
        let ipss = match options.basis {
            Basis::H30 => bundle.prefecture_projection(p),
            Basis::R5 => BTreeMap::new(),
        };
        let total =
            |c: &Cells| -> f64 { (0..2).map(|s| c[s][..ages.len()].iter().sum::<f64>()).sum() };
        area.ipss = match options.basis {
            Basis::H30 => options
                .years
                .iter()
                .map(|y| ipss.get(y).map(total))
                .collect(),
            // IPSS 2023's prefecture figure: the sum of its municipalities' published totals.
            Basis::R5 => options
                .years
                .iter()
                .map(|y| {
                    members
                        .iter()
                        .map(|r| {
                            bundle
                                .summary_of(r.municipality)
                                .and_then(|s| s.rows.get(y))
                                .map(|row| row.total)
                        })
                        .sum::<Option<f64>>()
                })
                .collect(),
        };
        // The cell check: only where every municipality is IPSS-based and the whole prefecture is in.
        let in_prefecture = bundle
            .municipalities
            .iter()
            .filter(|m| &m.prefecture_code == pcode)
            .count();
        area.not_projected = skipped
            .iter()
            .filter(|(m, _)| &m.prefecture_code == pcode)
            .count();
        // The cell check: only where every municipality of the prefecture is in and IPSS-based.
        if !area.has_census_based && members.len() == in_prefecture {
            for (&year, cells) in ipss.iter().filter(|(&y, _)| y > super::pack::BASE_YEAR) {
                let mut sum = [[0.0; MAX_AGES]; 2];
                for r in &members {
                    if let Some(c) = r.p1_cells.get(&year) {
                        for s in 0..2 {
                            for a in 0..ages.len() {
                                sum[s][a] += c[s][a];
                            }
                        }
                    }
                }
                for s in 0..2 {
                    for a in 0..ages.len() {
                        let d = (sum[s][a] - cells[s][a]).abs();
                        if worst.as_ref().is_none_or(|w| d > (w.sum - w.ipss).abs()) {
                            worst = Some(WorstCell {
                                prefecture: pname.clone(),
                                year,
                                sex: if s == 0 { "male" } else { "female" },
                                age: ages.label(a),
                                sum: sum[s][a],
                                ipss: cells[s][a],
                            });
                        }
                    }
                }
            }
        }
        prefectures.push(area);
    }
    let mut japan = AreaRow {
        code: "00".into(),
        name: "全国".into(),
        municipalities: rows.len(),
        base: 0.0,
        figures: [zero(), zero(), zero()],
        ipss: vec![None; options.years.len()],
        has_census_based: prefectures.iter().any(|p| p.has_census_based),
        not_projected: skipped.len(),
    };
    // IPSS's Japan is the sum of its prefectures, where every prefecture is in the run.
    if prefectures.len() == bundle.prefectures.len() {
        japan.ipss = (0..options.years.len())
            .map(|j| prefectures.iter().map(|p| p.ipss[j]).sum::<Option<f64>>())
            .collect();
    }
    for p in &prefectures {
        japan.base += p.base;
        for k in 0..3 {
            add(&mut japan.figures[k], &p.figures[k]);
        }
    }
    Ok(National {
        basis: options.basis,
        years: options.years.clone(),
        impact_year: options.impact_year,
        levels: options.levels.clone(),
        municipalities: rows,
        prefectures,
        japan,
        worst_cell: worst,
        skipped,
    })
}

impl National<'_> {
    /// The national counts per category of the 若年女性人口 indicator (2020 basis), in the
    /// report's order; empty on the 2015 basis.
    pub fn category_counts(&self) -> Result<Vec<CategoryCount>> {
        if self.basis != Basis::R5 {
            return Ok(Vec::new());
        }
        let d = crate::compare::young_women::Definition::get()?;
        Ok(d.category
            .iter()
            .map(|c| CategoryCount {
                category: c.clone(),
                count: self
                    .municipalities
                    .iter()
                    .filter(|r| {
                        r.young_women
                            .as_ref()
                            .and_then(|y| y.category.as_ref())
                            .is_some_and(|k| k.id == c.id)
                    })
                    .count(),
            })
            .collect())
    }

    /// The largest calibration difference over the municipalities (2020 basis), with the
    /// municipality.
    pub fn calibration_worst(&self) -> Option<(&Municipality, f64)> {
        self.municipalities
            .iter()
            .filter_map(|r| r.calibration_worst.map(|w| (r.municipality, w)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

impl MunicipalRow<'_> {
    /// パターン1's population in `year`, if projected.
    pub fn p1_cells(&self, year: i32) -> Option<&Cells> {
        self.p1_cells.get(&year)
    }

    /// Figures of a standard scenario.
    pub fn of(&self, s: Standard) -> &Figures {
        &self.figures[s.index()]
    }
}

impl AreaRow {
    /// Figures of a standard scenario.
    pub fn of(&self, s: Standard) -> &Figures {
        &self.figures[s.index()]
    }
}
