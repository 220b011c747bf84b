//! What the server holds: the places it can simulate (every municipality of the national bundle,
//! and the packs it was started with), the built パターン1 of each place and basis used (packs at
//! start, the bundle's on first use, kept in a bounded cache), and the simulation itself: a
//! request's scenario TOML built over パターン1 in memory and projected by the same code as
//! `jinko project`.
//!
//! Two bases, as `jinko national --basis` has them: 2015 (IPSS 2018: `pattern1.toml`, `sim1.toml`,
//! `sim2.toml`, the official path IPSS 2018's totals) and 2020 (IPSS 2023 estimated:
//! `pattern1-r5.toml` etc., the scenario texts `jinko init` writes with
//! [`Bundle::scenario_files_r5`]; パターン1 calibrated to the IPSS 2023 summary; the official path
//! the summary's totals 2020–2050). A municipality the summary does not hold, or whose published
//! figures the calibration cannot reach (利島村, 青ヶ島村, 上北山村), is a 422 naming why. A pack
//! folder offers the 2020 basis when one of its `role = "pattern1"` scenarios has base year 2020
//! (as `jinko init` writes); its 2015 basis is the パターン1 with base year 2015 (or, failing that,
//! any other base year but 2020).
//!
//! No request reaches the file system: the packs are read once at start (their `pack.toml`, data
//! files and the scenario files beside it), the bundle is inside the binary.

use super::api::{self, ApiError, Context, Frame, Request, USER_FILE};
use crate::compare::{ImpactLevels, ImpactResult};
use crate::engine::Projection;
use crate::error::{Error, Result};
use crate::national::run::Basis;
use crate::national::{Bundle, Municipality};
use crate::pack::Pack;
use crate::scenario::raw::RawScenario;
use crate::scenario::{Role, Scenario};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Built パターン1s kept in memory (bundle places and bases; the oldest is dropped first).
pub const CACHE_PLACES: usize = 64;

/// The most scenario files read from one pack folder.
pub const MAX_PACK_SCENARIOS: usize = 64;

/// The year of the impact analysis, in years after the base year (`jinko national`'s default:
/// 2045 on the 2015 basis, 2050 on the 2020 basis).
pub const IMPACT_AFTER: i32 = crate::compare::impact::IMPACT_AFTER;

/// A place in a list or an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceInfo {
    /// The id requests use: a bundle code (40205) or `pack:N`.
    pub id: String,
    /// The municipal code (may be empty for a pack without one).
    pub code: String,
    /// Name.
    pub name: String,
    /// Prefecture (empty for a pack).
    pub prefecture: String,
    /// Where it comes from: `bundle` or `pack`.
    pub source: &'static str,
}

/// One place ready to simulate on one basis: its pack, its パターン1 and the standard scenarios.
#[derive(Debug)]
pub struct Base {
    /// The place.
    pub place: PlaceInfo,
    /// The basis.
    pub basis: Basis,
    /// The data pack.
    pub pack: Pack,
    /// パターン1's file and the files it extends (name, text), child first.
    pub chain: Vec<(String, String)>,
    /// パターン1 built.
    pub pattern1: Scenario,
    /// Its projection.
    pub p1: Projection,
    /// Totals of シミュレーション1 and 2 by year, where the place has them.
    pub sims: Option<[Vec<f64>; 2]>,
    /// The impact levels [`IMPACT_AFTER`] years after the base year, where Sim1 and Sim2 exist.
    pub impact: Option<ImpactResult>,
    /// The official path (the published projection of the basis), (year, total).
    pub official: Vec<(i32, f64)>,
    /// Its label.
    pub official_label: String,
    /// The TFR パターン1's first period stands for (`tfr_base`, times the calibration's factor
    /// on the child–woman ratio on the 2020 basis): where a TFR control's path starts.
    pub tfr_start: Option<f64>,
    /// Years, ages.
    pub frame: Frame,
    /// How to reproduce an exported file.
    pub reproduce: String,
}

impl Base {
    /// What the request's TOML needs.
    pub fn context(&self) -> Context {
        Context {
            name: self.place.name.clone(),
            code: self.place.code.clone(),
            pattern1: self.chain[0].0.clone(),
            reproduce: self.reproduce.clone(),
            base_year: self.frame.base_year,
            horizon: self.frame.horizon,
            tfr_base: self.tfr_start,
        }
    }

