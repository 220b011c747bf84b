//! Reading a KPI file (TOML) in two phases: serde fills raw structs that reject unknown keys,
//! then [`parse`] checks everything and builds the validated [`Strategy`]. Every error names
//! the file, the line and the key, and says what was found and what was expected.
//!
//! The file's layout is documented by the shipped example, `scenarios/kama/kpi.toml`. Yearly
//! figures are written as a number, or as a word when there is none:
//!
//! | written | meaning | graded |
//! | --- | --- | --- |
//! | `12`, `34.26`, `-1833` | the figure | by the rule |
//! | `"missing"` or `"—"` | no figure (the report's 「—」) | × |
//! | `"not_carried_out"` or `"未実施"` | the project was not carried out that year | × |
//! | `"pending"` | not yet published (公表後記入予定) | pending |
//! | `{ value = 108, note = "H31" }` | any of the above with a note printed beside it | as its value |

use super::rule::{Actual, Comparison, Direction, Grade, Rounding, Rule};
use super::strategy::{
    parse_year, Entry, Goal, GoalIndicator, IndicatorKind, Kpi, Period, Series, Source, Strategy,
    Text,
};
use crate::error::{Error, Location, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The smallest size of a non-zero target (a ratio against a smaller one is not a grade).
const MIN_TARGET: f64 = 1e-9;
/// The largest size of a target.
const MAX_TARGET: f64 = 1e15;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    strategy: RawStrategy,
    source: RawSource,
    rule: Option<RawRule>,
    population: Option<RawIndicator>,
    #[serde(default)]
    goals: Vec<RawGoal>,
    #[serde(default)]
    kpis: Vec<Spanned<RawKpi>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStrategy {
    name: String,
    name_en: Option<String>,
    municipality: Option<String>,
    municipality_en: Option<String>,
    period: Spanned<Vec<i64>>,
    kpi_base_year: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    title: String,
    publisher: String,
    covers: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    threshold: Option<Spanned<f64>>,
    ratio_rounding: Option<Rounding>,
    share_rounding: Option<Rounding>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Spanned<String>,
    kind: IndicatorKind,
    name: String,
    name_en: Option<String>,
    unit: String,
    unit_en: Option<String>,
    decimals: Option<Spanned<i64>>,
    direction: Direction,
    base: Option<Spanned<RawBase>>,
    #[serde(default)]
    ipss: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    actuals: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    statement: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBase {
    period: Spanned<String>,
    value: Spanned<toml::Value>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGoal {
    number: Spanned<i64>,
    title: String,
    title_en: Option<String>,
    title_in_project_list: Option<String>,
    #[serde(default)]
    measures: Vec<String>,
    indicator: RawIndicator,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKpi {
    id: Spanned<String>,
    goal: Spanned<i64>,
    project: String,
    project_en: Option<String>,
    name: String,
    name_en: Option<String>,
    unit: String,
    unit_en: Option<String>,
    decimals: Option<Spanned<i64>>,
    base: Option<Spanned<toml::Value>>,
    actuals: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
    published_actual: Option<Spanned<toml::Value>>,
    #[serde(default)]
    series: Vec<Spanned<RawSeries>>,
    comparison: Comparison,
    direction: Direction,
    target: Spanned<f64>,
    target_label: Option<String>,
    target_label_en: Option<String>,
    department: String,
    department_en: Option<String>,
    published_grade: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeries {
    id: Spanned<String>,
    label: String,
    label_en: Option<String>,
    base: Option<Spanned<toml::Value>>,
    #[serde(default)]
    actuals: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    published_actual: Option<Spanned<toml::Value>>,
}

/// Where we are: the file and its text, to turn byte spans into lines.
struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> u64 {
        let end = offset.min(self.text.len());
        let head = self.text.get(..end).unwrap_or(self.text);
        head.bytes().filter(|&b| b == b'\n').count() as u64 + 1
    }

    fn err(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> Error {
        Error::input(
            Location::file(self.path)
                .line(self.line(span.start))
                .field(field),
            message,
        )
    }

    /// A toml syntax or shape error, located by its span; the field is the key nearest before.
    fn toml_err(&self, e: &toml::de::Error) -> Error {
        let mut location = Location::file(self.path);
        if let Some(span) = e.span() {
            location = location.line(self.line(span.start));
            if let Some(key) = key_at(self.text, span.start) {
                location = location.field(key);
            }
        }
        Error::input(location, e.message().trim().to_string())
    }
}

/// The key whose value starts at `offset`, or the key at `offset` itself.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(offset..)?
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    let before = text.get(start..offset)?;
    let clean = |k: &str| {
        let k = k.trim().trim_matches(['"', '\'', '{', '[', ']', ' ']);
        (!k.is_empty()).then(|| k.to_string())
    };
    if let Some(eq) = before.rfind('=') {
        let key = before.get(..eq)?;
        let key = key.rsplit([',', '{']).next().unwrap_or(key);
        return clean(key);
    }
    let rest = text.get(offset..end)?;
    rest.find('=').and_then(|eq| clean(rest.get(..eq)?))
}

/// Parse the text of a KPI file read from `path` (named in errors).
pub fn parse(text: &str, path: &Path) -> Result<Strategy> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ctx = Ctx { path, text };
    let raw: RawFile = toml::from_str(text).map_err(|e| ctx.toml_err(&e))?;
    build(&ctx, raw)
}

fn build(ctx: &Ctx, raw: RawFile) -> Result<Strategy> {
    let s = &raw.strategy;
    let period = match s.period.get_ref().as_slice() {
        [a, b] if a <= b => (year_i32(ctx, *a, &s.period, "period")?, year_i32(ctx, *b, &s.period, "period")?),
        _ => {
            return Err(ctx.err(
                s.period.span(),
                "period",
                format!(
                    "found {:?}; expected the first and last fiscal year of the strategy, such as [2020, 2024]",
                    s.period.get_ref()
                ),
            ))
        }
    };
    let kpi_base_year = match &s.kpi_base_year {
        Some(y) => Some(year_i32(ctx, *y.get_ref(), y, "kpi_base_year")?),
        None => None,
    };

    let rule = match &raw.rule {
        None => Rule::default(),
        Some(r) => {
            let d = Rule::default();
            let threshold = r.threshold.as_ref().map_or(d.threshold(), |t| *t.get_ref());
            Rule::new(
                threshold,
                r.ratio_rounding.unwrap_or(d.ratio_rounding()),
                r.share_rounding.unwrap_or(d.share_rounding()),
            )
            .map_err(|e| {
                let span = r.threshold.as_ref().map_or(0..0, |t| t.span());
                ctx.err(span, "threshold", e.to_string())
            })?
        }
    };

    let mut ids = BTreeSet::new();
    let population = match raw.population {
        Some(p) => Some(indicator(ctx, p, &mut ids)?),
        None => None,
    };

    let mut goals: Vec<Goal> = Vec::new();
    for g in raw.goals {
        let number = positive(ctx, &g.number, "number")?;
        if goals.iter().any(|x| x.number == number) {
            return Err(ctx.err(
                g.number.span(),
                "number",
                format!("goal {number} is defined twice; each [[goals]] needs its own number"),
            ));
        }
        goals.push(Goal {
            number,
            title: text(g.title, g.title_en),
            title_in_project_list: g.title_in_project_list,
            measures: g.measures,
            indicator: indicator(ctx, g.indicator, &mut ids)?,
        });
    }
    goals.sort_by_key(|g| g.number);

    let mut kpis = Vec::new();
    for k in raw.kpis {
        let line = ctx.line(k.span().start);
        let k = k.into_inner();
        let kpi = kpi(ctx, k, line, period, &goals, &mut ids)?;
        kpis.push(kpi);
    }

    Ok(Strategy {
        path: ctx.path.to_path_buf(),
        name: text(raw.strategy.name, raw.strategy.name_en),
        municipality: raw
            .strategy
            .municipality
            .map(|m| text(m, raw.strategy.municipality_en)),
        source: Source {
            title: raw.source.title,
            publisher: raw.source.publisher,
            covers: raw.source.covers,
            url: raw.source.url,
        },
        period,
        kpi_base_year,
        rule,
        population,
        goals,
        kpis,
    })
}

fn text(ja: String, en: Option<String>) -> Text {
    Text { ja, en }
}

fn year_i32<T>(ctx: &Ctx, y: i64, at: &Spanned<T>, field: &str) -> Result<i32> {
    i32::try_from(y)
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(|| {
            ctx.err(
                at.span(),
                field,
                format!("found {y}; expected a four-digit year"),
            )
        })
}

fn positive(ctx: &Ctx, n: &Spanned<i64>, field: &str) -> Result<u32> {
    u32::try_from(*n.get_ref())
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| {
            ctx.err(
                n.span(),
                field,
                format!("found {}; expected a whole number from 1", n.get_ref()),
            )
        })
}

fn decimals(ctx: &Ctx, d: &Option<Spanned<i64>>) -> Result<usize> {
    match d {
        None => Ok(0),
        Some(d) => usize::try_from(*d.get_ref())
            .ok()
            .filter(|&n| n <= 6)
            .ok_or_else(|| {
                ctx.err(
                    d.span(),
                    "decimals",
                    format!(
                        "found {}; expected a number of decimals from 0 to 6",
                        d.get_ref()
                    ),
                )
            }),
    }
}

fn check_id(ctx: &Ctx, id: &Spanned<String>, ids: &mut BTreeSet<String>) -> Result<String> {
    let s = id.get_ref();
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(ctx.err(
            id.span(),
            "id",
            format!("found `{s}`; expected an identifier of ASCII letters, digits, `_` and `-`"),
        ));
    }
    if !ids.insert(s.clone()) {
        return Err(ctx.err(
            id.span(),
            "id",
            format!("`{s}` is used twice; every KPI and indicator needs its own id"),
        ));
    }
    Ok(s.clone())
}

fn number(ctx: &Ctx, v: &Spanned<toml::Value>, field: &str, what: &str) -> Result<f64> {
    let n = match v.get_ref() {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        other => {
            return Err(ctx.err(
                v.span(),
                field,
                format!("{what}: found {}; expected a number", show(other)),
            ))
        }
    };
    if !n.is_finite() {
        return Err(ctx.err(
            v.span(),
            field,
            format!("{what}: found {n}; expected a finite number"),
        ));
    }
    Ok(n)
}

fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

const ENTRY_EXPECTED: &str = "expected a number, \"missing\" (or \"—\"), \"not_carried_out\" (or \"未実施\"), \"pending\", or { value = …, note = \"…\" }";

/// A word for a figure that is not there: `missing`/`—`, `not_carried_out`/`未実施`, `pending`.
pub(crate) fn word(s: &str) -> Option<Actual> {
    match s.trim() {
        "missing" | "—" | "―" => Some(Actual::Missing),
        "not_carried_out" | "未実施" => Some(Actual::NotCarriedOut),
        "pending" => Some(Actual::Pending),
        _ => None,
    }
}

fn actual_of(
    ctx: &Ctx,
    v: &toml::Value,
    span: Range<usize>,
    field: &str,
    what: &str,
) -> Result<Actual> {
    match v {
        toml::Value::Integer(i) => Ok(Actual::Value(*i as f64)),
        toml::Value::Float(f) if f.is_finite() => Ok(Actual::Value(*f)),
        toml::Value::String(s) => word(s).ok_or_else(|| {
            ctx.err(
                span.clone(),
                field,
                format!("{what}: found \"{s}\"; {ENTRY_EXPECTED}"),
            )
        }),
        other => Err(ctx.err(
            span,
            field,
            format!("{what}: found {}; {ENTRY_EXPECTED}", show(other)),
        )),
    }
}

fn entry(ctx: &Ctx, v: &Spanned<toml::Value>, field: &str, what: &str) -> Result<Entry> {
    match v.get_ref() {
        toml::Value::Table(t) => {
            let mut value = None;
            let mut note = None;
            for (k, x) in t {
                match (k.as_str(), x) {
                    ("value", x) => value = Some(actual_of(ctx, x, v.span(), field, what)?),
                    ("note", toml::Value::String(s)) => note = Some(s.clone()),
                    (k, x) => {
                        return Err(ctx.err(
                            v.span(),
                            field,
                            format!("{what}: found `{k} = {}`; a figure with a note has only `value` and `note` (a string)", show(x)),
                        ))
                    }
                }
            }
            let actual = value.ok_or_else(|| {
                ctx.err(
                    v.span(),
                    field,
                    format!("{what}: the table has no `value`; {ENTRY_EXPECTED}"),
                )
            })?;
            Ok(Entry { actual, note })
        }
        other => Ok(Entry {
            actual: actual_of(ctx, other, v.span(), field, what)?,
            note: None,
        }),
    }
}

fn indicator(ctx: &Ctx, r: RawIndicator, ids: &mut BTreeSet<String>) -> Result<GoalIndicator> {
    let id = check_id(ctx, &r.id, ids)?;
    let what = format!("indicator `{id}`");
    let period_of = |key: &Spanned<String>, field: &str| -> Result<Period> {
        key.get_ref()
            .parse::<Period>()
            .map_err(|m| ctx.err(key.span(), field, format!("{what}: {m}")))
    };
    let base = match &r.base {
        None => None,
        Some(b) => {
            let b = b.get_ref();
            let period = period_of(&b.period, "base")?;
            let mut e = entry(ctx, &b.value, "base", &what)?;
            e.note = b.note.clone();
            Some((period, e))
        }
    };
    let mut ipss = BTreeMap::new();
    for (k, v) in &r.ipss {
        let field = format!("ipss.{}", k.get_ref());
        ipss.insert(period_of(k, &field)?, number(ctx, v, &field, &what)?);
    }
    let mut targets = BTreeMap::new();
    for (k, v) in &r.targets {
        let field = format!("targets.{}", k.get_ref());
        let t = number(ctx, v, &field, &what)?;
        if t == 0.0 {
            return Err(ctx.err(
                v.span(),
                &field,
                format!("{what}: the target for {} is zero, so actual/target has no meaning; expected a non-zero target", k.get_ref()),
            ));
        }
        if !(t.abs() >= MIN_TARGET && t.abs() <= MAX_TARGET) {
            return Err(ctx.err(
                v.span(),
                &field,
                format!("{what}: the target for {} is {t}: expected a target of size {MIN_TARGET:e} to {MAX_TARGET:e} (actual/target must be a finite ratio)", k.get_ref()),
            ));
        }
        targets.insert(period_of(k, &field)?, t);
    }
    let mut actuals = BTreeMap::new();
    for (k, v) in &r.actuals {
        let field = format!("actuals.{}", k.get_ref());
        actuals.insert(period_of(k, &field)?, entry(ctx, v, &field, &what)?);
    }
    Ok(GoalIndicator {
        id,
        kind: r.kind,
        name: text(r.name, r.name_en),
        unit: text(r.unit, r.unit_en),
        decimals: decimals(ctx, &r.decimals)?,
        direction: r.direction,
        base,
        ipss,
        targets,
        actuals,
        statement: r.statement,
        note: r.note,
    })
}

fn yearly(
    ctx: &Ctx,
    map: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    period: (i32, i32),
    what: &str,
) -> Result<BTreeMap<i32, Entry>> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let y = parse_year(k.get_ref()).ok_or_else(|| {
            ctx.err(
                k.span(),
                "actuals",
                format!(
                    "{what}: `{}` is not a fiscal year; expected a year such as 2024 or R6",
                    k.get_ref()
                ),
            )
        })?;
        if y < period.0 || y > period.1 {
            return Err(ctx.err(
                k.span(),
                "actuals",
                format!(
                    "{what}: year {y} is outside the strategy period {}–{}",
                    period.0, period.1
                ),
            ));
        }
        let field = format!("actuals.{}", k.get_ref());
        if out.insert(y, entry(ctx, v, &field, what)?).is_some() {
            return Err(ctx.err(
                k.span(),
                &field,
                format!(
                    "{what}: year {y} is given twice (as {} and in another form)",
                    k.get_ref()
                ),
            ));
        }
    }
    Ok(out)
}

