//! The API's request: the page's controls, checked, and written as the scenario TOML that extends
//! the municipality's パターン1. Each control is one key of the scenario language, so the file the
//! page exports is the very text the live result was projected from:
//!
//! | request field | scenario TOML |
//! | --- | --- |
//! | `tfr = {value, by}` | `[fertility] tfr = { BASE+5 = start, by = value }` (Sim1's form: linear from the TFR パターン1's first period stands for — `tfr_base`, times the calibrated child–woman ratio factor on the 2020 basis — held after) |
//! | `migration = {kind: "multiplier", value, from}` | `[migration] multiplier = { from = value }` |
//! | `migration = {kind: "net", value, from}` | `[migration] net_migration = { from = value, from+5 = value, … }` (persons per five-year period, every period from `from`) |
//! | `households = {per_year, kind, custom?, from}` | `[[measures]] households_per_year, from, household = {…}` (until the year before the horizon) |
//! | `mortality = {value, from}` | `[survival] mortality = { from = value }` (× the probability of dying) |
//!
//! `basis` (2015 or 2020) chooses the パターン1 extended (`pattern1.toml` or `pattern1-r5.toml`).
//! `target` and `year` are not scenario keys: they choose what the answer compares and shows.
//! Household types: 20代夫婦 = a man and a woman, each half 20-24 and half 25-29; 30代夫婦と子1人
//! = the same at 30-34/35-39 and a child 0-4 of either sex; 60代夫婦 = the same at 60-64/65-69;
//! `custom` = any `{"female 30-34" = 1, "0-4" = 1, …}` the scenario language accepts.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The name of the exported scenario file (messages name it; the export suggests it).
pub const USER_FILE: &str = "jinko-serve.toml";

/// The largest request body, in bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// The most entries of a custom household.
pub const MAX_HOUSEHOLD_ENTRIES: usize = 64;

/// The most settling households a year (the bracket `jinko solve households` searches).
pub const MAX_HOUSEHOLDS: f64 = 1e6;

/// A simulation request.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The municipality: a code of the national bundle, or `pack:N` for the N-th `--pack`.
    pub place: String,
    /// The basis (base year): 2015 (IPSS 2018) or 2020 (IPSS 2023, estimated).
    #[serde(default = "default_basis")]
    pub basis: i32,
    /// The TFR reached, and the year.
    #[serde(default)]
    pub tfr: Option<Tfr>,
    /// Migration: a multiplier or a net-migration target per period, from a year on.
    #[serde(default)]
    pub migration: Option<Migration>,
    /// Settling households a year (定住組数).
    #[serde(default)]
    pub households: Option<Households>,
    /// Mortality multiplier (survival improvement below 1).
    #[serde(default)]
    pub mortality: Option<Mortality>,
    /// The target population (not a scenario key).
    #[serde(default)]
    pub target: Option<Target>,
    /// The year of the pyramid (default: the horizon).
    #[serde(default)]
    pub year: Option<i32>,
}

fn default_basis() -> i32 {
    2015
}

/// The basis a request names by its base year (`field` for the message).
pub fn basis(year: i32, field: &str) -> Result<crate::national::run::Basis, ApiError> {
    use crate::national::run::Basis;
    match year {
        2015 => Ok(Basis::H30),
        2020 => Ok(Basis::R5),
        _ => Err(ApiError::bad(
            field,
            format!("{year}: expected 2015 (base 2015, IPSS 2018) or 2020 (base 2020, IPSS 2023 estimated)"),
        )),
    }
}

/// The TFR reached by a year.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tfr {
    /// The TFR reached.
    pub value: f64,
    /// The year it is reached.
    pub by: i32,
}

/// How migration is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrationKind {
    /// × the derived net migration rates.
    Multiplier,
    /// Net migrants per five-year period.
    Net,
}

/// Migration from a period on.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    /// Multiplier or net target.
    pub kind: MigrationKind,
    /// The multiplier, or the net migrants of each five-year period.
    pub value: f64,
    /// The first period's start year.
    pub from: i32,
}

/// Household types of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HouseholdKind {
    /// 20代夫婦.
    #[serde(rename = "couple-20s")]
    Couple20s,
    /// 30代夫婦と子1人.
    #[serde(rename = "couple-30s-child")]
    Couple30sChild,
    /// 60代夫婦.
    #[serde(rename = "couple-60s")]
    Couple60s,
    /// `custom` persons.
    Custom,
}

