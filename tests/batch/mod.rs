//! Batch studies (issue #5): the batched engine against the scalar engine at scale, the five
//! commands on the Kama pack, reproducibility of Monte Carlo across thread counts, `solve`
//! checked by projecting its answer, and one clear error (exit 2) for each kind of bad input.

use crate::common::{kama, prec, rel};
use assert_cmd::Command;
use jinko::batch::engine::{BatchEngine, Isa};
use jinko::batch::montecarlo::MonteCarlo;
use jinko::batch::progress::Progress;
use jinko::batch::solve::{solve, Unknown};
use jinko::batch::Multipliers;
use jinko::engine::{project, Cells, FertilityMethod, Model, Timing};
use jinko::grid::Sex;
use jinko::scenario::Scenario;
use std::path::Path;

fn jinko() -> Command {
    Command::cargo_bin("jinko").unwrap()
}

/// xorshift: deterministic test randomness without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

#[path = "../../benches/common/mod.rs"]
mod fixture;
use fixture::asfr_model;

/// The models the batched engine is checked on: CWR with rates (Kama パターン1), the same with
/// settling households (flows), ASFR with counts (even and end timing), and CWR with counts.
fn models() -> Vec<(&'static str, Model, Cells)> {
    let ipss = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let measures = Scenario::load_with_overrides(
        &kama("ipss-h30.toml"),
        "[[measures]]\nname = \"settlers\"\nhouseholds_per_year = 40\nfrom = 2022\nuntil = 2050\nhousehold = { \"male 30-34\" = 1, \"female 30-34\" = 1, \"0-4\" = 1.5 }\n",
        "test",
    )
    .unwrap();
    let (even, base) = asfr_model(Timing::Even);
    let (end, _) = asfr_model(Timing::End);
    let mut cwr_counts = even.clone();
    cwr_counts.fertility = FertilityMethod::Cwr;
    for p in &mut cwr_counts.periods {
        p.cwr = 0.2;
    }
    vec![
        ("kama_cwr_rates", ipss.model.clone(), ipss.base),
        (
            "kama_cwr_rates_measures",
            measures.model.clone(),
            measures.base,
        ),
        ("asfr_counts_even", even, base),
        ("asfr_counts_end", end, base),
        ("cwr_counts_even", cwr_counts, base),
    ]
}

fn random_multipliers(rng: &mut Rng, k: usize) -> Multipliers {
    let mut m = Multipliers::identity(k);
    let constant = rng.next() < 0.3;
    let (f0, d0, g0) = (
        rng.range(0.5, 1.5),
        rng.range(0.0, 2.0),
        rng.range(-1.0, 2.0),
    );
    for p in 0..k {
        if constant {
            m.fert[p] = f0;
            m.mort[p] = if rng.next() < 0.2 { 1.0 } else { d0 };
            m.mig[p] = g0;
        } else {
            m.fert[p] = rng.range(0.5, 1.5);
            m.mort[p] = rng.range(0.0, 2.0);
            m.mig[p] = rng.range(-1.0, 2.0);
        }
    }
    m
}

#[test]
fn batched_engine_equals_scalar_engine_on_1000_random_variants() {
    for (name, model, base) in models() {
        let k = model.periods.len();
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let variants: Vec<Multipliers> =
            (0..1000).map(|_| random_multipliers(&mut rng, k)).collect();
        let reference: Vec<Vec<Cells>> = variants
            .iter()
            .map(|m| project(&m.apply(&model), &base).unwrap().population)
            .collect();
        for isa in [Isa::Portable, Isa::Avx2, Isa::Avx512] {
            if !isa.available() {
                continue;
            }
            let engine = BatchEngine::new(&model, &base).unwrap().with_isa(isa);
            let years = engine.years_len();
            let fill = |i: usize, m: &mut Multipliers| *m = variants[i].clone();
            let pops = engine.populations(variants.len(), fill, &Progress::hidden());
            let totals = engine.totals(variants.len(), fill, &Progress::hidden());
            for (i, want) in reference.iter().enumerate() {
                for y in 0..years {
                    let got = &pops[i * years + y];
                    let mut total = 0.0;
                    for s in 0..2 {
                        for a in 0..model.ages.len() {
                            let (g, w) = (got[s][a], want[y][s][a]);
                            assert!(
                                (g - w).abs() <= prec::SAME_REL * w.abs().max(1.0),
                                "{name} {} variant {i} year {y} sex {s} age {a}: {g} vs {w}",
                                isa.name()
                            );
                            total += w;
                        }
                    }
                    let t = totals[i * years + y];
                    assert!(
                        rel(t, total) <= prec::SAME_REL,
                        "{name} {} variant {i} year {y}: total {t} vs {total}",
                        isa.name()
                    );
                }
            }
        }
    }
}

