//! What the server holds: the places it can simulate (every municipality of the national bundle,
//! and the packs it was started with), the built パターン1 of each place used (packs at start, the
//! bundle's on first use, kept in a bounded cache), and the simulation itself: a request's
//! scenario TOML built over パターン1 in memory and projected by the same code as `jinko project`.
//!
//! No request reaches the file system: the packs are read once at start (their `pack.toml`, data
//! files and the scenario files beside it), the bundle is inside the binary.

use super::api::{self, ApiError, Context, Frame, Request, USER_FILE};
use crate::compare::{ImpactLevels, ImpactResult};
use crate::engine::Projection;
use crate::error::{Error, Result};
use crate::national::{Bundle, Municipality};
use crate::pack::Pack;
use crate::scenario::{Role, Scenario};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Built パターン1s kept in memory (bundle places; the oldest is dropped first).
pub const CACHE_PLACES: usize = 64;

/// The most scenario files read from one pack folder.
pub const MAX_PACK_SCENARIOS: usize = 64;

/// The year of the impact analysis (the Cabinet Office guide's and `jinko national`'s default).
pub const IMPACT_YEAR: i32 = 2045;

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

/// One place ready to simulate: its pack, its パターン1 and the standard scenarios' paths.
#[derive(Debug)]
pub struct Base {
    /// The place.
    pub place: PlaceInfo,
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
    /// The impact levels in [`IMPACT_YEAR`], where Sim1 and Sim2 exist.
    pub impact: Option<ImpactResult>,
    /// The official path (the pack's published projection), (year, total).
    pub official: Vec<(i32, f64)>,
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
            tfr_base: self.pattern1.tfr_base,
        }
    }

    fn new(
        place: PlaceInfo,
        pack: Pack,
        chains: [Vec<(String, String)>; 3],
        reproduce: String,
    ) -> Result<Base> {
        let build = |chain: &[(String, String)]| -> Result<Scenario> {
            let files: Vec<(&str, String)> =
                chain.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
            let mut v = Scenario::from_texts(&pack.dir, &files, &pack)?;
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
        let impact = sims.as_ref().and_then(|[s1, s2]| {
            ImpactLevels::default_levels()
                .assess(
                    IMPACT_YEAR,
                    p1.total_in(IMPACT_YEAR),
                    at(s1, IMPACT_YEAR),
                    at(s2, IMPACT_YEAR),
                )
                .ok()
        });
        let official = crate::output::chart::build::ipss_totals(&pack);
        Ok(Base {
            place,
            chain: chains[0].clone(),
            pack,
            pattern1,
            p1,
            sims,
            impact,
            official,
            frame,
            reproduce,
        })
    }
}

/// The server's places and cache.
#[derive(Debug)]
pub struct State {
    bundle: &'static Bundle,
    packs: Vec<Arc<Base>>,
    cache: Mutex<Cache>,
}

/// Built places by id, and the ids in the order they were built (the oldest is dropped first).
type Cache = (HashMap<String, Arc<Base>>, VecDeque<String>);

impl State {
    /// The bundle and the packs in `dirs`, each read and built now.
    pub fn new(dirs: &[std::path::PathBuf]) -> Result<State> {
        let bundle = Bundle::get()?;
        let mut packs = Vec::new();
        for (i, d) in dirs.iter().enumerate() {
            packs.push(Arc::new(pack_base(i, d)?));
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
            .filter(|b| {
                q.is_empty()
                    || b.place.name.contains(q)
                    || (!b.place.code.is_empty() && b.place.code.starts_with(q))
            })
            .map(|b| b.place.clone())
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

    /// The place `id` built (a pack, or a bundle code: built on first use, then cached).
    pub fn base(&self, id: &str) -> std::result::Result<Arc<Base>, ApiError> {
        if let Some(n) = id.strip_prefix("pack:") {
            return n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.packs.get(i).cloned())
                .ok_or_else(|| {
                    ApiError {
                        status: 404,
                        field: Some("place".into()),
                        error: format!(
                            "place: {id}: no such pack; expected pack:0 … pack:{} (the --pack folders the server was started with)",
                            self.packs.len() as i64 - 1
                        ),
                    }
                });
        }
        if !(id.len() == 5 && id.bytes().all(|b| b.is_ascii_digit())) {
            return Err(unknown(format!(
                "{}: expected a municipal code of 5 digits such as 40205 (search by name with /api/places?q=)",
                shorten(id)
            )));
        }
        if let Some(b) = self.cached(id) {
            return Ok(b);
        }
        let m = self.bundle.by_code(id).ok_or_else(|| {
            unknown(format!(
                "{id}: no municipality of the national bundle has this code"
            ))
        })?;
        let base = Arc::new(bundle_base(self.bundle, m).map_err(|e| ApiError {
            status: 404,
            field: Some("place".into()),
            error: format!("place: {e}"),
        })?);
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if !c.0.contains_key(id) {
            if c.1.len() >= CACHE_PLACES {
                if let Some(old) = c.1.pop_front() {
                    c.0.remove(&old);
                }
            }
            c.1.push_back(id.to_string());
            c.0.insert(id.to_string(), base.clone());
        }
        Ok(base)
    }

    fn cached(&self, id: &str) -> Option<Arc<Base>> {
        let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        c.0.get(id).cloned()
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

/// The base of a bundle municipality: the same pack and scenario texts `jinko init` writes.
fn bundle_base(bundle: &Bundle, m: &Municipality) -> Result<Base> {
    let pack = bundle.pack(m)?;
    let files = bundle.scenario_files(m, &pack);
    let owned: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.clone()))
        .collect();
    // sim1 extends pattern1, sim2 extends sim1.
    let chains = [
        vec![owned[0].clone()],
        vec![owned[1].clone(), owned[0].clone()],
        vec![owned[2].clone(), owned[1].clone(), owned[0].clone()],
    ];
    let reproduce = format!(
        "jinko init {code} --out {name} で書いたフォルダ {name}/ にこのファイルを {USER_FILE} として置き, jinko project {name}/{USER_FILE}",
        code = m.code,
        name = m.name
    );
    Base::new(bundle_info(m), pack, chains, reproduce)
}

/// The base of the pack in `dir`: its scenario files read once, パターン1 the one with
/// `role = "pattern1"` (Sim1 and Sim2 by their roles, if present).
fn pack_base(i: usize, dir: &Path) -> Result<Base> {
    let pack = Pack::load(dir)?;
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
        // Files that are not scenarios (kpi.toml, study specs) are skipped.
        let Ok(raw) = crate::tomlfile::parse::<crate::scenario::raw::RawScenario>(&text, &path)
        else {
            continue;
        };
        raws.push((n.clone(), raw));
        texts.push((n, text));
    }
    let chain = |role: Role| -> Result<Vec<(String, String)>> {
        let Some(first) = raws.iter().position(|(_, r)| r.role == Some(role)) else {
            return Ok(Vec::new());
        };
        let mut out = vec![texts[first].clone()];
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
            out.push(texts[j].clone());
            at = j;
        }
        Ok(out)
    };
    let chains = [
        chain(Role::Pattern1)?,
        chain(Role::Sim1)?,
        chain(Role::Sim2)?,
    ];
    if chains[0].is_empty() {
        return Err(Error::Invalid(format!(
            "{}: no scenario with role = \"pattern1\": expected the pack's パターン1 beside pack.toml (jinko init writes pattern1.toml)",
            pack.dir.display()
        )));
    }
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
    Base::new(place, pack, chains, reproduce)
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
    let mut built = Scenario::from_texts(&base.pack.dir, &files, &base.pack)
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