/// Settling households a year.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Households {
    /// Households a year.
    pub per_year: f64,
    /// The household type.
    pub kind: HouseholdKind,
    /// Persons of a `custom` household ("female 30-34" = 1, "0-4" = 1 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<BTreeMap<String, f64>>,
    /// The first year households arrive.
    pub from: i32,
}

/// Mortality multiplier from a period on.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mortality {
    /// × the probability of dying (0.9: 10% lower).
    pub value: f64,
    /// The first period's start year.
    pub from: i32,
}

/// The target population in a year.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The year.
    pub year: i32,
    /// Persons.
    pub population: f64,
}

/// What a solve asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unknown {
    /// The TFR reached by `tfr.by`.
    Tfr,
    /// The migration multiplier from `migration.from`.
    Migration,
    /// Settling households a year.
    Households,
}

/// A solve request: the controls and what to solve for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolveRequest {
    /// What to solve for.
    pub solve: Unknown,
    /// The controls (the solved one is replaced).
    pub request: Request,
}

/// An API error: the HTTP status, the request field (dotted) and the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// The field, e.g. `tfr.by`.
    pub field: Option<String>,
    /// What was wrong and what was expected.
    pub error: String,
}

impl ApiError {
    /// A 400 naming `field`.
    pub fn bad(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            field: Some(field.into()),
            error: format!("{field}: {}", message.into()),
        }
    }

    /// An error with a status and no field.
    pub fn status(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            field: None,
            error: message.into(),
        }
    }

    /// A library error from building or projecting the request's scenario: an input error at a
    /// key of the generated file names the request field that wrote it.
    pub fn from_scenario(e: Error) -> ApiError {
        match &e {
            Error::Input { location, message } => {
                let field = location.field.as_deref().and_then(request_field);
                match field {
                    Some(f) => ApiError::bad(f, message.clone()),
                    None => ApiError::status(400, e.to_string()),
                }
            }
            Error::Invalid(m) => ApiError::status(400, m.clone()),
            _ => ApiError::status(500, e.to_string()),
        }
    }
}

/// The request field that writes scenario key `key`.
fn request_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "fertility.tfr" => "tfr.value",
        "migration.multiplier" | "migration.net_migration" => "migration.value",
        "measures" => "households",
        "survival.mortality" => "mortality.value",
        _ => return None,
    })
}

/// Parse a JSON body into `T`, naming the field of a type error (`tfr.by: invalid type …`).
pub fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        if path.is_empty() || path == "." {
            ApiError::status(
                400,
                format!("the request body: {msg}: expected a JSON object"),
            )
        } else {
            ApiError::bad(&path, msg)
        }
    })
}

/// The years and ages the checks need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The base year.
    pub base_year: i32,
    /// The horizon.
    pub horizon: i32,
    /// The age groups.
    pub ages: crate::grid::AgeGroups,
}

impl Frame {
    fn period_start(&self, field: &str, y: i32) -> Result<(), ApiError> {
        let (b, h) = (self.base_year, self.horizon - 5);
        if y < b || y > h || (y - b) % 5 != 0 {
            return Err(ApiError::bad(
                field,
                format!(
                    "{y}: expected the start year of a projection period, {b}, {} … {h}",
                    b + 5
                ),
            ));
        }
        Ok(())
    }

    fn projected_year(&self, field: &str, y: i32) -> Result<(), ApiError> {
        let (b, h) = (self.base_year, self.horizon);
        if y < b || y > h || (y - b) % 5 != 0 {
            return Err(ApiError::bad(
                field,
                format!("{y}: expected a projected year, {b}, {} … {h}", b + 5),
            ));
        }
        Ok(())
    }
}

