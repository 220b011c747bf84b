//! The scenario file as written: serde structs that reject unknown keys, the `extends` chain, and
//! the merge of a scenario over the one it extends (the child's keys win, key by key, inside
//! `[assumptions]`, `[fertility]`, `[migration]` and `[survival]` too; `[[measures]]` as a whole).
//! Each merged key remembers which file it came from, so a later error names that file and line.

use crate::error::{Error, Location, Result};
use crate::tomlfile;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{
    BaseKind, Beyond, Calibrate, Method, MigrationKind, RawTiming, Role, Source, SurvivalSource,
    UnknownAge,
};

/// Anchor points `{ 2020 = 1.56, 2030 = 2.1 }`, in the order written (years as written, parsed
/// and checked later so that errors can name them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Anchors(pub Vec<(String, f64)>);

impl<'de> Deserialize<'de> for Anchors {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Anchors;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of years and values, such as { 2020 = 1.56, 2030 = 2.1 }")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut m: A,
            ) -> std::result::Result<Anchors, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = m.next_entry::<String, f64>()? {
                    v.push((k, x));
                }
                Ok(Anchors(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAssumptions {
    pub from: Option<Source>,
    pub survival: Option<SurvivalSource>,
    pub migration: Option<MigrationKind>,
    pub timing: Option<RawTiming>,
    pub census_period: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFertility {
    pub tfr: Option<Anchors>,
    pub tfr_base: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMigration {
    pub multiplier: Option<Anchors>,
    pub net_migration: Option<Anchors>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSurvival {
    pub life_table: Option<String>,
    pub mortality: Option<Anchors>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeasure {
    pub name: String,
    pub households_per_year: f64,
    pub from: i32,
    pub until: Option<i32>,
    pub household: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub extends: Option<String>,
    pub role: Option<Role>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub pack: Option<String>,
    pub base_year: Option<i32>,
    pub base: Option<BaseKind>,
    pub unknown_age: Option<UnknownAge>,
    pub method: Option<Method>,
    pub horizon: Option<i32>,
    pub beyond: Option<Beyond>,
    pub calibrate: Option<Calibrate>,
    pub assumptions: Option<RawAssumptions>,
    pub fertility: Option<RawFertility>,
    pub migration: Option<RawMigration>,
    pub survival: Option<RawSurvival>,
    pub measures: Option<Vec<RawMeasure>>,
}

/// One file of an `extends` chain.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    pub path: PathBuf,
    pub text: String,
    pub raw: RawScenario,
}

/// The merged scenario with the layer each key came from.
#[derive(Debug, Clone)]
pub(crate) struct Merged {
    pub raw: RawScenario,
    pub layers: Vec<Layer>,
    origin: BTreeMap<&'static str, usize>,
}

impl Merged {
    /// The location of `key` (dotted, e.g. `fertility.tfr`): the file it came from, its line.
    pub fn at(&self, key: &str) -> Location {
        let i = self
            .origin
            .get(key)
            .copied()
            .unwrap_or(0)
            .min(self.layers.len() - 1);
        let layer = &self.layers[i];
        tomlfile::key_location(&layer.path, &layer.text, key)
    }

    /// The folder of the file `key` came from (relative paths in it are relative to that folder).
    pub fn dir_of(&self, key: &str) -> PathBuf {
        let i = self.origin.get(key).copied().unwrap_or(0);
        self.layers[i]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Read `path` and every scenario it extends (child first).
pub(crate) fn load_chain(path: &Path) -> Result<Vec<Layer>> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut next = Some(path.to_path_buf());
    while let Some(p) = next.take() {
        let canon = p.canonicalize().unwrap_or_else(|_| p.clone());
        if layers.len() >= crate::limits::MAX_EXTENDS_DEPTH {
            let child = &layers[layers.len() - 1];
            return Err(Error::input(
                tomlfile::key_location(&child.path, &child.text, "extends"),
                format!(
                    "the `extends` chain from {} is longer than {} files: expected a shorter chain",
                    path.display(),
                    crate::limits::MAX_EXTENDS_DEPTH
                ),
            ));
        }
        if !seen.insert(canon) {
            let from = layers.last().map(|l| l.path.clone()).unwrap_or_default();
            return Err(Error::input(
                Location::file(&from).field("extends"),
                format!(
                    "`extends` makes a cycle back to {}: expected a chain that ends",
                    p.display()
                ),
            ));
        }
        if !p.exists() {
            if let Some(child) = layers.last() {
                let mut loc = Location::file(&child.path).field("extends");
                if let Some(l) = tomlfile::key_line(&child.text, "extends") {
                    loc = loc.line(l);
                }
                return Err(Error::input(
                    loc,
                    format!("the scenario it extends, {}, was not found", p.display()),
                ));
            }
        }
        let (raw, text) = match (tomlfile::read::<RawScenario>(&p), layers.last()) {
            (Ok(v), _) => v,
            // A parent that cannot be read as a scenario: say so at the child's `extends` line.
            (Err(e), Some(child)) => {
                return Err(Error::input(
                    tomlfile::key_location(&child.path, &child.text, "extends"),
                    format!("the scenario it extends cannot be used: {e}"),
                ))
            }
            (Err(e), None) => return Err(e),
        };
        if let Some(parent) = &raw.extends {
            let dir = p.parent().unwrap_or(Path::new("."));
            next = Some(dir.join(parent));
        }
        layers.push(Layer { path: p, text, raw });
    }
    Ok(layers)
}

/// Merge a chain (child first): the first layer that sets a key wins.
pub(crate) fn merge(layers: Vec<Layer>) -> Merged {
    let mut raw = RawScenario::default();
    let mut origin = BTreeMap::new();
    macro_rules! top {
        ($($f:ident),*) => {$(
            if let Some((i, v)) = layers.iter().enumerate().find_map(|(i, l)| l.raw.$f.clone().map(|v| (i, v))) {
                raw.$f = Some(v);
                origin.insert(stringify!($f), i);
            }
        )*};
    }
    macro_rules! nested {
        ($t:ident, $ty:ident, $($f:ident),*) => {{
            let mut out = $ty::default();
            let mut any = false;
            $(
                if let Some((i, v)) = layers.iter().enumerate().find_map(|(i, l)| {
                    l.raw.$t.as_ref().and_then(|t| t.$f.clone()).map(|v| (i, v))
                }) {
                    out.$f = Some(v);
                    any = true;
                    origin.insert(concat!(stringify!($t), ".", stringify!($f)), i);
                }
            )*
            if any {
                raw.$t = Some(out);
            }
        }};
    }
    top!(
        title,
        description,
        pack,
        base_year,
        base,
        unknown_age,
        method,
        horizon,
        beyond,
        calibrate,
        measures
    );
    nested!(
        assumptions,
        RawAssumptions,
        from,
        survival,
        migration,
        timing,
        census_period
    );
    nested!(fertility, RawFertility, tfr, tfr_base);
    nested!(migration, RawMigration, multiplier, net_migration);
    nested!(survival, RawSurvival, life_table, mortality);
    raw.extends = layers.first().and_then(|l| l.raw.extends.clone());
    // A role names what this very file is (パターン1, Sim1, …): it is not inherited.
    raw.role = layers.first().and_then(|l| l.raw.role);
    Merged {
        raw,
        layers,
        origin,
    }
}