#[test]
fn identity_variant_is_the_scenario() {
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let p = s.project().unwrap();
    let engine = BatchEngine::new(&s.model, &s.base).unwrap();
    let t = engine.totals(3, |_, _| {}, &Progress::hidden());
    for y in 0..engine.years_len() {
        assert!(rel(t[y], p.total(y)) <= prec::SAME_REL);
        assert_eq!(t[y], t[engine.years_len() * 2 + y]);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn batch_command_matches_one_by_one_projection() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,fert_mult,mort_mult,mig_mult\nbase,1,1,1\n");
    let mut rng = Rng(42);
    for i in 0..200 {
        text.push_str(&format!(
            "v{i},{},{},{}\n",
            rng.range(0.7, 1.3),
            rng.range(0.5, 1.5),
            rng.range(-0.5, 1.8)
        ));
    }
    let variants = write(dir.path(), "variants.csv", &text);
    let out = dir.path().join("out.csv");
    jinko()
        .args(["batch", "--quiet", "--precision", "full"])
        .arg(kama("ipss-h30.toml"))
        .arg(&variants)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let got = parse_csv(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(got[0][0], "id");
    assert_eq!(got[0][1], "total_2015");
    assert_eq!(got[0].last().unwrap(), "total_2065");
    assert_eq!(got.len(), 202);
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let k = s.model.periods.len();
    let rows = parse_csv(&text);
    for (row, line) in rows[1..].iter().zip(&got[1..]) {
        assert_eq!(row[0], line[0]);
        let v: Vec<f64> = row[1..].iter().map(|x| x.parse().unwrap()).collect();
        let m = Multipliers::constant(k, v[0], v[1], v[2]);
        let p = project(&m.apply(&s.model), &s.base).unwrap();
        for (y, cell) in line[1..].iter().enumerate() {
            let t: f64 = cell.parse().unwrap();
            assert!(rel(t, p.total(y)) <= prec::SAME_REL, "{} {y}", row[0]);
        }
    }
    // The base row is the scenario itself: 10,070 in 2065 (README).
    let base_2065: f64 = got[1].last().unwrap().parse().unwrap();
    assert_eq!(base_2065.round(), 10070.0);

    // --full: the long form.
    let full = jinko()
        .args(["batch", "--full"])
        .arg(kama("ipss-h30.toml"))
        .arg(&variants)
        .output()
        .unwrap();
    assert!(full.status.success());
    let full = String::from_utf8(full.stdout).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines[0], "id,year,sex,age,population");
    assert_eq!(lines.len(), 1 + 201 * 11 * 2 * 19);
    assert!(lines[1].starts_with("base,2015,male,0-4,"));
}

fn bad(args: &[&str], files: &[&Path], needles: &[&str]) {
    let mut cmd = jinko();
    cmd.args(args);
    for f in files {
        cmd.arg(f);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    for n in needles {
        assert!(err.contains(n), "missing {n:?} in {err}");
    }
}

#[test]
fn bad_variants_rows_are_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = kama("ipss-h30.toml");
    let f = write(dir.path(), "v.csv", "id,fert_mult\na,1\nb,abc\n");
    bad(
        &["batch"],
        &[&s, &f],
        &[
            "v.csv, line 3, field `fert_mult`",
            "expected a finite number",
        ],
    );
    let f = write(dir.path(), "v.csv", "id,mort_mult\na,-0.5\n");
    bad(
        &["batch"],
        &[&s, &f],
        &["line 2, field `mort_mult`", "0 or more"],
    );
    let f = write(dir.path(), "v.csv", "id,mig_mult\na,5\n");
    bad(
        &["batch"],
        &[&s, &f],
        &["line 2, field `mig_mult`", "below −1"],
    );
    let f = write(dir.path(), "v.csv", "id,fert\na,1\n");
    bad(
        &["batch"],
        &[&s, &f],
        &["line 1, field `fert`", "unknown column"],
    );
    let f = write(dir.path(), "v.csv", "id,fert_mult\na,1,2\n");
    bad(&["batch"], &[&s, &f], &["line 2", "expected 2 fields"]);
}

#[test]
fn sweep_example_projects_every_combination_and_matches_overrides() {
    let out = jinko()
        .args(["sweep", "--quiet", "--format", "json"])
        .arg(kama("studies/sweep-tfr-migration.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let variants = v["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 21 * 2 * 25);
    assert_eq!(v["target"], 17033.0);
    let grids = v["grids"].as_array().unwrap();
    assert_eq!(grids.len(), 2, "one grid per tfr_by");
    assert_eq!(grids[0]["total"].as_array().unwrap().len(), 21);
    assert_eq!(grids[0]["total"][0].as_array().unwrap().len(), 25);
    // A few variants against loading the scenario with the same overrides.
    for i in [0usize, 137, 600, 1049] {
        let var = &variants[i];
        let p = &var["parameters"];
        let over = format!(
            "[fertility]\ntfr = {{ 2020 = 1.56, {} = {} }}\n[migration]\nmultiplier = {{ 2025 = {} }}\n",
            p["tfr_by"].as_f64().unwrap() as i64,
            p["tfr"],
            p["migration"]
        );
        let s = Scenario::load_with_overrides(&kama("ipss-h30.toml"), &over, "test").unwrap();
        let want = s.project().unwrap();
        let totals = var["totals"].as_array().unwrap();
        for (y, t) in totals.iter().enumerate() {
            let t = t.as_f64().unwrap();
            assert!(
                rel(t, want.total(y)) <= 1e-12,
                "variant {i} year {y}: {t} vs {}",
                want.total(y)
            );
        }
    }
    // Sim1 is one point of the grid: TFR 2.1 by 2030, multiplier 1.
    let sim1 = Scenario::load(&kama("sim1-tfr21.toml"))
        .unwrap()
        .project()
        .unwrap();
    let point = variants
        .iter()
        .find(|v| {
            v["parameters"]["tfr"] == 2.1
                && v["parameters"]["tfr_by"] == 2030.0
                && v["parameters"]["migration"] == 1.0
        })
        .unwrap();
    assert!(rel(point["totals"][10].as_f64().unwrap(), sim1.total(10)) < 1e-12);

    // The grid format: a matrix per tfr_by.
    let grid = jinko()
        .args(["sweep", "--quiet", "--format", "grid"])
        .arg(kama("studies/sweep-tfr-migration.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8(grid.stdout).unwrap();
    assert!(
        text.starts_with("# total 2065; tfr_by=2030, tfr_from=2020, migration_from=2025\n")
            || text.starts_with("# total 2065; migration_from=2025, tfr_by=2030, tfr_from=2020\n"),
        "{}",
        &text[..200]
    );
    assert!(text.contains("tfr\\migration,0,0.05,0.1"));
}

#[test]
fn sweep_spec_errors() {
    let dir = tempfile::tempdir().unwrap();
    let scen = kama("ipss-h30.toml");
    let spec = |body: &str| {
        write(
            dir.path(),
            "s.toml",
            &format!("scenario = {:?}\n{body}", scen.display().to_string()),
        )
    };
    let f = spec("colour = 1\n[parameters]\nfert_mult = 1\n");
    bad(&["sweep"], &[&f], &["s.toml", "colour"]);
    let f = spec("[parameters]\nfertility = [1, 2]\n");
    bad(
        &["sweep"],
        &[&f],
        &[
            "s.toml, line 3, field `parameters.fertility`",
            "unknown parameter",
        ],
    );
    let f = spec("[parameters]\nfert_mult = [1, -0.2]\n");
    bad(
        &["sweep"],
        &[&f],
        &["field `parameters.fert_mult`", "0 or more"],
    );
    let f = spec("[parameters]\ntfr = 2.0\n");
    bad(&["sweep"], &[&f], &["tfr_by"]);
    let f = spec("[parameters]\nmig_mult = { from = 0, to = 1 }\n");
    bad(&["sweep"], &[&f], &["`step` or `n`"]);
}

fn mc_spec(dir: &Path, n: usize, extra: &str) -> std::path::PathBuf {
    write(
        dir,
        "mc.toml",
        &format!(
            "scenario = {:?}\ntrajectories = {n}\nseed = 7\n{extra}",
            kama("ipss-h30.toml").display().to_string()
        ),
    )
}

const MC_PARAMS: &str = "[parameters.fert_mult]\ndistribution = \"truncated-normal\"\nmean = 1\nsd = 0.1\nmin = 0.6\nmax = 1.4\n\
[parameters.mort_mult]\ndistribution = \"triangular\"\nmin = 0.8\nmode = 1\nmax = 1.2\n\
[parameters.mig_mult]\ndistribution = \"normal\"\nmean = 1\nsd = 0.25\n\
[shocks.fert]\nsd = 0.05\nrho = 0.5\n[shocks.mig]\nsd = 0.15\n";

#[test]
fn monte_carlo_is_the_same_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mc = MonteCarlo::load(&mc_spec(dir.path(), 5000, MC_PARAMS)).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| mc.run(true, &Progress::hidden()).unwrap())
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one, two);
    assert_eq!(one.totals, two.totals);
    // Every trajectory is what the scalar engine gives for its draws.
    let s = &mc.scenario;
    let base = rand_chacha_base(mc.seed);
    let totals = one.totals.as_ref().unwrap();
    let years = one.years.len();
    for i in [0usize, 1, 4999] {
        let mut m = Multipliers::identity(s.model.periods.len());
        mc.draw(&base, i, &mut m);
        let p = project(&m.apply(&s.model), &s.base).unwrap();
        assert!(rel(totals[i * years + 10], p.total(10)) <= prec::SAME_REL);
    }
    // Percentiles increase; the probability is a share.
    for y in &one.by_year {
        assert!(y.values.windows(2).all(|w| w[0] <= w[1]));
    }
    let pr = one.probability.unwrap();
    assert!((0.0..=1.0).contains(&pr));
    assert_eq!(one.target, Some(17033.0));
}

fn rand_chacha_base(seed: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

#[test]
fn monte_carlo_command_reports_percentiles_and_probability() {
    let dir = tempfile::tempdir().unwrap();
    let traj = dir.path().join("traj.csv");
    let out = jinko()
        .args([
            "montecarlo",
            "--quiet",
            "-n",
            "3000",
            "--format",
            "json",
            "--threads",
            "2",
        ])
        .arg(kama("studies/montecarlo.toml"))
        .arg("--trajectories-out")
        .arg(&traj)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ps: Vec<f64> = v["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    for p in [2.5, 10.0, 25.0, 50.0, 75.0, 90.0, 97.5, 5.0, 95.0] {
        assert!(ps.contains(&p), "{p}");
    }
    assert_eq!(v["by_year"].as_array().unwrap().len(), 11);
    assert_eq!(v["year"], 2065);
    let p = v["probability"].as_f64().unwrap();
    assert!((0.0..0.2).contains(&p), "{p}");
    let t = std::fs::read_to_string(&traj).unwrap();
    assert_eq!(t.lines().count(), 3001);
    // Same seed, one thread: the same output.
    let again = jinko()
        .args([
            "montecarlo",
            "--quiet",
            "-n",
            "3000",
            "--format",
            "json",
            "--threads",
            "1",
        ])
        .arg(kama("studies/montecarlo.toml"))
        .output()
        .unwrap();
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn monte_carlo_spec_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = mc_spec(
        dir.path(),
        10,
        "[parameters.fert_mult]\ndistribution = \"normal\"\nmean = 1\nsd = -0.1\n",
    );
    bad(
        &["montecarlo"],
        &[&f],
        &[
            "mc.toml",
            "parameters.fert_mult",
            "impossible parameters for the normal distribution",
        ],
    );
    let f = mc_spec(
        dir.path(),
        10,
        "[parameters.fert_mult]\ndistribution = \"beta\"\nalpha = 0\nbeta = 2\n",
    );
    bad(&["montecarlo"], &[&f], &["alpha > 0"]);
    let f = mc_spec(
        dir.path(),
        10,
        "[parameters.fert_mult]\ndistribution = \"triangular\"\nmin = 1\nmode = 3\nmax = 2\n",
    );
    bad(&["montecarlo"], &[&f], &["triangular"]);
    let f = mc_spec(
        dir.path(),
        10,
        "[parameters.fert_mult]\ndistribution = \"cauchy\"\n",
    );
    bad(&["montecarlo"], &[&f], &["unknown distribution"]);
    let f = mc_spec(
        dir.path(),
        10,
        "[parameters.fert_mult]\ndistribution = \"normal\"\nmean = 1\nsd = 0.1\nshape = 2\n",
    );
    bad(&["montecarlo"], &[&f], &["line 8", "shape"]);
    let f = mc_spec(dir.path(), 10, "[shocks.mig]\nsd = 0.1\nrho = 1.5\n");
    bad(&["montecarlo"], &[&f], &["rho"]);
    let f = mc_spec(dir.path(), 10, "wobble = 3\n");
    bad(&["montecarlo"], &[&f], &["wobble"]);
}

/// `jinko solve <args> --format json <scenario>`'s answer.
fn solve_value(args: &[&str], scenario: &str) -> f64 {
    let out = jinko()
        .arg("solve")
        .args(args)
        .args(["--format", "json"])
        .arg(kama(scenario))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["value"].as_f64().unwrap()
}

/// Project `scenario` with `overrides` as `jinko project` would, and check it keeps 17,033 in
/// 2065 (to one person).
fn assert_lands_on_target(scenario: &str, overrides: &str) {
    let s = Scenario::load_with_overrides(&kama(scenario), overrides, "t").unwrap();
    let total = s.project().unwrap().total_in(2065).unwrap();
    assert!((total - 17033.0).abs() < 1.0, "{total}");
}

#[test]
fn solve_tfr_lands_on_the_target_when_projected() {
    // On Sim2 (zero migration from 2020) the TFR that keeps 17,033 in 2065.
    let tfr = solve_value(&["tfr", "--by", "2030"], "sim2-tfr21-zero-migration.toml");
    assert!((1.0..3.0).contains(&tfr), "{tfr}");
    // The scenario with the TFR path as overrides.
    let over = format!("[fertility]\ntfr = {{ 2020 = 1.56, 2030 = {tfr} }}\n");
    assert_lands_on_target("sim2-tfr21-zero-migration.toml", &over);
}

#[test]
fn solve_migration_reproduces_the_target_scenario() {
    let m = solve_value(&["migration", "--from", "2025"], "target.toml");
    // target.toml's header: bisection by hand gave 0.38887.
    assert!((m - 0.38887).abs() < 1e-4, "{m}");
    let over = format!("[migration]\nmultiplier = {{ 2025 = {m} }}\n");
    assert_lands_on_target("target.toml", &over);
}

#[test]
fn solve_households_lands_on_the_target_when_projected() {
    let h = solve_value(
        &[
            "households",
            "--from",
            "2025",
            "--until",
            "2064",
            "--household",
            "male 30-34=1,female 30-34=1,0-4=1",
        ],
        "ipss-h30.toml",
    );
    assert!(h > 0.0 && h < 1000.0, "{h}");
    let over = format!(
        "[[measures]]\nname = \"settlers\"\nhouseholds_per_year = {h}\nfrom = 2025\nuntil = 2064\nhousehold = {{ \"male 30-34\" = 1, \"female 30-34\" = 1, \"0-4\" = 1 }}\n"
    );
    assert_lands_on_target("ipss-h30.toml", &over);
}

#[test]
fn solve_says_when_the_target_cannot_be_reached() {
    // With IPSS migration, even a TFR of 3 does not keep 17,033 (the sweep shows why).
    let out = jinko()
        .args(["solve", "tfr", "--by", "2030"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    // A failure (issue #12): exit code 2, nothing on stdout, the reason on stderr.
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(
        text.starts_with("error: ") && text.contains("cannot be reached with tfr from 0.5 to 3"),
        "{text}"
    );
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let sol = solve(
        &s,
        &Unknown::Tfr {
            from: 2020,
            by: 2030,
        },
        17033.0,
        2065,
        10,
        (0.5, 3.0),
    )
    .unwrap();
    assert!(sol.value.is_none());
    assert!(sol.totals_at_bounds[1] < 17033.0);
}

#[test]
fn solve_frontier_pairs_reach_the_target() {
    let out = jinko()
        .args(["solve", "frontier", "--tfr", "1.6:2.2:0.3", "--by", "2040"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows = parse_csv(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        rows[0],
        [
            "tfr",
            "tfr_from",
            "tfr_by",
            "migration_from",
            "migration_multiplier",
            "total"
        ]
    );
    assert_eq!(rows.len(), 4);
    let mut last = f64::INFINITY;
    for r in &rows[1..] {
        let m: f64 = r[4].parse().unwrap();
        let t: f64 = r[5].parse().unwrap();
        assert!((t - 17033.0).abs() < 1.0);
        // Higher fertility allows more net emigration (a larger multiplier on negative rates).
        assert!(m > last || last.is_infinite());
        last = m;
    }
}

#[test]
fn tornado_ranks_the_bars() {
    let out = jinko()
        .args(["tornado", "--format", "csv"])
        .arg(kama("ipss-h30.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows = parse_csv(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(rows.len(), 5);
    let spreads: Vec<f64> = rows[1..].iter().map(|r| r[7].parse().unwrap()).collect();
    assert!(spreads.windows(2).all(|w| w[0] >= w[1]), "{spreads:?}");
    // The fert_mult bar is the scalar projection with fertility × 0.9 and × 1.1.
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let k = s.model.periods.len();
    let fert = rows.iter().find(|r| r[1] == "fert_mult").unwrap();
    for (col, f) in [(3, 0.9), (4, 1.1)] {
        let p = project(
            &Multipliers::constant(k, f, 1.0, 1.0).apply(&s.model),
            &s.base,
        )
        .unwrap();
        let got: f64 = fert[col].parse().unwrap();
        assert!(rel(got, p.total(10)) <= prec::SAME_REL);
    }
    bad(
        &["tornado", "--delta", "fert_mult=2"],
        &[&kama("ipss-h30.toml")],
        &["below 0"],
    );
}

#[test]
fn results_are_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("grid.csv");
    jinko()
        .args(["sweep", "--quiet", "--format", "grid", "--out"])
        .arg(&out)
        .arg(kama("studies/sweep-tfr-migration.toml"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.ends_with('\n'));
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let _ = Sex::BOTH;
}

/// The studies draw their charts: the Monte Carlo fan, the tornado and the sweep heatmap, each
/// with the 17,033 target (issue #6).
#[test]
fn studies_draw_fan_tornado_and_heatmap_charts() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&str, Vec<std::ffi::OsString>); 3] = [
        (
            "fan.svg",
            vec![
                "montecarlo".into(),
                kama("studies/montecarlo.toml").into(),
                "-n".into(),
                "2000".into(),
                "-q".into(),
            ],
        ),
        (
            "tornado.svg",
            vec!["tornado".into(), kama("target.toml").into(), "-q".into()],
        ),
        (
            "heat.svg",
            vec![
                "sweep".into(),
                kama("studies/sweep-tfr-migration.toml").into(),
                "-q".into(),
            ],
        ),
    ];
    for (file, args) in runs {
        let out_file = dir.path().join(file);
        let out = Command::cargo_bin("jinko")
            .unwrap()
            .args(&args)
            .arg("--chart")
            .arg(&out_file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svg = std::fs::read_to_string(&out_file).unwrap();
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{file}"
        );
        assert!(svg.contains("17,033"), "{file} marks the target");
        assert!(
            svg.matches("<rect").count()
                + svg.matches("<path").count()
                + svg.matches("<polyline").count()
                > 5,
            "{file} has marks"
        );
    }
}
