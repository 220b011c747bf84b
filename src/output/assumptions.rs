//! Writing a scenario's resolved assumptions back out in the data pack's own schema: survival
//! ratios (`survival.csv`), fertility (`fertility_cwr.csv`, or `asfr.csv` and `srb.csv`) and
//! migration (`migration_rates.csv` or `migration_counts.csv`), one row per period, sex and age,
//! at full precision. A planner can read what a derived scenario assumes, edit it, and use the
//! files as a pack's assumptions (`[assumptions] from = "files"`).

use crate::engine::{FertilityMethod, MigrationForm, Model};
use crate::grid::{period_label, Sex, FERTILE_FIRST, FERTILE_LAST};
use std::fmt::Write as _;

/// The files (name, contents) for `model`'s assumptions.
pub fn files(model: &Model) -> Vec<(String, String)> {
    let ages = model.ages;
    let n = ages.len();
    let pair = format!("{}+", 5 * (n - 2));
    let mut out = Vec::new();

    let mut s = String::from("period,sex,age,ratio\n");
    for p in &model.periods {
        let per = period_label(p.start);
        for sex in Sex::BOTH {
            for a in 0..n - 1 {
                let label = if a == n - 2 {
                    pair.clone()
                } else {
                    ages.label(a)
                };
                let _ = writeln!(s, "{per},{sex},{label},{}", p.survival[sex.index()][a]);
            }
            let _ = writeln!(s, "{per},{sex},birth,{}", p.birth_survival[sex.index()]);
        }
    }
    out.push(("survival.csv".to_string(), s));

    match model.fertility {
        FertilityMethod::Cwr => {
            let mut s = String::from("period,cwr,sex_ratio_0_4\n");
            for p in &model.periods {
                let _ = writeln!(s, "{},{},{}", period_label(p.start), p.cwr, p.sex_ratio);
            }
            out.push(("fertility_cwr.csv".to_string(), s));
        }
        FertilityMethod::Asfr => {
            let mut s = String::from("period,age,asfr\n");
            let mut srb = String::from("period,sex_ratio_at_birth\n");
            for p in &model.periods {
                for a in FERTILE_FIRST..=FERTILE_LAST {
                    let _ = writeln!(
                        s,
                        "{},{},{}",
                        period_label(p.start),
                        ages.label(a),
                        p.asfr[a]
                    );
                }
                let _ = writeln!(srb, "{},{}", period_label(p.start), p.sex_ratio);
            }
            out.push(("asfr.csv".to_string(), s));
            out.push(("srb.csv".to_string(), srb));
        }
    }

    let (name, column, first) = match model.migration {
        MigrationForm::Rates => (
            "migration_rates.csv",
            "rate",
            if model.fertility == FertilityMethod::Cwr {
                1
            } else {
                0
            },
        ),
        MigrationForm::Counts(_) => ("migration_counts.csv", "count", 0),
    };
    let mut s = format!("period,sex,age,{column}\n");
    for p in &model.periods {
        for sex in Sex::BOTH {
            for a in first..n {
                let _ = writeln!(
                    s,
                    "{},{sex},{},{}",
                    period_label(p.start),
                    ages.label(a),
                    p.migration[sex.index()][a]
                );
            }
        }
    }
    out.push((name.to_string(), s));
    out
}