    fn new(
        place: PlaceInfo,
        basis: Basis,
        pack: Pack,
        chains: [Vec<(String, String)>; 3],
        reproduce: String,
    ) -> Result<Base> {
        let build = |chain: &[(String, String)]| -> Result<Scenario> {
            let files: Vec<(&str, String)> =
                chain.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
            let mut v = Scenario::from_texts_some(&pack.dir, &files, &pack, &[files[0].0])?;
            Ok(v.swap_remove(0))
        };
        let pattern1 = build(&chains[0])?;
        let p1 = pattern1.project()?;
        let mut sims = None;
        if !chains[1].is_empty() && !chains[2].is_empty() {
            let t = |c: &[(String, String)]| -> Result<Vec<f64>> {
                let p = build(c)?.project()?;
                Ok((0..p.years.len()).map(|k| p.total(k)).collect())
            };
            sims = Some([t(&chains[1])?, t(&chains[2])?]);
        }
        let frame = Frame {
            base_year: pattern1.model.base_year,
            horizon: pattern1.model.horizon(),
            ages: pattern1.model.ages,
        };
        let at = |v: &[f64], y: i32| {
            p1.years
                .iter()
                .position(|&x| x == y)
                .and_then(|k| v.get(k).copied())
        };
        let impact_year = frame.base_year + IMPACT_AFTER;
        let impact = sims.as_ref().and_then(|[s1, s2]| {
            ImpactLevels::default_levels()
                .assess(
                    impact_year,
                    p1.total_in(impact_year),
                    at(s1, impact_year),
                    at(s2, impact_year),
                )
                .ok()
        });
        let (official, official_label) = match basis {
            Basis::H30 => (
                crate::output::chart::build::ipss_totals(&pack),
                pack.compare.official_label.clone(),
            ),
            Basis::R5 => (
                pack.projection_summary
                    .iter()
                    .map(|(&y, r)| (y, r.total))
                    .collect(),
                pack.compare.summary_label.clone(),
            ),
        };
        let tfr_start = pattern1.base_tfr_in(frame.base_year + 5);
        Ok(Base {
            place,
            basis,
            chain: chains[0].clone(),
            pack,
            pattern1,
            p1,
            sims,
            impact,
            official,
            official_label,
            tfr_start,
            frame,
            reproduce,
        })
    }
}

/// A pack folder the server was started with: its place, and its base on each basis (2015,
/// 2020), or why it has none on that basis.
#[derive(Debug)]
struct PackPlace {
    place: PlaceInfo,
    bases: [std::result::Result<Arc<Base>, String>; 2],
}

/// The index of a basis in [`PackPlace::bases`].
fn slot(basis: Basis) -> usize {
    match basis {
        Basis::H30 => 0,
        Basis::R5 => 1,
    }
}

/// The server's places and cache.
#[derive(Debug)]
pub struct State {
    bundle: &'static Bundle,
    packs: Vec<PackPlace>,
    cache: Mutex<Cache>,
}

/// Built places by `code@basis`, and the keys in the order they were built (the oldest is
/// dropped first).
type Cache = (HashMap<String, Arc<Base>>, VecDeque<String>);

impl State {
    /// The bundle and the packs in `dirs`, each read and built now.
    pub fn new(dirs: &[std::path::PathBuf]) -> Result<State> {
        let bundle = Bundle::get()?;
        let mut packs = Vec::new();
        for (i, d) in dirs.iter().enumerate() {
            packs.push(pack_place(i, d)?);
        }
        Ok(State {
            bundle,
            packs,
            cache: Mutex::new((HashMap::new(), VecDeque::new())),
        })
    }

