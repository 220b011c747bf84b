//! A seeded mutation test over the shipped Kama files: every input kind (pack manifest and CSV
//! files, scenarios with `extends`, the KPI file, actuals, variants, sweep and Monte Carlo specs)
//! is mutated — byte flips, numbers swapped for NaN, ±inf, ±1e308, −1, 0, 5e-324, 1e15 or
//! `6,42`, deleted key lines, duplicated lines, truncation — and run through the library as the
//! commands do. Each case must end "ok" or "input error" (exit code 2): never a panic, an error of
//! exit code 1, a non-finite number in the output, or a case running past [`HANG`].
//!
//! `fuzz_shipped_files_quick` runs in CI (a few hundred cases, and a small sample through the
//! binary). The campaign is `#[ignore]`d: `JINKO_FUZZ_CASES=100000 cargo test --release --test
//! tests hardening::fuzz::campaign -- --ignored --nocapture` prints the count per outcome.

use super::Pack;
use jinko::batch::montecarlo::MonteCarlo;
use jinko::batch::progress::Progress;
use jinko::batch::sweep::Sweep;
use jinko::scenario::Scenario;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::path::Path;

/// The files mutated, and what reads them.
const FILES: [&str; 17] = [
    "pack.toml",
    "census.csv",
    "ipss_h30_projection.csv",
    "wpp2024_japan_mx.csv",
    "wpp2024_japan_srb.csv",
    "reference.csv",
    "census_2020_margins.csv",
    "ipss_r5_projection_summary.csv",
    "ipss-h30.toml",
    "sim1-tfr21.toml",
    "target.toml",
    "ipss-h30-base2020.toml",
    "kpi.toml",
    "studies/sweep-tfr-migration.toml",
    "studies/montecarlo.toml",
    "variants.csv",
    "actuals.csv",
];

const SCENARIOS: [&str; 5] = [
    "ipss-h30.toml",
    "sim1-tfr21.toml",
    "sim2-tfr21-zero-migration.toml",
    "target.toml",
    "ipss-h30-base2020.toml",
];

const VARIANTS: &str =
    "id,fert_mult,mort_mult,mig_mult\nlow,0.9,1.1,1.2\nbase,1,1,1\nhigh,1.1,0.9,0.8\n";
const ACTUALS: &str = "kpi_id,year,value\npopulation,2025,31000\n";

const HOSTILE: [&str; 12] = [
    "nan", "inf", "-inf", "1e308", "-1e308", "-1", "0", "5e-324", "1e15", "\"6,42\"", "1e100",
    "-0.5",
];

/// How one case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Read, projected, printed; every number finite.
    Ok,
    /// An error of exit code 2.
    InputError,
    /// An error of exit code 1 (a failure of the test).
    OtherError,
    /// A panic (a failure).
    Panic,
    /// A NaN, inf or empty number in an output (a failure).
    NonFinite,
    /// A case that ran longer than [`HANG`] (a failure).
    Hang,
}

/// A case running longer than this counts as a hang (the slowest ordinary case, a Monte Carlo
/// of 200 trajectories or a sweep of 2,000 variants in a debug build, takes well under a second).
const HANG: std::time::Duration = std::time::Duration::from_secs(10);

/// The slowest case so far, in microseconds (reported by the campaign).
static SLOWEST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Apply one random mutation to `text`.
fn mutate(rng: &mut ChaCha8Rng, text: &[u8]) -> Vec<u8> {
    let mut b = text.to_vec();
    let lines: Vec<(usize, usize)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' {
                v.push((start, i + 1));
                start = i + 1;
            }
        }
        if start < b.len() {
            v.push((start, b.len()));
        }
        v
    };
    match rng.gen_range(0..6) {
        0 if !b.is_empty() => {
            // Byte flips.
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..b.len());
                b[i] = rng.gen();
            }
        }
        1 | 2 => {
            // A number swapped for a hostile one.
            let nums: Vec<(usize, usize)> = numbers(&b);
            if let Some(&(s, e)) = nums.get(rng.gen_range(0..nums.len().max(1))) {
                let h = HOSTILE[rng.gen_range(0..HOSTILE.len())];
                b.splice(s..e, h.bytes());
            }
        }
        3 if !lines.is_empty() => {
            // A key (or row) deleted.
            let keyed: Vec<&(usize, usize)> = lines
                .iter()
                .filter(|(s, e)| b[*s..*e].contains(&b'=') || b[*s..*e].contains(&b','))
                .collect();
            if let Some(&&(s, e)) = keyed.get(rng.gen_range(0..keyed.len().max(1))) {
                b.drain(s..e);
            }
        }
        4 if !lines.is_empty() => {
            // A line duplicated.
            let (s, e) = lines[rng.gen_range(0..lines.len())];
            let copy = b[s..e].to_vec();
            b.splice(e..e, copy);
        }
        _ if !b.is_empty() => {
            // Truncated.
            let n = rng.gen_range(0..b.len());
            b.truncate(n);
        }
        _ => {}
    }
    b
}