fn published(ctx: &Ctx, v: &Option<Spanned<toml::Value>>, what: &str) -> Result<Option<Actual>> {
    v.as_ref()
        .map(|v| actual_of(ctx, v.get_ref(), v.span(), "published_actual", what))
        .transpose()
}

fn kpi(
    ctx: &Ctx,
    k: RawKpi,
    line: u64,
    period: (i32, i32),
    goals: &[Goal],
    ids: &mut BTreeSet<String>,
) -> Result<Kpi> {
    let id = check_id(ctx, &k.id, ids)?;
    let what = format!("KPI `{id}`");
    let goal = positive(ctx, &k.goal, "goal")?;
    if !goals.iter().any(|g| g.number == goal) {
        return Err(ctx.err(
            k.goal.span(),
            "goal",
            format!(
                "{what}: goal {goal} is not defined; expected one of the [[goals]] numbers ({})",
                goals
                    .iter()
                    .map(|g| g.number.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let target = *k.target.get_ref();
    if !target.is_finite() {
        return Err(ctx.err(
            k.target.span(),
            "target",
            format!("{what}: found {target}; expected a finite number"),
        ));
    }
    if target != 0.0 && !(target.abs() >= MIN_TARGET && target.abs() <= MAX_TARGET) {
        return Err(ctx.err(
            k.target.span(),
            "target",
            format!(
                "{what}: the target is {target}: expected a target of size {MIN_TARGET:e} to {MAX_TARGET:e} (actual/target must be a finite ratio)"
            ),
        ));
    }
    if target == 0.0 && k.comparison != Comparison::Level {
        return Err(ctx.err(
            k.target.span(),
            "target",
            format!(
                "{what}: the target is zero, so actual/target has no meaning; expected a non-zero \
                 target, or `comparison = \"level\"` if the goal is to reach a stated level"
            ),
        ));
    }

    let series = if k.series.is_empty() {
        let actuals = match &k.actuals {
            Some(a) => yearly(ctx, a.get_ref(), period, &what)?,
            None => BTreeMap::new(),
        };
        vec![Series {
            id: None,
            label: None,
            base: k
                .base
                .as_ref()
                .map(|b| entry(ctx, b, "base", &what))
                .transpose()?,
            actuals,
            published_actual: published(ctx, &k.published_actual, &what)?,
        }]
    } else {
        let misplaced = [
            ("actuals", k.actuals.as_ref().map(|a| a.span())),
            ("base", k.base.as_ref().map(|b| b.span())),
            (
                "published_actual",
                k.published_actual.as_ref().map(|b| b.span()),
            ),
        ];
        if let Some((field, Some(span))) = misplaced.into_iter().find(|(_, s)| s.is_some()) {
            return Err(ctx.err(
                span,
                field,
                format!("{what}: has [[kpis.series]], so `{field}` belongs in each series, not in the KPI"),
            ));
        }
        let mut series_ids = BTreeSet::new();
        let mut out = Vec::new();
        for s in &k.series {
            let s = s.get_ref();
            let sid = s.id.get_ref();
            if sid.is_empty()
                || !sid
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                || !series_ids.insert(sid.clone())
            {
                return Err(ctx.err(
                    s.id.span(),
                    "id",
                    format!("{what}: series id `{sid}` must be unique within the KPI and made of ASCII letters, digits, `_` and `-`"),
                ));
            }
            let swhat = format!("{what}, series `{sid}`");
            out.push(Series {
                id: Some(sid.clone()),
                label: Some(text(s.label.clone(), s.label_en.clone())),
                base: s
                    .base
                    .as_ref()
                    .map(|b| entry(ctx, b, "base", &swhat))
                    .transpose()?,
                actuals: yearly(ctx, &s.actuals, period, &swhat)?,
                published_actual: published(ctx, &s.published_actual, &swhat)?,
            });
        }
        out
    };

    let published_grade = match &k.published_grade {
        None => None,
        Some(g) => Some(
            Grade::from_symbol(g.get_ref())
                .filter(|g| *g != Grade::Pending)
                .ok_or_else(|| {
                    ctx.err(
                        g.span(),
                        "published_grade",
                        format!(
                            "{what}: found \"{}\"; expected \"○\", \"△\" or \"×\"",
                            g.get_ref()
                        ),
                    )
                })?,
        ),
    };

    Ok(Kpi {
        id,
        goal,
        project: text(k.project, k.project_en),
        name: text(k.name, k.name_en),
        unit: text(k.unit, k.unit_en),
        decimals: decimals(ctx, &k.decimals)?,
        series,
        comparison: k.comparison,
        direction: k.direction,
        target,
        target_label: k.target_label.map(|l| text(l, k.target_label_en)),
        department: text(k.department, k.department_en),
        published_grade,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_at_finds_the_key_before_a_value() {
        let t = "a = 1\nactuals = { 2020 = \"x\", 2021 = 3 }\n";
        let off = t.find("\"x\"").unwrap_or(0);
        assert_eq!(key_at(t, off).as_deref(), Some("2020"));
        let off = t.find("actuals").unwrap_or(0);
        assert_eq!(key_at(t, off).as_deref(), Some("actuals"));
    }
}
