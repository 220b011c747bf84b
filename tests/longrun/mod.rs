//! The long run (人口の長期的な安定): the projection matrix against the engine's own step, its
//! dominant eigenvalue against the Euler–Lotka equation of the child–woman-ratio model and against
//! the engine run far out, the stable structure, the replacement factor, momentum and the
//! equilibrium with constant migrants, and the `jinko longrun` command.

use crate::common::kama;
use assert_cmd::Command;
use jinko::compare::longrun::{long_run, Map};
use jinko::engine::{project, step, Cells, FertilityMethod, MigrationForm, Model, Period};
use jinko::grid::{FERTILE_FIRST, FERTILE_LAST, MAX_AGES};
use jinko::scenario::Scenario;

const SCENARIOS: [&str; 6] = [
    "ipss-h30.toml",
    "sim1-tfr21.toml",
    "sim2-tfr21-zero-migration.toml",
    "target.toml",
    "ipss-r5.toml",
    "ipss-h30-base2020.toml",
];

fn total(x: &Cells, n: usize) -> f64 {
    x.iter().map(|s| s[..n].iter().sum::<f64>()).sum()
}

/// Hold period `p` for `steps` steps from `x`, rescaling to total 1 each step; returns the last
/// factor of growth and the shares.
fn far_run(model: &Model, p: &Period, x: &Cells, steps: usize) -> (f64, Cells) {
    let n = model.ages.len();
    let mut cur = *x;
    let t0 = total(&cur, n);
    cur.iter_mut()
        .for_each(|s| s.iter_mut().for_each(|v| *v /= t0));
    let mut next = [[0.0; MAX_AGES]; 2];
    let mut growth = 0.0;
    for _ in 0..steps {
        step(n, model.fertility, model.migration, p, &cur, &mut next);
        growth = total(&next, n);
        for s in 0..2 {
            for a in 0..n {
                cur[s][a] = next[s][a] / growth;
            }
        }
    }
    (growth, cur)
}

#[test]
fn the_matrix_is_the_engine_step_in_every_period_of_every_kama_scenario() {
    for name in SCENARIOS {
        let s = Scenario::load(&kama(name)).unwrap();
        let p = s.project().unwrap();
        let n = s.model.ages.len();
        for (k, period) in s.model.periods.iter().enumerate() {
            let map = Map::of(n, s.model.fertility, s.model.migration, period);
            let got = map.apply(&p.population[k]);
            for sex in 0..2 {
                for a in 0..n {
                    let want = p.population[k + 1][sex][a];
                    let d = (got[sex][a] - want).abs();
                    assert!(
                        d <= 1e-9 * want.abs().max(1.0),
                        "{name} period {} sex {sex} age {a}: matrix {} engine {want}",
                        period.start,
                        got[sex][a]
                    );
                }
            }
        }
    }
}

/// The female chain's survival-with-migration products `c[g]` (0-4 → g) of a CWR rates period.
fn chain(p: &Period, factor_on_migration: f64) -> Vec<f64> {
    let w = 1;
    let mut c = vec![1.0];
    for g in 1..=FERTILE_LAST {
        let k = p.survival[w][g - 1] * (1.0 + factor_on_migration * p.migration[w][g]).max(0.0);
        c.push(c[g - 1] * k);
    }
    c
}

