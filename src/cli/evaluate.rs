//! `jinko evaluate SCENARIO --kpi FILE`: does this scenario meet the strategy's numeric goals?
//! The projection's goal indicators graded ○ / △ / × by the strategy's rule.

use crate::cli::project::emit;
use crate::kpi::projected::{evaluate, ProjectedIndicator};
use crate::output::projection::persons;
use crate::output::table::{Align, Table};
use crate::scenario::Scenario;
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Output format of `jinko evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    /// A readable table.
    Table,
    /// JSON.
    Json,
}

/// Arguments of `jinko evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The strategy file with the goals and KPIs, e.g. scenarios/kama/kpi.toml.
    #[arg(long)]
    pub kpi: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn figure(r: &ProjectedIndicator, v: f64) -> String {
    if r.id.contains("fertility") || (v.abs() < 20.0 && v.fract() != 0.0) {
        format!("{v:.2}")
    } else {
        persons(v)
    }
}

/// Run `jinko evaluate`.
pub fn run(args: &EvaluateArgs) -> crate::Result<()> {
    let strategy = crate::kpi::load(&args.kpi)?;
    let scenario = Scenario::load(&args.scenario)?;
    let p = scenario.project()?;
    let results = evaluate(&strategy, &scenario, &p)?;
    let text = match args.format {
        EvalFormat::Table => {
            let mut o = String::new();
            let _ = writeln!(
                o,
                "{} — {} ({})",
                strategy.name.ja, scenario.title, scenario.name
            );
            let _ = writeln!(
                o,
                "評価: ○ 推計/目標 {:.0}%以上  △ 未満 (the strategy's rule)",
                100.0 * strategy.rule.threshold()
            );
            let mut t = Table::new(&[
                ("指標", Align::Left),
                ("年・期間", Align::Left),
                ("推計値", Align::Right),
                ("目標値", Align::Right),
                ("達成率", Align::Right),
                ("評価", Align::Left),
            ]);
            for r in &results {
                t.row(vec![
                    r.name.clone(),
                    r.period.to_string(),
                    figure(r, r.projected),
                    figure(r, r.target),
                    r.assessment
                        .percent
                        .map(|x| format!("{x:.0}%"))
                        .unwrap_or_else(|| ">100%".into()),
                    r.assessment.grade.symbol().to_string(),
                ]);
            }
            o.push_str(&t.render());
            let mut methods: Vec<String> = results
                .iter()
                .map(|r| format!("{}: {}", r.name, r.method))
                .collect();
            methods.dedup();
            for m in methods {
                let _ = writeln!(o, "  {m}");
            }
            o
        }
        EvalFormat::Json => {
            let v = json!({
                "scenario": scenario.name,
                "strategy": strategy.name.ja,
                "indicators": results.iter().map(|r| json!({
                    "id": r.id,
                    "name": r.name,
                    "period": r.period.to_string(),
                    "projected": r.projected,
                    "target": r.target,
                    "ratio": r.assessment.ratio,
                    "percent": r.assessment.percent,
                    "grade": r.assessment.grade.symbol(),
                    "method": r.method,
                })).collect::<Vec<_>>(),
            });
            let mut s = serde_json::to_string_pretty(&v)
                .map_err(|e| crate::Error::Invalid(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        }
    };
    emit(&text, args.out.as_deref())
}