    /// Places whose name, prefecture + name or code contains `q` (at most `limit`; packs first).
    pub fn search(&self, q: &str, limit: usize) -> Vec<PlaceInfo> {
        let q = q.trim();
        let mut out: Vec<PlaceInfo> = self
            .packs
            .iter()
            .filter(|p| {
                q.is_empty()
                    || p.place.name.contains(q)
                    || (!p.place.code.is_empty() && p.place.code.starts_with(q))
            })
            .map(|p| p.place.clone())
            .collect();
        if q.is_empty() {
            return out.into_iter().take(limit).collect();
        }
        for m in &self.bundle.municipalities {
            if out.len() >= limit {
                break;
            }
            let full = format!("{}{}", m.prefecture, m.name);
            if m.code.starts_with(q) || full.contains(q) {
                out.push(bundle_info(m));
            }
        }
        out
    }

    /// The place `id` built on `basis` (a pack, or a bundle code: built on first use, then
    /// cached).
    pub fn base(&self, id: &str, basis: Basis) -> std::result::Result<Arc<Base>, ApiError> {
        if let Some(n) = id.strip_prefix("pack:") {
            let p = n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.packs.get(i))
                .ok_or_else(|| {
                    ApiError {
                        status: 404,
                        field: Some("place".into()),
                        error: format!(
                            "place: {id}: no such pack; expected pack:0 … pack:{} (the --pack folders the server was started with)",
                            self.packs.len() as i64 - 1
                        ),
                    }
                })?;
            return p.bases[slot(basis)]
                .clone()
                .map_err(|why| not_on_basis(basis, why));
        }
        if !(id.len() == 5 && id.bytes().all(|b| b.is_ascii_digit())) {
            return Err(unknown(format!(
                "{}: expected a municipal code of 5 digits such as 40205 (search by name with /api/places?q=)",
                shorten(id)
            )));
        }
        let key = format!("{id}@{}", basis.base_year());
        if let Some(b) = self.cached(&key) {
            return Ok(b);
        }
        let m = self.bundle.by_code(id).ok_or_else(|| {
            unknown(format!(
                "{id}: no municipality of the national bundle has this code"
            ))
        })?;
        let base = Arc::new(bundle_base(self.bundle, m, basis)?);
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if !c.0.contains_key(&key) {
            if c.1.len() >= CACHE_PLACES {
                if let Some(old) = c.1.pop_front() {
                    c.0.remove(&old);
                }
            }
            c.1.push_back(key.clone());
            c.0.insert(key, base.clone());
        }
        Ok(base)
    }

    fn cached(&self, id: &str) -> Option<Arc<Base>> {
        let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        c.0.get(id).cloned()
    }
}

/// A 422: the place exists but cannot be simulated on `basis`, and why.
fn not_on_basis(basis: Basis, why: String) -> ApiError {
    let other = match basis {
        Basis::H30 => 2020,
        Basis::R5 => 2015,
    };
    ApiError {
        status: 422,
        field: Some("basis".into()),
        error: format!(
            "basis: {}: {why} — this place can be simulated on basis {other}",
            basis.base_year()
        ),
    }
}

fn unknown(msg: String) -> ApiError {
    ApiError {
        status: 404,
        field: Some("place".into()),
        error: format!("place: {msg}"),
    }
}

/// At most 40 characters of what a request sent, for messages.
fn shorten(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if t.len() < s.len() {
        format!("{t:?}…")
    } else {
        format!("{t:?}")
    }
}

fn bundle_info(m: &Municipality) -> PlaceInfo {
    PlaceInfo {
        id: m.code.clone(),
        code: m.code.clone(),
        name: m.name.clone(),
        prefecture: m.prefecture.clone(),
        source: "bundle",
    }
}

