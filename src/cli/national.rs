//! `jinko national`: every municipality of Japan projected from the national bundle (パターン1,
//! Sim1, Sim2), one row each, with prefecture and Japan sums compared with IPSS's prefecture
//! projection, and the counts of municipalities per impact level.

use crate::batch::progress::Progress;
use crate::compare::ImpactLevels;
use crate::national::run::{Basis, Engine, Options, Standard};
use crate::national::Bundle;
use crate::output::national::{self, Selection, SortKey};
use std::path::PathBuf;

/// Output formats of `jinko national`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NationalFormat {
    /// A terminal table.
    Table,
    /// CSV for Excel (UTF-8 with BOM, CRLF).
    Csv,
    /// One JSON object.
    Json,
    /// An Excel workbook (needs --out).
    Xlsx,
}

/// Arguments of `jinko national`.
#[derive(Debug, clap::Args)]
pub struct NationalArgs {
    /// Only these prefectures (codes or names, comma-separated: 40 or 福岡県,佐賀県).
    #[arg(long, value_delimiter = ',')]
    pub pref: Vec<String>,
    /// The scenarios whose columns are shown (the impact levels always use all three).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "p1")]
    pub scenario: Vec<Standard>,
    /// The basis: h30 (2015 census, IPSS 2018) or r5 (2020 census, IPSS 2023 estimated from its
    /// summary, with the 若年女性人口 indicator and its categories).
    #[arg(long, value_enum, default_value_t = Basis::H30)]
    pub basis: Basis,
    /// Years whose totals are shown (every five years after the base year, to 2065 on h30 and
    /// 2070 on r5); the last also gives the change from the base year and the age shares
    /// [default: 2045,2065 on h30; 2050,2070 on r5].
    #[arg(long, value_delimiter = ',')]
    pub year: Vec<i32>,
    /// Year of the impact analysis (Sim1 / パターン1, Sim2 / Sim1) [default: 30 years after the
    /// base year: 2045 on h30, 2050 on r5].
    #[arg(long)]
    pub impact_year: Option<i32>,
    /// A levels file for the impact analysis (default: the Cabinet Office guide's, shipped).
    #[arg(long)]
    pub impact_levels: Option<PathBuf>,
    /// Only municipalities with at least this many people in 2015.
    #[arg(long)]
    pub min_pop: Option<f64>,
    /// Only municipalities with fewer than this many people in 2015.
    #[arg(long)]
    pub max_pop: Option<f64>,
    /// Only these 自然増減の影響度 levels (e.g. 1,2).
    #[arg(long, value_delimiter = ',')]
    pub natural: Vec<u8>,
    /// Only these 社会増減の影響度 levels.
    #[arg(long, value_delimiter = ',')]
    pub social: Vec<u8>,
    /// Sort the municipal rows.
    #[arg(long, value_enum, default_value_t = SortKey::Code)]
    pub sort: SortKey,
    /// Largest first.
    #[arg(long)]
    pub desc: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = NationalFormat::Table)]
    pub format: NationalFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The engine: the scalar one over all cores, or the batched one (Sim1 and Sim2 as variants).
    #[arg(long, value_enum, default_value_t = Engine::Scalar)]
    pub engine: Engine,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

fn invalid(msg: String) -> crate::Error {
    crate::Error::Invalid(msg)
}

/// Run `jinko national`.
pub fn run(args: &NationalArgs) -> crate::Result<()> {
    let bundle = Bundle::get()?;
    let levels = match &args.impact_levels {
        Some(p) => ImpactLevels::load(p)?,
        None => ImpactLevels::default_levels(),
    };
    let horizon = args.basis.horizon();
    let base = args.basis.base_year();
    let mut years = if args.year.is_empty() {
        vec![base + 30, horizon]
    } else {
        args.year.clone()
    };
    years.sort_unstable();
    years.dedup();
    let impact_year = args.impact_year.unwrap_or(base + 30);
    for &y in years.iter().chain([&impact_year]) {
        if y <= base || y > horizon || (y - base) % 5 != 0 {
            return Err(invalid(format!(
                "--year / --impact-year {y}: expected a projected year, {} … {horizon} every five years",
                base + 5
            )));
        }
    }
    for (name, v) in [("--min-pop", args.min_pop), ("--max-pop", args.max_pop)] {
        if let Some(v) = v {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(format!(
                    "{name} {v}: expected a number of persons, 0 or more"
                )));
            }
        }
    }
    for (name, list) in [("--natural", &args.natural), ("--social", &args.social)] {
        if let Some(l) = list.iter().find(|&&l| !(1..=5).contains(&l)) {
            return Err(invalid(format!("{name} {l}: expected levels 1 to 5")));
        }
    }
    let mut prefectures = Vec::new();
    for p in &args.pref {
        let (name, members) = bundle.prefecture(p)?;
        let code = members
            .first()
            .map(|m| m.prefecture_code.clone())
            .ok_or_else(|| invalid(format!("{name} has no municipalities in the bundle")))?;
        if !prefectures.contains(&code) {
            prefectures.push(code);
        }
    }
    if args.format == NationalFormat::Xlsx && args.out.is_none() {
        return Err(invalid(
            "--format xlsx writes a workbook: name the file with --out FILE.xlsx".into(),
        ));
    }
    let mut scenarios = args.scenario.clone();
    scenarios.dedup();
    let options = Options {
        years,
        impact_year,
        levels,
        prefectures,
        engine: args.engine,
        basis: args.basis,
    };
    let count = bundle
        .municipalities
        .iter()
        .filter(|m| {
            options.prefectures.is_empty() || options.prefectures.contains(&m.prefecture_code)
        })
        .count();
    let progress = Progress::new(count as u64, "市区町村", !args.quiet);
    let result = crate::national::run::run(bundle, &options, &progress)?;
    let sel = Selection {
        scenarios,
        min_population: args.min_pop,
        max_population: args.max_pop,
        natural_levels: args.natural.clone(),
        social_levels: args.social.clone(),
        sort: args.sort,
        descending: args.desc,
    };
    let warnings: usize = result.municipalities.iter().map(|r| r.warnings.len()).sum();
    if warnings > 0 {
        eprintln!("warning: {warnings} projections set cells below zero to zero (see the JSON `warnings` of each municipality)");
    }
    match args.format {
        NationalFormat::Xlsx => {
            let bytes = national::xlsx(&result, &sel)?;
            let out = args
                .out
                .as_deref()
                .unwrap_or(std::path::Path::new("national.xlsx"));
            crate::output::atomic::write_atomic(out, &bytes)
        }
        f => {
            let text = match f {
                NationalFormat::Csv => national::csv(&result, &sel),
                NationalFormat::Json => crate::cli::json(&national::json(&result, &sel)?)?,
                _ => national::table(&result, &sel)?,
            };
            crate::cli::project::emit(&text, args.out.as_deref())
        }
    }
}