#[test]
fn the_growth_rate_solves_the_euler_lotka_equation_of_the_cwr_model() {
    // λ x0 = CWR·(female share)·Σ λ·x_g with x_g = x0·c_g·λ^(−g): 1 = CWR·f·Σ_{g∈15-49} c_g λ^(−g).
    for name in [
        "ipss-h30.toml",
        "sim1-tfr21.toml",
        "sim2-tfr21-zero-migration.toml",
    ] {
        let s = Scenario::load(&kama(name)).unwrap();
        assert_eq!(s.model.fertility, FertilityMethod::Cwr);
        assert_eq!(s.model.migration, MigrationForm::Rates);
        let proj = s.project().unwrap();
        let lr = long_run(&s.model, &proj).unwrap();
        let p = s.model.periods.last().unwrap();
        let female = 1.0 / (1.0 + p.sex_ratio);
        let c = chain(p, 1.0);
        let lotka = |l: f64| {
            p.cwr
                * female
                * (FERTILE_FIRST..=FERTILE_LAST)
                    .map(|g| c[g] * l.powi(-(g as i32)))
                    .sum::<f64>()
        };
        let (mut lo, mut hi) = (0.01, 10.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if lotka(mid) > 1.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        assert!(
            (lr.lambda - lo).abs() < 1e-9,
            "{name}: eigenvalue {} Euler–Lotka {lo}",
            lr.lambda
        );
        // Replacement with no migration: factor · CWR · f · Σ c_g(closed) = 1.
        let closed = chain(p, 0.0);
        let r = 1.0
            / (p.cwr
                * female
                * (FERTILE_FIRST..=FERTILE_LAST)
                    .map(|g| closed[g])
                    .sum::<f64>());
        assert!(
            (lr.replacement_factor - r).abs() < 1e-9 * r,
            "{name}: {} vs {r}",
            lr.replacement_factor
        );
    }
}

#[test]
fn eigenvalue_and_stable_structure_agree_with_the_engine_run_far_out() {
    for name in SCENARIOS {
        let s = Scenario::load(&kama(name)).unwrap();
        let proj = s.project().unwrap();
        let lr = long_run(&s.model, &proj).unwrap();
        if lr.affine {
            continue;
        }
        let p = s.model.periods.last().unwrap();
        let (growth, shares) = far_run(&s.model, p, proj.population.last().unwrap(), 600);
        assert!(
            (growth - lr.lambda).abs() < 1e-6 * lr.lambda,
            "{name}: engine growth {growth}, eigenvalue {}",
            lr.lambda
        );
        let n = s.model.ages.len();
        for a in 0..n {
            for sex in 0..2 {
                assert!(
                    (shares[sex][a] - lr.stable[a][sex]).abs() < 1e-6,
                    "{name} sex {sex} age {a}: engine {} stable {}",
                    shares[sex][a],
                    lr.stable[a][sex]
                );
            }
        }
        let sum: f64 = lr.stable.iter().map(|c| c[0] + c[1]).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        assert!((lr.stable_groups.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn momentum_is_where_the_closed_replacement_population_settles() {
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let proj = s.project().unwrap();
    let lr = long_run(&s.model, &proj).unwrap();
    let mut p = s.model.periods.last().unwrap().clone();
    p.migration = [[0.0; MAX_AGES]; 2];
    p.cwr *= lr.replacement_factor;
    let n = s.model.ages.len();
    let mut cur = *proj.population.last().unwrap();
    let mut next = [[0.0; MAX_AGES]; 2];
    for _ in 0..600 {
        step(n, s.model.fertility, s.model.migration, &p, &cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    let settled = total(&cur, n);
    assert!(
        (settled - lr.momentum_total).abs() < 1e-6 * settled,
        "engine settles at {settled}, momentum says {}",
        lr.momentum_total
    );
    assert!((lr.from_total - proj.total(proj.years.len() - 1)).abs() < 1e-9);
    // An aged population shrinks even at replacement: momentum below 1.
    assert!(lr.momentum < 1.0);
}

#[test]
fn constant_migrants_lead_to_the_equilibrium_the_map_predicts() {
    // パターン1's last period with 20 households of a couple aged 30-34 and a child of 0-4 a
    // year (100 of each per period) settling for ever.
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let proj = s.project().unwrap();
    let mut p = s.model.periods.last().unwrap().clone();
    let start = *proj.years.last().unwrap();
    p.start = start;
    for sex in 0..2 {
        p.flows[sex][6] = 100.0;
        p.flows[sex][0] = 50.0;
    }
    p.has_flows = true;
    let model = Model {
        base_year: start,
        periods: vec![p.clone()],
        ..s.model.clone()
    };
    let one = project(&model, proj.population.last().unwrap()).unwrap();
    let lr = long_run(&model, &one).unwrap();
    assert!(lr.affine && lr.lambda < 1.0);
    let eq = lr.equilibrium.expect("an equilibrium");
    let n = model.ages.len();
    let mut cur = *proj.population.last().unwrap();
    let mut next = [[0.0; MAX_AGES]; 2];
    for _ in 0..600 {
        step(n, model.fertility, model.migration, &p, &cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    let settled = total(&cur, n);
    assert!(
        (settled - eq).abs() < 1e-6 * eq,
        "engine {settled}, equilibrium {eq}"
    );
    // The map's constant: a closed-off zero population receives exactly the flows' survivors.
    let map = Map::of(n, model.fertility, model.migration, &p);
    let zero = map.apply(&[[0.0; MAX_AGES]; 2]);
    let mut engine = [[0.0; MAX_AGES]; 2];
    step(
        n,
        model.fertility,
        model.migration,
        &p,
        &[[0.0; MAX_AGES]; 2],
        &mut engine,
    );
    for sex in 0..2 {
        for a in 0..n {
            assert!(
                (zero[sex][a] - engine[sex][a]).abs() < 1e-9,
                "sex {sex} age {a}"
            );
        }
    }
}

#[test]
fn the_stop_year_is_the_minimum_of_the_projection_run_longer() {
    // Sim2 (TFR 2.1 and no migration): λ > 1, so the decline stops. Run the same scenario to
    // 2200 and find the first year no lower than five years before.
    let s = Scenario::load(&kama("sim2-tfr21-zero-migration.toml")).unwrap();
    let proj = s.project().unwrap();
    let lr = long_run(&s.model, &proj).unwrap();
    assert!(lr.lambda > 1.0, "λ = {}", lr.lambda);
    let (year, level) = lr.stop.expect("the decline stops");
    let longer = Scenario::load_with_overrides(
        &kama("sim2-tfr21-zero-migration.toml"),
        "horizon = 2200",
        "test",
    )
    .unwrap();
    let lp = longer.project().unwrap();
    let k = (1..lp.years.len())
        .find(|&k| lp.total(k) >= lp.total(k - 1))
        .unwrap();
    assert_eq!(lp.years[k], year);
    assert!((lp.total(k) - level).abs() < 1e-6 * level);
}

#[test]
fn longrun_command_prints_the_table_and_json_and_refuses_a_bad_file() {
    let out = Command::cargo_bin("jinko")
        .unwrap()
        .current_dir(crate::common::root())
        .args([
            "longrun",
            "scenarios/kama/ipss-h30.toml",
            "scenarios/kama/sim2-tfr21-zero-migration.toml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("人口の長期的な安定") && text.contains("人口減少が止まる年"));
    let out = Command::cargo_bin("jinko")
        .unwrap()
        .current_dir(crate::common::root())
        .args([
            "longrun",
            "scenarios/kama/ipss-h30.toml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lambda = v[0]["long_run"]["lambda"].as_f64().unwrap();
    assert!(lambda > 0.0 && lambda < 1.0);
    let out = Command::cargo_bin("jinko")
        .unwrap()
        .args(["longrun", "no/such/scenario.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/scenario.toml"));
}

#[test]
fn the_report_has_the_long_run_of_each_scenario() {
    // The growth per five years of Sim2 is the root of the Euler–Lotka equation (tested above);
    // the report prints the same λ to four decimals, and the stop year the continued run finds.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    Command::cargo_bin("jinko")
        .unwrap()
        .args(["report", "--no-png", "--out"])
        .arg(&out)
        .arg(kama("ipss-h30.toml"))
        .arg(kama("sim2-tfr21-zero-migration.toml"))
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let at = html.find("id=\"long-run\"").expect("the long-run section");
    let section = &html[at..at + html[at..].find("</table>").unwrap()];
    for name in ["ipss-h30.toml", "sim2-tfr21-zero-migration.toml"] {
        let s = Scenario::load(&kama(name)).unwrap();
        let l = long_run(&s.model, &s.project().unwrap()).unwrap();
        assert!(
            section.contains(&format!("{:.4}", l.lambda)),
            "{name}: {section}"
        );
    }
    let sim2 = Scenario::load(&kama("sim2-tfr21-zero-migration.toml")).unwrap();
    let l = long_run(&sim2.model, &sim2.project().unwrap()).unwrap();
    assert!(section.contains(&format!("{}年", l.stop.unwrap().0)));
    assert!(section.contains("年後も減少"), "パターン1 keeps falling");
}