/// The base of a bundle municipality on `basis`: the same pack and scenario texts `jinko init`
/// writes. A municipality that cannot be projected at all is a 404 (as an unknown place); one
/// the 2020 basis cannot form is a 422 naming why.
fn bundle_base(
    bundle: &Bundle,
    m: &Municipality,
    basis: Basis,
) -> std::result::Result<Base, ApiError> {
    let who = format!("{} ({}, {})", m.name, m.prefecture, m.code);
    let no_summary = || {
        not_on_basis(
            basis,
            format!("{who}: not in the IPSS 2023 summary (令和5年推計 projects it with another municipality or not at all)"),
        )
    };
    if basis == Basis::R5 && bundle.summary_of(m).is_none() {
        return Err(no_summary());
    }
    let pack = bundle.pack(m).map_err(|e| ApiError {
        status: 404,
        field: Some("place".into()),
        error: format!("place: {e}"),
    })?;
    let owned: Vec<(String, String)> = match basis {
        Basis::H30 => bundle.scenario_files(m, &pack),
        Basis::R5 => bundle
            .scenario_files_r5(m, &pack)
            .map_err(|e| {
                not_on_basis(
                    basis,
                    format!("{who}: the 2020 basis cannot be formed: {e}"),
                )
            })?
            .ok_or_else(no_summary)?,
    }
    .into_iter()
    .map(|(n, t)| (n.to_string(), t))
    .collect();
    // H30: pattern1, sim1 (extends pattern1), sim2 (extends sim1). R5: pattern1 (2015), then
    // pattern1-r5 (extends pattern1), sim1-r5, sim2-r5, each extending the one before.
    let first = owned.len() - 3;
    let chain =
        |k: usize| -> Vec<(String, String)> { owned[..=first + k].iter().rev().cloned().collect() };
    let chains = [chain(0), chain(1), chain(2)];
    let reproduce = format!(
        "jinko init {code} --out {name} で書いたフォルダ {name}/ にこのファイルを {USER_FILE} として置き, jinko project {name}/{USER_FILE}",
        code = m.code,
        name = m.name
    );
    Base::new(bundle_info(m), basis, pack, chains, reproduce).map_err(|e| match basis {
        Basis::R5 => not_on_basis(
            basis,
            format!("{who}: the 2020 basis cannot be formed: {e}"),
        ),
        Basis::H30 => ApiError {
            status: 404,
            field: Some("place".into()),
            error: format!("place: {e}"),
        },
    })
}

/// The scenario files beside the pack's `pack.toml` (name, text) and their parsed form; files
/// that are not scenarios (kpi.toml, study specs) are skipped.
type Scenarios = (Vec<(String, String)>, Vec<(String, RawScenario)>);

fn pack_scenarios(pack: &Pack) -> Result<Scenarios> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let entries = std::fs::read_dir(&pack.dir).map_err(|e| Error::io(&pack.dir, e))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".toml") && n != crate::pack::MANIFEST && n != USER_FILE)
        .collect();
    names.sort();
    if names.len() > MAX_PACK_SCENARIOS {
        return Err(Error::Invalid(format!(
            "{}: {} TOML files: expected at most {MAX_PACK_SCENARIOS} scenarios in a pack folder",
            pack.dir.display(),
            names.len()
        )));
    }
    let mut raws = Vec::new();
    for n in names {
        let path = pack.dir.join(&n);
        let text = crate::input::read_text(&path)?;
        let Ok(raw) = crate::tomlfile::parse::<RawScenario>(&text, &path) else {
            continue;
        };
        raws.push((n.clone(), raw));
        texts.push((n, text));
    }
    Ok((texts, raws))
}

