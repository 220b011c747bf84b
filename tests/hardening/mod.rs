//! Hardening (issue #13): one regression test per trigger of the fuzz campaign's report, named
//! after it, and a seeded mutation test over the shipped files ([`fuzz`]). Every hostile input
//! must end in exit code 0 or 2 with one clear message naming the file (or flag), never a panic,
//! an abort, a hang, a non-finite number or a replaced device.

mod fuzz;
mod output_files;
mod summary;

use crate::common::kama;
use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A copy of the Kama pack (and its studies) in a temporary folder.
pub(crate) struct Pack {
    pub dir: tempfile::TempDir,
}

impl Pack {
    pub fn new() -> Pack {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&kama(""), dir.path());
        Pack { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replace the first `from` by `to` in `file` (which must contain it).
    pub fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        let p = self.path(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        self
    }

    pub fn write(&self, file: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(file);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A scenario extending ipss-h30.toml with `body`.
    pub fn scenario(&self, name: &str, body: &str) -> PathBuf {
        self.write(name, format!("extends = \"ipss-h30.toml\"\n{body}"))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// The result of one run of the binary.
pub(crate) struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run `jinko ARGS` (at most 60 s: a hang fails the test instead of blocking it).
pub(crate) fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    run_env(args, &[])
}

pub(crate) fn run_env(args: &[&dyn AsRef<std::ffi::OsStr>], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("jinko").unwrap();
    for a in args {
        cmd.arg(a.as_ref());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.timeout(Duration::from_secs(60));
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Assert exit code 2, one `error:` line holding every part of `needles`, nothing on stdout.
fn fails(r: &Run, needles: &[&str]) -> String {
    assert_eq!(r.code, Some(2), "stderr: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout: {}", r.stdout);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error: {}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "expected {n:?} in: {}", r.stderr);
    }
    r.stderr.clone()
}

fn project(p: &Path) -> Run {
    run(&[&"project", &p])
}

fn mkfifo(p: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

// ---- Crashes and hangs ----------------------------------------------------------------------

#[test]
fn horizon_1000000000_is_an_error_not_an_abort() {
    let pack = Pack::new();
    let s = pack.scenario("h.toml", "horizon = 1000000000\n");
    fails(&project(&s), &["h.toml", "line 2", "horizon", "expected"]);
    let s = pack.scenario("h2.toml", "horizon = 1000015\n");
    fails(
        &project(&s),
        &["h2.toml", "line 2", "horizon", "calendar year"],
    );
    let s = pack.scenario("h3.toml", "horizon = 2520\n");
    fails(
        &project(&s),
        &["h3.toml", "line 2", "horizon", "at most 500 years"],
    );
    // The bound itself still projects.
    let s = pack.scenario("ok.toml", "horizon = 2515\n");
    let r = project(&s);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn sweep_of_fert_mult_100000_by_mort_mult_100_is_refused_before_allocating() {
    let pack = Pack::new();
    let spec = pack.write(
        "studies/big.toml",
        "scenario = \"../ipss-h30.toml\"\n[parameters]\nfert_mult = { from = 0.5, to = 1.5, n = 100000 }\nmort_mult = { from = 0.5, to = 1.5, n = 100 }\n",
    );
    // With the default budget (half the machine's memory) and with a small configured one.
    for env in [vec![], vec![("JINKO_MAX_MEMORY", "1G")]] {
        let r = run_env(&[&"sweep", &spec, &"--quiet"], &env);
        fails(
            &r,
            &["big.toml", "parameters", "memory", "10000000 combinations"],
        );
    }
}

#[test]
fn montecarlo_n_100000000_is_refused_before_allocating() {
    let pack = Pack::new();
    let spec = pack.path("studies/montecarlo.toml");
    let r = run_env(
        &[&"montecarlo", &spec, &"-n", &"100000000", &"--quiet"],
        &[("JINKO_MAX_MEMORY", "4G")],
    );
    fails(
        &r,
        &["command line", "`-n`", "100000000 trajectories", "memory"],
    );
    // Set in the spec, the spec's line is named.
    pack.edit(
        "studies/montecarlo.toml",
        "trajectories = 100000\n",
        "trajectories = 100000000\n",
    );
    let r = run_env(
        &[&"montecarlo", &spec, &"--quiet"],
        &[("JINKO_MAX_MEMORY", "4G")],
    );
    fails(
        &r,
        &["montecarlo.toml", "line 19", "trajectories", "memory"],
    );
    // A small configured cap proves the check on a small run too.
    let r = run_env(
        &[&"montecarlo", &spec, &"-n", &"20000", &"--quiet"],
        &[("JINKO_MAX_MEMORY", "1M")],
    );
    fails(&r, &["20000 trajectories", "at most 0.0 GiB"]);
    let r = run_env(
        &[&"montecarlo", &spec, &"-n", &"200", &"--quiet"],
        &[("JINKO_MAX_MEMORY", "1M")],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn montecarlo_threads_100000_is_an_error() {
    let spec = kama("studies/montecarlo.toml");
    let r = run(&[&"montecarlo", &spec, &"-n", &"100", &"--threads", &"100000"]);
    fails(&r, &["--threads", "100000 threads", "per core"]);
}

#[test]
fn montecarlo_threads_0_means_every_core() {
    let spec = kama("studies/montecarlo.toml");
    let a = run(&[
        &"montecarlo",
        &spec,
        &"-n",
        &"200",
        &"--threads",
        &"0",
        &"--format",
        &"csv",
    ]);
    let b = run(&[
        &"montecarlo",
        &spec,
        &"-n",
        &"200",
        &"--threads",
        &"1",
        &"--format",
        &"csv",
    ]);
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn fifo_in_place_of_toml_or_csv_is_refused_not_blocking() {
    let pack = Pack::new();
    let fifo = pack.path("fifo.toml");
    if !mkfifo(&fifo) {
        eprintln!("mkfifo unavailable: FIFO case not run");
        return;
    }
    fails(&project(&fifo), &["fifo.toml", "FIFO", "expected a file"]);
    // As the variants CSV, the actuals CSV and the pack's census.
    let r = run(&[&"batch", &kama("ipss-h30.toml"), &fifo]);
    fails(&r, &["fifo.toml", "FIFO"]);
    let r = run(&[&"kpi", &kama("kpi.toml"), &"--actuals", &fifo]);
    fails(&r, &["fifo.toml", "FIFO"]);
    std::fs::remove_file(pack.path("census.csv")).unwrap();
    assert!(mkfifo(&pack.path("census.csv")));
    fails(&project(&pack.path("ipss-h30.toml")), &["census.csv"]);
}

#[test]
fn file_of_2_gib_of_nul_bytes_as_toml_is_refused() {
    let pack = Pack::new();
    let p = pack.path("nul.toml");
    // Sparse: 2 GiB of zeros that take no disk space.
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap();
    drop(f);
    fails(&project(&p), &["nul.toml", "2147483648 bytes", "at most"]);
    // A small file of NUL bytes is a TOML error with a line, not a crash.
    let p = pack.write("nul-small.toml", vec![0u8; 4096]);
    fails(&project(&p), &["nul-small.toml", "line 1"]);
}

#[test]
fn solve_frontier_with_99001_values_is_refused() {
    let r = run(&[
        &"solve",
        &"frontier",
        &kama("ipss-h30.toml"),
        &"--tfr",
        &"0.1:10:0.0001",
        &"--by",
        &"2040",
    ]);
    fails(&r, &["--tfr", "99001 TFR values", "at most 10000"]);
}

#[test]
fn extends_chain_3000_deep_is_refused_quickly() {
    let pack = Pack::new();
    for i in 0..3000 {
        let parent = if i == 2999 {
            "ipss-h30.toml".to_string()
        } else {
            format!("c{}.toml", i + 1)
        };
        pack.write(&format!("c{i}.toml"), format!("extends = \"{parent}\"\n"));
    }
    let t = std::time::Instant::now();
    fails(
        &project(&pack.path("c0.toml")),
        &["extends", "longer than 64 files"],
    );
    assert!(t.elapsed() < Duration::from_secs(10));
    // A cycle is still reported as one.
    pack.write("a.toml", "extends = \"b.toml\"\n");
    pack.write("b.toml", "extends = \"a.toml\"\n");
    fails(&project(&pack.path("a.toml")), &["cycle"]);
}

// ---- Exit codes and messages ---------------------------------------------------------------

#[test]
fn toml_not_utf8_is_exit_2_with_file_and_line() {
    let pack = Pack::new();
    let p = pack.write(
        "bad.toml",
        b"extends = \"ipss-h30.toml\"\ntitle = \"\xff\"\n",
    );
    fails(&project(&p), &["bad.toml", "line 2", "UTF-8"]);
}

#[test]
fn toml_saved_as_shift_jis_is_read() {
    let pack = Pack::new();
    let (bytes, _, _) = encoding_rs::SHIFT_JIS
        .encode("extends = \"ipss-h30.toml\"\ntitle = \"嘉麻市 シフトJIS\"\n");
    assert!(std::str::from_utf8(&bytes).is_err());
    let p = pack.write("sjis.toml", &bytes);
    let r = run(&[&"project", &p, &"--format", &"json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("嘉麻市 シフトJIS"), "{}", r.stdout);
}

#[test]
fn directory_as_scenario_is_exit_2() {
    let pack = Pack::new();
    std::fs::create_dir(pack.path("dir.toml")).unwrap();
    fails(&project(&pack.path("dir.toml")), &["dir.toml", "folder"]);
}

#[test]
fn symlink_loop_as_scenario_is_exit_2() {
    let pack = Pack::new();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(pack.path("loop2.toml"), pack.path("loop1.toml")).unwrap();
        std::os::unix::fs::symlink(pack.path("loop1.toml"), pack.path("loop2.toml")).unwrap();
        fails(&project(&pack.path("loop1.toml")), &["loop1.toml", "loop"]);
    }
}

#[test]
fn directory_where_census_csv_should_be_says_folder() {
    let pack = Pack::new();
    std::fs::remove_file(pack.path("census.csv")).unwrap();
    std::fs::create_dir(pack.path("census.csv")).unwrap();
    let e = fails(
        &project(&pack.path("ipss-h30.toml")),
        &["pack.toml", "census.csv"],
    );
    assert!(e.contains("is a folder") && !e.contains("not found"), "{e}");
}

#[test]
fn permission_error_is_exit_2_naming_the_file() {
    // Root reads any file (CAP_DAC_OVERRIDE), so as root the binary is run as the user `nobody`
    // (uid 65534, by util-linux `setpriv`), for whom mode 000 does stop reading.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let pack = Pack::new();
        let p = pack.scenario("locked.toml", "");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let r = if root {
            // `nobody` must be able to reach the pack folder (a temporary folder is 0700).
            std::fs::set_permissions(pack.dir.path(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
            let Some(r) = run_as_nobody(&[&"project", &p]) else {
                // Said, not silent: the case needs a user other than root.
                eprintln!(
                    "SKIPPED permission_error_is_exit_2_naming_the_file: running as root and `setpriv --reuid=65534` is not available, so no user here is stopped by mode 000"
                );
                return;
            };
            r
        } else {
            project(&p)
        };
        fails(&r, &["locked.toml", "permission denied"]);
        // The same for a pack file (census.csv) read through the scenario.
        let census = pack.path("census.csv");
        std::fs::set_permissions(&census, std::fs::Permissions::from_mode(0o000)).unwrap();
        let s = pack.path("ipss-h30.toml");
        let r = if root {
            run_as_nobody(&[&"project", &s]).unwrap()
        } else {
            project(&s)
        };
        fails(&r, &["census.csv", "permission denied"]);
    }
}

/// Run `jinko ARGS` as the user `nobody` (uid and gid 65534, no groups) with util-linux
/// `setpriv`; None if that cannot be done here.
#[cfg(unix)]
fn run_as_nobody(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Option<Run> {
    let probe = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .ok()?;
    if !probe.success() {
        return None;
    }
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    cmd.arg(assert_cmd::cargo::cargo_bin("jinko"));
    for a in args {
        cmd.arg(a.as_ref());
    }
    cmd.timeout(Duration::from_secs(60));
    let out = cmd.output().ok()?;
    Some(Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[test]
fn eio_while_reading_is_exit_2_naming_the_file() {
    // Reading /proc/self/mem from offset 0 fails with EIO (address 0 is not mapped), for root
    // too: a real I/O error while reading, as a scenario and as a pack file behind a symlink.
    let mem = Path::new("/proc/self/mem");
    if std::fs::metadata(mem).is_err() {
        eprintln!("SKIPPED eio_while_reading_is_exit_2_naming_the_file: no /proc/self/mem here");
        return;
    }
    let e = fails(&project(mem), &["/proc/self/mem", "cannot be read"]);
    assert!(
        e.contains("os error 5") || e.contains("Input/output"),
        "{e}"
    );
    #[cfg(unix)]
    {
        let pack = Pack::new();
        std::fs::remove_file(pack.path("census.csv")).unwrap();
        std::os::unix::fs::symlink(mem, pack.path("census.csv")).unwrap();
        let e = fails(
            &project(&pack.path("ipss-h30.toml")),
            &["census.csv", "cannot be read"],
        );
        assert!(
            e.contains("os error 5") || e.contains("Input/output"),
            "{e}"
        );
    }
}

#[test]
fn zero_in_projection_csv_is_an_empty_cohort_carried_as_counts() {
    // A zero in a published projection is data (IPSS projects into empty cohorts in five
    // villages): the cohort's persons five years on are migrant counts, and the path is kept.
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("ipss_h30_projection.csv")).unwrap();
    let (_, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("2015,male,0-4,"))
        .unwrap();
    let published_2020: f64 = text
        .lines()
        .find(|l| l.starts_with("2020,male,5-9,"))
        .and_then(|l| l.rsplit(',').next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    pack.edit("ipss_h30_projection.csv", row, "2015,male,0-4,0");
    let s = jinko::scenario::Scenario::load(&pack.path("ipss-h30.toml")).unwrap();
    let p = s.project().unwrap();
    assert!((p.population[1][0][1] - published_2020).abs() < 1e-6);
}

#[test]
fn death_rate_of_100_names_mortality_file_line_and_age() {
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("wpp2024_japan_mx.csv")).unwrap();
    let (line, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("2015-2020,male,5,"))
        .unwrap();
    pack.edit("wpp2024_japan_mx.csv", row, "2015-2020,male,5,100");
    let e = fails(
        &project(&pack.path("ipss-h30.toml")),
        &["wpp2024_japan_mx.csv", &format!("line {}", line + 1), "mx"],
    );
    assert!(
        !e.contains("ipss-h30.toml") && !e.contains("age group 1"),
        "{e}"
    );
    // A rate within the range that still kills everyone before the open group: the row's line.
    pack.edit(
        "wpp2024_japan_mx.csv",
        "2015-2020,male,5,100",
        "2015-2020,male,5,0.9",
    );
    fails(
        &project(&pack.path("ipss-h30.toml")),
        &[
            "wpp2024_japan_mx.csv",
            &format!("line {}", line + 1),
            "2015-2020 male",
            "age 5",
            "no survivors",
        ],
    );
}

#[test]
fn missing_mortality_period_names_the_mortality_file() {
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("wpp2024_japan_mx.csv")).unwrap();
    // Keep 1950-1955 … 2010-2015 only (periods stay consecutive).
    let kept: String = text
        .lines()
        .filter(|l| {
            l.starts_with('#')
                || l.starts_with("period")
                || l.get(..4)
                    .and_then(|y| y.parse::<i32>().ok())
                    .is_some_and(|y| y < 2015)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    pack.write("wpp2024_japan_mx.csv", kept);
    fails(
        &project(&pack.path("ipss-h30.toml")),
        &[
            "wpp2024_japan_mx.csv",
            "period",
            "2015-2020",
            "1950-1955 … 2010-2015",
        ],
    );
}

#[test]
fn spec_naming_a_missing_scenario_names_the_spec_line_and_key() {
    let pack = Pack::new();
    let spec = pack.write(
        "studies/s.toml",
        "# a sweep\nscenario = \"../nope.toml\"\n[parameters]\nfert_mult = [0.9, 1.1]\n",
    );
    fails(
        &run(&[&"sweep", &spec, &"--quiet"]),
        &[
            "s.toml",
            "line 2",
            "field `scenario`",
            "nope.toml",
            "not found",
        ],
    );
    let spec = pack.write(
        "studies/m.toml",
        "scenario = \"../nope.toml\"\ntrajectories = 10\nseed = 1\n",
    );
    fails(
        &run(&[&"montecarlo", &spec, &"--quiet"]),
        &["m.toml", "line 1", "field `scenario`", "nope.toml"],
    );
}

#[test]
fn tfr_base_minus_1_in_pack_toml_is_reported_against_the_pack() {
    let pack = Pack::new();
    pack.edit("pack.toml", "value = 1.56", "value = -1");
    let e = fails(
        &project(&pack.path("sim1-tfr21.toml")),
        &["pack.toml", "parameters.tfr_base.value", "-1", "line"],
    );
    assert!(!e.contains("sim1-tfr21.toml"), "{e}");
}

#[test]
fn extends_kpi_toml_points_at_the_extends_line() {
    let pack = Pack::new();
    let s = pack.write("k.toml", "title = \"x\"\nextends = \"kpi.toml\"\n");
    fails(
        &project(&s),
        &[
            "k.toml, line 2, field `extends`",
            "kpi.toml",
            "unknown field",
        ],
    );
}

#[test]
fn impossible_net_migration_target_names_its_key_and_line() {
    let pack = Pack::new();
    let s = pack.scenario("nm.toml", "[migration]\nnet_migration = { 2020 = -1e9 }\n");
    fails(
        &project(&s),
        &[
            "nm.toml, line 3, field `migration.net_migration`",
            "cannot be reached",
        ],
    );
}

// ---- Numbers that must never be printed ------------------------------------------------------

#[test]
fn montecarlo_shock_sd_1000_is_refused() {
    let pack = Pack::new();
    pack.edit("studies/montecarlo.toml", "sd = 0.15", "sd = 1000");
    let r = run(&[
        &"montecarlo",
        &pack.path("studies/montecarlo.toml"),
        &"-n",
        &"100",
    ]);
    fails(&r, &["montecarlo.toml", "shocks.mig.sd", "from 0 to 2"]);
}

#[test]
fn montecarlo_target_nan_is_refused() {
    let pack = Pack::new();
    pack.edit(
        "studies/montecarlo.toml",
        "year = 2065",
        "year = 2065\ntarget = nan",
    );
    let r = run(&[
        &"montecarlo",
        &pack.path("studies/montecarlo.toml"),
        &"-n",
        &"100",
    ]);
    fails(&r, &["montecarlo.toml", "target", "NaN"]);
}

#[test]
fn batch_fert_mult_1e100_is_refused() {
    let pack = Pack::new();
    let v = pack.write("v.csv", "id,fert_mult\na,1e100\n");
    let r = run(&[&"batch", &kama("ipss-h30.toml"), &v]);
    fails(&r, &["v.csv, line 2, field `fert_mult`", "from 0 to 10"]);
}

#[test]
fn sweep_with_a_repeated_axis_value_is_refused() {
    let pack = Pack::new();
    let spec = pack.write(
        "studies/rep.toml",
        "scenario = \"../ipss-h30.toml\"\n[parameters]\nfert_mult = [0.9, 1.0, 0.9]\nmort_mult = [1.0, 1.1]\n[grid]\nrows = \"fert_mult\"\ncolumns = \"mort_mult\"\n",
    );
    fails(
        &run(&[&"sweep", &spec, &"--quiet"]),
        &[
            "rep.toml",
            "line 3",
            "parameters.fert_mult",
            "0.9 is given twice",
        ],
    );
}

#[test]
fn sweep_mort_mult_1e308_is_refused() {
    let pack = Pack::new();
    let spec = pack.write(
        "studies/m.toml",
        "scenario = \"../ipss-h30.toml\"\nindicators = [\"share_65_plus\"]\n[parameters]\nmort_mult = [1.0, 1e308]\n",
    );
    fails(
        &run(&[&"sweep", &spec, &"--quiet"]),
        &["m.toml", "parameters.mort_mult", "from 0 to 10"],
    );
}

#[test]
fn sweep_that_empties_the_population_is_an_error_not_an_empty_share() {
    // mort_mult = 10 is within range but kills everyone: the share of an empty population is
    // reported as an error, never printed as an empty cell.
    let pack = Pack::new();
    let spec = pack.write(
        "studies/m.toml",
        "scenario = \"../ipss-h30.toml\"\nindicators = [\"share_65_plus\"]\n[parameters]\nmort_mult = [1.0, 10.0]\n",
    );
    let r = run(&[&"sweep", &spec, &"--quiet"]);
    if r.code == Some(0) {
        for line in r.stdout.lines().skip(1) {
            assert!(!line.split(',').any(|c| c.is_empty()), "empty cell: {line}");
        }
    } else {
        fails(&r, &["share_65_plus", "NaN"]);
    }
}

#[test]
fn summary_row_of_0_is_refused() {
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("ipss_r5_projection_summary.csv")).unwrap();
    let row = text.lines().find(|l| l.starts_with("2025,")).unwrap();
    pack.edit("ipss_r5_projection_summary.csv", row, "2025,0,0,0,0");
    let r = run(&[&"compare", &pack.path("ipss-h30.toml")]);
    fails(
        &r,
        &["ipss_r5_projection_summary.csv", "field `total`", "from 1"],
    );
}

#[test]
fn census_populations_of_1e308_are_refused() {
    let pack = Pack::new();
    pack.edit("census.csv", "2015,male,0-4,", "2015,male,0-4,1e308#");
    let text = std::fs::read_to_string(pack.path("census.csv")).unwrap();
    let fixed: String = text
        .lines()
        .map(|l| match l.split_once("1e308#") {
            Some((a, _)) => format!("{a}1e308\n"),
            None => format!("{l}\n"),
        })
        .collect();
    pack.write("census.csv", fixed);
    let s = pack.write("c.toml", "extends = \"ipss-h30.toml\"\nbase = \"census\"\n");
    fails(&project(&s), &["census.csv", "population", "1e10"]);
}

#[test]
fn asfr_times_1e306_is_refused() {
    let pack = Pack::new();
    pack.write(
        "asfr.csv",
        (15..50)
            .step_by(5)
            .map(|a| format!("2015-2020,{a}-{},{}\n", a + 4, 0.05e306))
            .fold("period,age,asfr\n".to_string(), |s, l| s + &l),
    );
    pack.edit("pack.toml", "srb = ", "asfr = \"asfr.csv\"\nsrb = ");
    fails(
        &project(&pack.path("ipss-h30.toml")),
        &["asfr.csv, line 2, field `asfr`", "from 0 to 1"],
    );
}

#[test]
fn kpi_target_of_5e_324_is_refused() {
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("kpi.toml")).unwrap();
    let (i, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.trim_start().starts_with("target = "))
        .expect("a KPI target");
    let indent = &line[..line.len() - line.trim_start().len()];
    pack.edit("kpi.toml", line, &format!("{indent}target = 5e-324"));
    let r = run(&[&"kpi", &pack.path("kpi.toml")]);
    fails(&r, &["kpi.toml", &format!("line {}", i + 1), "target"]);
}

#[test]
fn achievement_ratio_that_overflows_is_an_error() {
    use jinko::kpi::{achievement_ratio, Direction};
    assert!(achievement_ratio(1e300, 1e-300, Direction::More).is_err());
    assert_eq!(
        achievement_ratio(8.0, 10.0, Direction::More).unwrap(),
        Some(0.8)
    );
}

// ---- Silent fixes -----------------------------------------------------------------------------

/// A copy of the Kama pack with net migrant counts of −`count` in every cell and a CWR file, and a
/// scenario using them: cells fall below zero and are set to zero.
fn counts_pack(count: f64) -> (Pack, PathBuf) {
    let pack = Pack::new();
    let ages: Vec<String> = (5..90)
        .step_by(5)
        .map(|a| format!("{a}-{}", a + 4))
        .chain(["90+".to_string()])
        .collect();
    let mut counts = String::from("period,sex,age,count\n");
    let mut cwr = String::from("period,cwr,sex_ratio_0_4\n");
    for p in [2015, 2020] {
        cwr.push_str(&format!("{p}-{},0.2,1.05\n", p + 5));
        for sex in ["male", "female"] {
            for a in &ages {
                counts.push_str(&format!("{p}-{},{sex},{a},{}\n", p + 5, -count));
            }
        }
    }
    pack.write("counts.csv", counts);
    pack.write("cwr.csv", cwr);
    pack.edit(
        "pack.toml",
        "srb = ",
        "migration_counts = \"counts.csv\"\nfertility_cwr = \"cwr.csv\"\nsrb = ",
    );
    let s = pack.write(
        "counts.toml",
        "pack = \".\"\nbase_year = 2015\nbase = \"census\"\nmethod = \"cwr\"\nhorizon = 2025\nbeyond = \"none\"\n[assumptions]\nfrom = \"files\"\nsurvival = \"life-table\"\nmigration = \"counts\"\ntiming = \"even\"\n",
    );
    (pack, s)
}

#[test]
fn project_format_csv_keeps_the_cells_set_to_zero_warnings() {
    let (_pack, s) = counts_pack(400.0);
    for format in ["csv", "json", "table"] {
        let r = run(&[&"project", &s, &"--format", &format]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stderr.contains("warning: period 2015-2020") && r.stderr.contains("set to zero"),
            "{format}: {}",
            r.stderr
        );
    }
}

#[test]
fn batch_sweep_and_montecarlo_warn_about_clamped_cells() {
    let (pack, s) = counts_pack(400.0);
    let v = pack.write("v.csv", "id,mig_mult\nnone,0\nall,1\n");
    let r = run(&[&"batch", &s, &v, &"--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: 1 of 2 variants"),
        "{}",
        r.stderr
    );
    let spec = pack.write(
        "sw.toml",
        "scenario = \"counts.toml\"\ntarget = 30000\n[parameters]\nmig_mult = [0, 0.5, 1]\n",
    );
    let r = run(&[&"sweep", &spec, &"--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("of 3 variants had population cells"),
        "{}",
        r.stderr
    );
    let mc = pack.write(
        "mc.toml",
        "scenario = \"counts.toml\"\ntrajectories = 50\nseed = 1\ntarget = 30000\n[parameters.mig_mult]\ndistribution = \"fixed\"\nvalue = 1\n",
    );
    let r = run(&[&"montecarlo", &mc, &"--format", &"csv", &"--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: 50 of 50 trajectories"),
        "{}",
        r.stderr
    );
    // Kama's own studies have nothing to warn about.
    let r = run(&[&"batch", &kama("ipss-h30.toml"), &v, &"--quiet"]);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn montecarlo_csv_mentions_draws_set_to_zero() {
    let pack = Pack::new();
    // fert_mult normal around 0: about half the draws are below 0.
    let spec = pack.write(
        "studies/z.toml",
        "scenario = \"../ipss-h30.toml\"\ntrajectories = 200\nseed = 3\n[parameters.fert_mult]\ndistribution = \"normal\"\nmean = 0.0\nsd = 1.0\n",
    );
    for format in ["csv", "json", "table"] {
        let r = run(&[&"montecarlo", &spec, &"--format", &format, &"--quiet"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stderr
                .contains("draws of a fertility or mortality multiplier were below 0"),
            "{format}: {}",
            r.stderr
        );
    }
}

#[test]
fn thousands_separator_6_42_in_a_pack_csv_is_refused() {
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("census.csv")).unwrap();
    let (i, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("2015,male,0-4,"))
        .unwrap();
    pack.edit("census.csv", row, "2015,male,0-4,\"6,42\"");
    let s = pack.write("c.toml", "extends = \"ipss-h30.toml\"\nbase = \"census\"\n");
    fails(
        &project(&s),
        &[
            &format!("census.csv, line {}, field `population`", i + 1),
            "\"6,42\"",
            "thousands separators",
        ],
    );
}

#[test]
fn duplicate_variant_ids_are_refused() {
    let pack = Pack::new();
    let v = pack.write("v.csv", "id,fert_mult\na,1\nb,1.1\na,0.9\n");
    fails(
        &run(&[&"batch", &kama("ipss-h30.toml"), &v]),
        &["v.csv, line 4, field `id`", "duplicate id \"a\"", "line 2"],
    );
}

#[test]
fn solve_migration_from_3000_is_refused() {
    let r = run(&[
        &"solve",
        &"migration",
        &kama("target.toml"),
        &"--from",
        &"3000",
    ]);
    fails(&r, &["--from", "3000", "2015 to 2060"]);
}

#[test]
fn solve_households_target_1e308_is_refused() {
    let r = run(&[
        &"solve",
        &"households",
        &kama("ipss-h30.toml"),
        &"--target",
        &"1e308",
    ]);
    fails(&r, &["--target", "at most 1e10"]);
}

#[test]
fn margin_span_0_3_in_census_2020_margins_is_an_error_not_an_overflow() {
    // Found by the long fuzz campaign (32 of 100,000 cases): a span whose end is below the first
    // age group's end (`0-3`, `5-3`, `0-0`) made `b - 1` underflow (a panic in a debug build, a
    // wrapped index in a release build).
    for span in ["0-3", "5-3", "0-0", "0-18446744073709551615"] {
        let pack = Pack::new();
        pack.edit(
            "census_2020_margins.csv",
            "2020,male,0-14,",
            &format!("2020,male,{span},"),
        );
        let r = project(&pack.path("ipss-h30-base2020.toml"));
        fails(
            &r,
            &[
                "census_2020_margins.csv",
                "line 3",
                span,
                "span of whole age groups",
            ],
        );
    }
}

#[test]
fn age_label_18446744073709551615_3_in_census_csv_is_an_error_not_an_overflow() {
    // Found reading the code after the campaign's margin overflow: a lower bound of usize::MAX
    // (divisible by 5) made `lo + 4` overflow when matching the age label.
    let pack = Pack::new();
    let text = std::fs::read_to_string(pack.path("census.csv")).unwrap();
    let line = text.lines().position(|l| l.contains(",0-4,")).unwrap() + 1;
    pack.edit("census.csv", ",0-4,", ",18446744073709551615-3,");
    let r = project(&pack.path("ipss-h30.toml"));
    fails(
        &r,
        &[
            "census.csv",
            &format!("line {line}"),
            "18446744073709551615-3",
        ],
    );
}
