//! Textbook and null reference cases of the engine (method.md, "Reference cases").

use crate::common::{data, value};
use jinko::engine::lifetable::survival_from_nlx;
use jinko::engine::{project, FertilityMethod, MigrationForm, Model, Period, Timing};
use jinko::grid::{AgeGroups, Sex, MAX_AGES};

/// Preston et al. (2001) Box 6.2: Sweden females 1993 → 1998, ASFR, net migrant counts with even
/// timing, SRB 1.05. Every 1998 group equals the published value after rounding; births 615,988.
#[test]
fn preston_box_6_2_sweden_1993() {
    let mut r = csv::Reader::from_path(data("preston_box_6_2_sweden_1993_female.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 18);
    let ages = AgeGroups::from_open_label(&rows[17][0]).unwrap();
    assert_eq!(ages.len(), 18);
    let f = |i: usize, c: usize| rows[i][c].parse::<f64>().unwrap();
    let nlx: Vec<f64> = (0..18).map(|i| f(i, 2)).collect();
    let (surv, sb) = survival_from_nlx(&nlx, 100_000.0).unwrap();
    let mut period = Period::null(1993);
    period.sex_ratio = 1.05;
    let mut base = [[0.0; MAX_AGES]; 2];
    for i in 0..18 {
        base[1][i] = f(i, 1);
        period.asfr[i] = f(i, 3);
        period.migration[1][i] = f(i, 4);
    }
    period.survival[1] = surv;
    period.birth_survival = [sb, sb];
    let model = Model {
        ages,
        fertility: FertilityMethod::Asfr,
        migration: MigrationForm::Counts(Timing::Even),
        base_year: 1993,
        periods: vec![period],
    };
    let p = project(&model, &base).unwrap();
    for i in 0..18 {
        let expected = f(i, 5);
        let got = p.population[1][Sex::Female.index()][i];
        assert_eq!(got.round(), expected, "age group {} : {got}", ages.label(i));
    }
    let births = p.components[0].total_births();
    assert_eq!(
        births.round(),
        value("preston_births_1993_1998"),
        "births {births}"
    );
}

/// Null projection: survival 1, fertility 0, migration 0 → each cohort moves up one group, the
/// open group accumulates, the 0-4 group empties, and nothing else changes.
#[test]
fn null_projection_moves_cohorts_up() {
    let ages = AgeGroups::JAPAN;
    let n = ages.len();
    let mut base = [[0.0; MAX_AGES]; 2];
    for s in 0..2 {
        for a in 0..n {
            base[s][a] = (100 * (s + 1) + 7 * a) as f64;
        }
    }
    for (fertility, migration) in [
        (FertilityMethod::Cwr, MigrationForm::Rates),
        (FertilityMethod::Asfr, MigrationForm::Counts(Timing::Even)),
        (FertilityMethod::Asfr, MigrationForm::Counts(Timing::End)),
    ] {
        let model = Model {
            ages,
            fertility,
            migration,
            base_year: 2020,
            periods: (0..3).map(|k| Period::null(2020 + 5 * k)).collect(),
        };
        let p = project(&model, &base).unwrap();
        for k in 1..=3usize {
            for s in 0..2 {
                for a in 0..n {
                    let expected = if a < k {
                        0.0
                    } else if a < n - 1 {
                        base[s][a - k]
                    } else {
                        base[s][a - k..n].iter().sum()
                    };
                    assert_eq!(p.population[k][s][a], expected, "step {k} sex {s} age {a}");
                }
            }
            let c = p.components[k - 1];
            assert_eq!(c.total_births(), 0.0);
            assert_eq!(c.total_deaths(), 0.0);
            assert_eq!(c.total_net_migration(), 0.0);
        }
    }
}