/// The pack in `dir` on both bases: its scenario files read once, パターン1 the one with
/// `role = "pattern1"` and the basis's base year (Sim1 and Sim2 by their roles, among the
/// scenarios that extend that パターン1).
fn pack_place(i: usize, dir: &Path) -> Result<PackPlace> {
    let pack = Pack::load(dir)?;
    let (texts, raws) = pack_scenarios(&pack)?;
    // The chain of file `first` (child first), through `extends`.
    let chain_of = |first: usize| -> Result<Vec<usize>> {
        let mut out = vec![first];
        let mut at = first;
        while let Some(parent) = raws[at].1.extends.clone() {
            let Some(j) = texts.iter().position(|(n, _)| *n == parent) else {
                return Err(Error::Invalid(format!(
                    "{}: extends {parent}, which is not a scenario of the pack folder",
                    pack.dir.join(&texts[at].0).display()
                )));
            };
            if out.len() > texts.len() {
                return Err(Error::Invalid(format!(
                    "{}: `extends` makes a cycle",
                    pack.dir.join(&texts[first].0).display()
                )));
            }
            out.push(j);
            at = j;
        }
        Ok(out)
    };
    let base_year = |chain: &[usize]| chain.iter().find_map(|&k| raws[k].1.base_year);
    let texts_of = |chain: &[usize]| -> Vec<(String, String)> {
        chain.iter().map(|&k| texts[k].clone()).collect()
    };
    // Every scenario with a role, with its chain and base year.
    let mut roled = Vec::new();
    for (k, (_, r)) in raws.iter().enumerate() {
        if let Some(role) = r.role {
            let c = chain_of(k)?;
            let y = base_year(&c);
            roled.push((role, c, y));
        }
    }
    let pattern1 = |basis: Basis| -> Option<&Vec<usize>> {
        let of = |y: Option<i32>| {
            roled
                .iter()
                .find(|(r, _, by)| *r == Role::Pattern1 && *by == y)
        };
        match basis {
            Basis::R5 => of(Some(2020)),
            Basis::H30 => of(Some(2015)).or_else(|| {
                roled
                    .iter()
                    .find(|(r, _, by)| *r == Role::Pattern1 && *by != Some(2020))
            }),
        }
        .map(|(_, c, _)| c)
    };
    let place = PlaceInfo {
        id: format!("pack:{i}"),
        code: pack.code.clone().unwrap_or_default(),
        name: pack.name.clone(),
        prefecture: String::new(),
        source: "pack",
    };
    let reproduce = format!(
        "{} にこのファイルを {USER_FILE} として置き, jinko project {}",
        pack.dir.display(),
        pack.dir.join(USER_FILE).display()
    );
    let mut bases = [Err(String::new()), Err(String::new())];
    for basis in [Basis::H30, Basis::R5] {
        let Some(p1) = pattern1(basis) else {
            bases[slot(basis)] = Err(format!(
                "{}: no scenario with role = \"pattern1\" and base year {} in the pack folder",
                pack.dir.display(),
                basis.base_year()
            ));
            continue;
        };
        // Sim1 and Sim2: the scenarios of that role whose nearest パターン1 is this one.
        let sim = |role: Role| -> Vec<(String, String)> {
            roled
                .iter()
                .find(|(r, c, _)| {
                    *r == role
                        && c.iter().find(|&&k| raws[k].1.role == Some(Role::Pattern1))
                            == Some(&p1[0])
                })
                .map(|(_, c, _)| texts_of(c))
                .unwrap_or_default()
        };
        let chains = [texts_of(p1), sim(Role::Sim1), sim(Role::Sim2)];
        let base = Base::new(
            place.clone(),
            basis,
            pack.clone(),
            chains,
            reproduce.clone(),
        )?;
        bases[slot(basis)] = Ok(Arc::new(base));
    }
    if bases.iter().all(|b| b.is_err()) {
        return Err(Error::Invalid(format!(
            "{}: no scenario with role = \"pattern1\": expected the pack's パターン1 beside pack.toml (jinko init writes pattern1.toml)",
            pack.dir.display()
        )));
    }
    Ok(PackPlace { place, bases })
}

/// A request's scenario built and projected.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario TOML.
    pub toml: String,
    /// The scenario.
    pub scenario: Scenario,
    /// Its projection.
    pub projection: Projection,
}

/// Build and project the request's scenario over the place's パターン1.
pub fn simulate(base: &Base, req: &Request) -> std::result::Result<Outcome, ApiError> {
    req.check(&base.frame)?;
    let toml = req.toml(&base.context());
    let mut files: Vec<(&str, String)> = vec![(USER_FILE, toml.clone())];
    for (n, t) in &base.chain {
        files.push((n.as_str(), t.clone()));
    }
    let mut built = Scenario::from_texts_some(&base.pack.dir, &files, &base.pack, &[USER_FILE])
        .map_err(ApiError::from_scenario)?;
    let scenario = built.swap_remove(0);
    let projection = scenario.project().map_err(ApiError::from_scenario)?;
    Ok(Outcome {
        toml,
        scenario,
        projection,
    })
}

/// Convert the request's household to the solver's form.
pub fn household_cells(
    base: &Base,
    h: &api::Households,
) -> std::result::Result<Vec<(Option<crate::grid::Sex>, usize, f64)>, ApiError> {
    let text: Vec<String> = Request::household(h)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    crate::batch::solve::parse_household(&text.join(","), base.frame.ages)
        .map_err(|e| ApiError::bad("households.custom", e))
}