/// Spans of decimal numbers in `b`.
fn numbers(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphabetic()) {
            let s = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            let mut e = i;
            while e < b.len() && (b[e].is_ascii_digit() || b[e] == b'.') {
                e += 1;
            }
            if e == b.len() || !b[e].is_ascii_alphabetic() {
                out.push((s, e));
            }
            i = e;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `text` (CSV, JSON or a table) holds a non-finite number (or a JSON `null`, which is
/// how serde_json writes one).
fn non_finite(text: &str) -> Option<String> {
    non_finite_in(text, true)
}

/// As [`non_finite`], `null` counted only if `nulls`.
fn non_finite_in(text: &str, nulls: bool) -> Option<String> {
    for line in text.lines() {
        for cell in line.split([',', ' ', '\t', ':', '[', ']', '{', '}']) {
            let c = cell.trim().trim_matches('"').trim_end_matches('%');
            let c = c.trim_start_matches(['+', '-']);
            if matches!(c, "NaN" | "nan" | "inf" | "infinity") || (nulls && c == "null") {
                return Some(line.to_string());
            }
        }
    }
    None
}

fn classify(r: std::thread::Result<jinko::Result<Option<String>>>) -> (Outcome, String) {
    match r {
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            (Outcome::Panic, msg)
        }
        Ok(Ok(None)) => (Outcome::Ok, String::new()),
        Ok(Ok(Some(line))) => (Outcome::NonFinite, line),
        Ok(Err(e)) if e.exit_code() == 2 => (Outcome::InputError, e.to_string()),
        Ok(Err(e)) => (Outcome::OtherError, e.to_string()),
    }
}

/// Check the numbers of a projection and its three printed forms.
fn check_projection(s: &Scenario) -> jinko::Result<Option<String>> {
    let p = s.project()?;
    for t in 0..p.population.len() {
        if !p.total(t).is_finite() {
            return Ok(Some(format!("total {t} = {}", p.total(t))));
        }
    }
    // The TFR is `null` where no TFR is known (no tfr_base): checked as numbers, not as text.
    for &y in &p.years {
        if let Some(t) = s.tfr_in(y).filter(|t| !t.is_finite()) {
            return Ok(Some(format!("TFR {t} in {y}")));
        }
    }
    let mut value = jinko::output::projection::json(s, &p);
    if let Some(a) = value.get_mut("assumptions").and_then(|a| a.as_object_mut()) {
        a.remove("tfr");
    }
    let json = serde_json::to_string(&value).unwrap();
    let csv = jinko::output::projection::csv(&p);
    let table = jinko::output::projection::table(s, &p);
    Ok(non_finite(&json)
        .or_else(|| non_finite(&csv))
        .or_else(|| non_finite(&table)))
}

/// Run what reads `file` in the pack folder `dir`.
fn exercise(dir: &Path, file: &str, pick: usize) -> jinko::Result<Option<String>> {
    match file {
        "kpi.toml" | "actuals.csv" => {
            let mut strategy = jinko::kpi::load(&dir.join("kpi.toml"))?;
            if file == "actuals.csv" {
                jinko::kpi::apply_actuals_file(&mut strategy, &dir.join(file))?;
            }
            let review = jinko::kpi::review(&strategy)?;
            // The rendered files echo the file's own text (labels), so the numbers are checked
            // where they are computed: every ratio and percent graded.
            let _ = jinko::kpi::render_json(&review, jinko::kpi::Lang::Ja);
            let _ = jinko::kpi::render_table(&review, jinko::kpi::Lang::En);
            let assessments = review
                .kpis
                .iter()
                .flat_map(|k| {
                    std::iter::once(&k.assessment).chain(k.series.iter().map(|s| &s.assessment))
                })
                .chain(
                    review
                        .indicators
                        .iter()
                        .flat_map(|i| i.points.iter().filter_map(|p| p.assessment.as_ref())),
                );
            for a in assessments {
                for v in [a.ratio, a.percent].into_iter().flatten() {
                    if !v.is_finite() {
                        return Ok(Some(format!("a KPI ratio or percent is {v}")));
                    }
                }
            }
            Ok(None)
        }
        "studies/sweep-tfr-migration.toml" => {
            let sweep = Sweep::load(&dir.join(file))?;
            if sweep.count() > 2_000 {
                return Ok(None); // loaded and checked; too many variants to run per case
            }
            let r = sweep.run(&Progress::hidden())?;
            Ok(non_finite(&r.csv()).or_else(|| non_finite(&r.grid_csv())))
        }
        "studies/montecarlo.toml" => {
            let mut mc = MonteCarlo::load(&dir.join(file))?;
            mc.trajectories = mc.trajectories.min(200);
            let r = mc.run(false, &Progress::hidden())?;
            Ok(non_finite(&r.csv()).or_else(|| non_finite(&r.table())))
        }
        "variants.csv" => {
            let s = Scenario::load(&dir.join("ipss-h30.toml"))?;
            let list = jinko::batch::variants::read_variants(&dir.join(file), &s)?;
            let r = jinko::batch::variants::run(&s, &list, false, &Progress::hidden())?;
            Ok(non_finite(&r.csv()))
        }
        f if f.ends_with(".toml") && f != "pack.toml" => {
            check_projection(&Scenario::load(&dir.join(f))?)
        }
        _ => check_projection(&Scenario::load(
            &dir.join(SCENARIOS[pick % SCENARIOS.len()]),
        )?),
    }
}

/// Run `cases` seeded cases (seed `seed`) and count the outcomes; the first failures are kept.
pub fn campaign_counts(seed: u64, cases: usize) -> (BTreeMap<Outcome, usize>, Vec<String>) {
    let pack = Pack::new();
    pack.write("variants.csv", VARIANTS);
    pack.write("actuals.csv", ACTUALS);
    let originals: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| std::fs::read(pack.path(f)).unwrap())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = BTreeMap::new();
    let mut failures = Vec::new();
    for case in 0..cases {
        let f = rng.gen_range(0..FILES.len());
        let mut text = originals[f].clone();
        for _ in 0..rng.gen_range(1..3) {
            text = mutate(&mut rng, &text);
        }
        std::fs::write(pack.path(FILES[f]), &text).unwrap();
        let pick = rng.gen_range(0..SCENARIOS.len());
        let started = std::time::Instant::now();
        let r = std::panic::catch_unwind(|| exercise(pack.dir.path(), FILES[f], pick));
        let took = started.elapsed();
        let (outcome, msg) = classify(r);
        // A case running past the limit is a hang, whatever it returned.
        let (outcome, msg) = if took > HANG {
            (Outcome::Hang, format!("{:.1} s; {msg}", took.as_secs_f64()))
        } else {
            (outcome, msg)
        };
        SLOWEST.fetch_max(
            took.as_micros() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        *counts.entry(outcome).or_insert(0) += 1;
        if outcome > Outcome::InputError && failures.len() < 20 {
            failures.push(format!("case {case} ({}): {outcome:?}: {msg}", FILES[f]));
        }
        std::fs::write(pack.path(FILES[f]), &originals[f]).unwrap();
    }
    (counts, failures)
}

#[test]
fn fuzz_shipped_files_quick() {
    let (counts, failures) = campaign_counts(13, 300);
    assert!(failures.is_empty(), "{counts:?}\n{}", failures.join("\n"));
    assert!(
        counts.get(&Outcome::Ok).copied().unwrap_or(0) > 0,
        "{counts:?}"
    );
    assert!(
        counts.get(&Outcome::InputError).copied().unwrap_or(0) > 0,
        "{counts:?}"
    );
}

#[test]
fn fuzz_sample_through_the_binary() {
    // A few mutated cases through `jinko` itself: exit code 0 or 2, no panic, one error line.
    let pack = Pack::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1313);
    let targets: [(&str, &[&str]); 4] = [
        ("ipss-h30.toml", &["project", "--format", "csv"]),
        ("census.csv", &["compare"]),
        (
            "studies/montecarlo.toml",
            &["montecarlo", "-n", "50", "--format", "json"],
        ),
        ("kpi.toml", &["kpi"]),
    ];
    for case in 0..16 {
        let (file, args) = targets[case % targets.len()];
        let original = std::fs::read(pack.path(file)).unwrap();
        std::fs::write(pack.path(file), mutate(&mut rng, &original)).unwrap();
        let target = match file {
            "census.csv" => pack.path("ipss-h30.toml"),
            f => pack.path(f),
        };
        let mut cmd: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&args[0]];
        cmd.push(&target);
        for a in &args[1..] {
            cmd.push(a);
        }
        let r = super::run(&cmd);
        assert!(
            matches!(r.code, Some(0) | Some(2)),
            "case {case} {file}: {:?} {}",
            r.code,
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        if r.code == Some(0) {
            assert!(non_finite(&r.stdout).is_none(), "case {case}: {}", r.stdout);
        } else {
            assert_eq!(
                r.stderr
                    .lines()
                    .filter(|l| l.starts_with("error: "))
                    .count(),
                1,
                "{}",
                r.stderr
            );
        }
        std::fs::write(pack.path(file), original).unwrap();
    }
}

#[test]
#[ignore = "the long campaign: JINKO_FUZZ_CASES=100000 cargo test --release --test tests hardening::fuzz::campaign -- --ignored --nocapture"]
fn campaign() {
    let cases: usize = std::env::var("JINKO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = std::env::var("JINKO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_202);
    let t = std::time::Instant::now();
    // One worker per core, each on its own copy of the pack and its own seed.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results: Vec<_> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let n = cases / workers + usize::from(w < cases % workers);
                sc.spawn(move || campaign_counts(seed + w as u64, n))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut counts: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (c, f) in results {
        for (k, v) in c {
            *counts.entry(k).or_insert(0) += v;
        }
        failures.extend(f);
    }
    println!(
        "fuzz campaign: seed {seed}, {cases} cases in {:.1} s (slowest case {:.3} s): {counts:?}",
        t.elapsed().as_secs_f64(),
        SLOWEST.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
    );
    for f in &failures {
        println!("{f}");
    }
    assert!(failures.is_empty());
}