impl Request {
    /// Check what the scenario language does not check itself: the basis, years, bounds, the
    /// household type; values are checked again when the generated scenario is built.
    pub fn check(&self, f: &Frame) -> Result<(), ApiError> {
        basis(self.basis, "basis")?;
        if let Some(t) = &self.tfr {
            let first = f.base_year + 6;
            if t.by < first || t.by > f.horizon {
                return Err(ApiError::bad(
                    "tfr.by",
                    format!("{}: expected a year from {first} to {}", t.by, f.horizon),
                ));
            }
        }
        if let Some(m) = &self.migration {
            f.period_start("migration.from", m.from)?;
            let (lim, what) = match m.kind {
                MigrationKind::Multiplier => (crate::limits::MAX_MULTIPLIER, "a multiplier"),
                MigrationKind::Net => (crate::limits::MAX_PERSONS, "net migrants per period"),
            };
            if !(-lim..=lim).contains(&m.value) {
                return Err(ApiError::bad(
                    "migration.value",
                    format!("{}: expected {what} from −{lim} to {lim}", m.value),
                ));
            }
        }
        if let Some(h) = &self.households {
            if !(0.0..=MAX_HOUSEHOLDS).contains(&h.per_year) {
                return Err(ApiError::bad(
                    "households.per_year",
                    format!(
                        "{}: expected households a year from 0 to {MAX_HOUSEHOLDS}",
                        h.per_year
                    ),
                ));
            }
            if h.from < f.base_year || h.from >= f.horizon {
                return Err(ApiError::bad(
                    "households.from",
                    format!(
                        "{}: expected a year from {} to {}",
                        h.from,
                        f.base_year,
                        f.horizon - 1
                    ),
                ));
            }
            match (h.kind, &h.custom) {
                (HouseholdKind::Custom, None) => {
                    return Err(ApiError::bad(
                        "households.custom",
                        "missing: expected the persons of a custom household, e.g. {\"female 30-34\": 1, \"0-4\": 1}",
                    ))
                }
                (HouseholdKind::Custom, Some(c)) if c.is_empty() || c.len() > MAX_HOUSEHOLD_ENTRIES => {
                    return Err(ApiError::bad(
                        "households.custom",
                        format!("{} entries: expected 1 to {MAX_HOUSEHOLD_ENTRIES}", c.len()),
                    ))
                }
                (HouseholdKind::Custom, Some(c)) => {
                    if let Some(k) = c.keys().find(|k| k.contains([',', '=']) || k.chars().count() > 40) {
                        return Err(ApiError::bad(
                            "households.custom",
                            format!("key {k:?}: expected \"male AGE\", \"female AGE\" or \"AGE\", e.g. \"female 30-34\""),
                        ));
                    }
                }
                (_, Some(_)) => {
                    return Err(ApiError::bad(
                        "households.custom",
                        "given with a fixed household type: expected kind = \"custom\" or no custom persons",
                    ))
                }
                (_, None) => {}
            }
        }
        if let Some(m) = &self.mortality {
            f.period_start("mortality.from", m.from)?;
        }
        if let Some(t) = &self.target {
            f.projected_year("target.year", t.year)?;
            if t.year == f.base_year {
                return Err(ApiError::bad(
                    "target.year",
                    format!("{}: expected a projected year after the base year", t.year),
                ));
            }
            crate::limits::target(
                t.population,
                crate::Location::file("request").field("target.population"),
            )
            .map_err(|_| {
                ApiError::bad(
                    "target.population",
                    format!(
                        "{}: expected a population above 0 and at most {:e}",
                        t.population,
                        crate::limits::MAX_PERSONS
                    ),
                )
            })?;
        }
        if let Some(y) = self.year {
            f.projected_year("year", y)?;
        }
        Ok(())
    }

    /// The persons of one household of this request's type.
    pub fn household(h: &Households) -> BTreeMap<String, f64> {
        let couple = |a: &str, b: &str| {
            let mut m = BTreeMap::new();
            for sex in ["male", "female"] {
                m.insert(format!("{sex} {a}"), 0.5);
                m.insert(format!("{sex} {b}"), 0.5);
            }
            m
        };
        match h.kind {
            HouseholdKind::Couple20s => couple("20-24", "25-29"),
            HouseholdKind::Couple30sChild => {
                let mut m = couple("30-34", "35-39");
                m.insert("0-4".into(), 1.0);
                m
            }
            HouseholdKind::Couple60s => couple("60-64", "65-69"),
            HouseholdKind::Custom => h.custom.clone().unwrap_or_default(),
        }
    }

    /// The scenario TOML of this request, extending `ctx.pattern1` (see the module doc).
    pub fn toml(&self, ctx: &Context) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# jinko serve: {} ({}) のシナリオ。パターン1 ({}) に下の変更を加えたもの。",
            ctx.name, ctx.code, ctx.pattern1
        );
        let _ = writeln!(o, "# 再現: {}", ctx.reproduce);
        let _ = writeln!(o, "\nextends = {}", quote(&ctx.pattern1));
        let _ = writeln!(o, "title = {}", quote(&self.title()));
        let base = ctx.base_year;
        if let Some(t) = &self.tfr {
            let _ = writeln!(o, "\n[fertility]");
            let start = base + 5;
            match ctx.tfr_base {
                Some(tb) if t.by > start => {
                    let _ = writeln!(
                        o,
                        "tfr = {{ {start} = {}, {} = {} }}",
                        num(tb),
                        t.by,
                        num(t.value)
                    );
                }
                _ => {
                    let _ = writeln!(o, "tfr = {{ {} = {} }}", t.by, num(t.value));
                }
            }
        }
        if let Some(m) = &self.migration {
            let _ = writeln!(o, "\n[migration]");
            match m.kind {
                MigrationKind::Multiplier => {
                    let _ = writeln!(o, "multiplier = {{ {} = {} }}", m.from, num(m.value));
                }
                MigrationKind::Net => {
                    let cells: Vec<String> = (m.from..=ctx.horizon - 5)
                        .step_by(5)
                        .map(|y| format!("{y} = {}", num(m.value)))
                        .collect();
                    let _ = writeln!(o, "net_migration = {{ {} }}", cells.join(", "));
                }
            }
        }
        if let Some(m) = &self.mortality {
            let _ = writeln!(
                o,
                "\n[survival]\nmortality = {{ {} = {} }}",
                m.from,
                num(m.value)
            );
        }
        if let Some(h) = &self.households {
            let persons: Vec<String> = Request::household(h)
                .iter()
                .map(|(k, v)| format!("{} = {}", quote(k), num(*v)))
                .collect();
            let _ = writeln!(
                o,
                "\n[[measures]]\nname = {}\nhouseholds_per_year = {}\nfrom = {}\nuntil = {}\nhousehold = {{ {} }}",
                quote(&format!("定住 {} 組/年 ({})", disp(h.per_year), kind_label(h.kind))),
                num(h.per_year),
                h.from,
                ctx.horizon - 1,
                persons.join(", ")
            );
        }
        o
    }

    /// A title in words.
    pub fn title(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.tfr {
            parts.push(format!("出生率{} ({}年)", disp(t.value), t.by));
        }
        if let Some(m) = &self.migration {
            parts.push(match m.kind {
                MigrationKind::Multiplier => format!("純移動率×{} ({}年〜)", disp(m.value), m.from),
                MigrationKind::Net => format!("純移動{}人/5年 ({}年〜)", disp(m.value), m.from),
            });
        }
        if let Some(h) = &self.households {
            parts.push(format!("定住{}組/年", disp(h.per_year)));
        }
        if let Some(m) = &self.mortality {
            parts.push(format!("死亡率×{} ({}年〜)", disp(m.value), m.from));
        }
        if parts.is_empty() {
            "jinko serve: パターン1のまま".into()
        } else {
            format!("jinko serve: {}", parts.join("・"))
        }
    }
}

/// The household type in words.
pub fn kind_label(k: HouseholdKind) -> &'static str {
    match k {
        HouseholdKind::Couple20s => "20代夫婦",
        HouseholdKind::Couple30sChild => "30代夫婦と子1人",
        HouseholdKind::Couple60s => "60代夫婦",
        HouseholdKind::Custom => "カスタム",
    }
}

/// What the TOML of a request needs to know about its municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
    /// The パターン1 file the scenario extends.
    pub pattern1: String,
    /// How to reproduce it from the command line.
    pub reproduce: String,
    /// Base year.
    pub base_year: i32,
    /// Horizon.
    pub horizon: i32,
    /// The TFR the base path stands for.
    pub tfr_base: Option<f64>,
}

/// A number as TOML writes it: the shortest text that reads back as the same f64, always with a
/// decimal point or exponent (so it is a float).
pub fn num(v: f64) -> String {
    format!("{v:?}")
}

/// A number for people (20, 1.8, 2.064): at most three decimals.
fn disp(v: f64) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    if r.is_finite() {
        format!("{r}")
    } else {
        format!("{v}")
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_exactly() {
        for v in [1.8, 0.1 + 0.2, 1.0, -913.0, 1e-7, 123456.789] {
            let t = format!("x = {}", num(v));
            let back: BTreeMap<String, f64> = toml::from_str(&t).unwrap();
            assert_eq!(back["x"].to_bits(), v.to_bits(), "{t}");
        }
    }

    #[test]
    fn quoted_strings_read_back() {
        let s = "a\"b\\c\nd 定住";
        let back: BTreeMap<String, String> = toml::from_str(&format!("x = {}", quote(s))).unwrap();
        assert_eq!(back["x"], s);
    }
}
