//! Hardening (issue #13), output files: devices, FIFOs and symbolic links as `--out`, temporary
//! files left by a killed run, a report swapped in whole, the files of one run committed all or
//! none, outputs streamed row by row.

use super::{fails, mkfifo, run, Pack};
use crate::common::kama;
use std::path::Path;

#[test]
fn out_to_a_device_or_fifo_is_refused_not_replaced() {
    let s = kama("ipss-h30.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if Path::new("/dev/full").exists() {
            let r = run(&[&"project", &s, &"--out", &"/dev/full"]);
            fails(&r, &["/dev/full", "a device"]);
            let ft = std::fs::metadata("/dev/full").unwrap().file_type();
            assert!(ft.is_char_device(), "/dev/full is still a device");
        }
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.fifo");
        if mkfifo(&fifo) {
            let r = run(&[&"project", &s, &"--out", &fifo]);
            fails(&r, &["out.fifo", "a FIFO"]);
            assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        }
        let r = run(&[&"project", &s, &"--out", &dir.path()]);
        fails(&r, &["a folder"]);
    }
}

#[test]
fn out_through_a_symlink_writes_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.csv");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let r = run(&[
            &"project",
            &kama("ipss-h30.toml"),
            &"--format",
            &"csv",
            &"--out",
            &link,
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let text = std::fs::read_to_string(&real).unwrap();
        assert!(text.starts_with("year,sex,age,population"), "{text}");
    }
}

/// A process id that runs no process now (Linux `/proc`), for stale temporary names.
fn dead_pid() -> u32 {
    (4_000_000..4_100_000)
        .find(|p| !Path::new(&format!("/proc/{p}")).exists())
        .unwrap()
}

#[test]
fn sigkill_leftover_temp_files_are_removed_by_the_next_run() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pid = dead_pid();
    let stale_file = dir.path().join(format!(".traj.csv.jinko-tmp-{pid}"));
    let stale_file2 = dir.path().join(format!(".traj.csv.jinko-tmp-{pid}-3"));
    let stale_dir = dir.path().join(format!(".rep.jinko-tmp-{pid}-0"));
    let live = dir
        .path()
        .join(format!(".traj.csv.jinko-tmp-{}-0", std::process::id()));
    std::fs::write(&stale_file, "partial").unwrap();
    std::fs::write(&stale_file2, "partial").unwrap();
    std::fs::create_dir(&stale_dir).unwrap();
    std::fs::write(stale_dir.join("report.html"), "partial").unwrap();
    std::fs::write(&live, "a run still writing").unwrap();
    jinko::output::atomic::write_atomic(&dir.path().join("traj.csv"), b"new").unwrap();
    assert!(!stale_file.exists() && !stale_file2.exists());
    assert!(live.exists(), "a live run's file is left alone");
    jinko::output::atomic::write_set(&dir.path().join("rep"), &[("a.csv".into(), b"1".to_vec())])
        .unwrap();
    assert!(!stale_dir.exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}"); // traj.csv, rep, the live file
}

#[test]
fn report_into_an_existing_folder_is_swapped_in_whole() {
    let dir = tempfile::tempdir().unwrap();
    let rep = dir.path().join("rep");
    std::fs::create_dir(&rep).unwrap();
    std::fs::write(rep.join("a.csv"), "old a").unwrap();
    std::fs::write(rep.join("notes.txt"), "the user's").unwrap();
    std::fs::create_dir(rep.join("sub")).unwrap();
    std::fs::write(rep.join("sub/x"), "kept").unwrap();
    let set = vec![
        ("a.csv".to_string(), b"new a".to_vec()),
        ("b.csv".to_string(), b"new b".to_vec()),
    ];
    jinko::output::atomic::write_set(&rep, &set).unwrap();
    assert_eq!(std::fs::read_to_string(rep.join("a.csv")).unwrap(), "new a");
    assert_eq!(std::fs::read_to_string(rep.join("b.csv")).unwrap(), "new b");
    assert_eq!(
        std::fs::read_to_string(rep.join("notes.txt")).unwrap(),
        "the user's"
    );
    assert_eq!(std::fs::read_to_string(rep.join("sub/x")).unwrap(), "kept");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
    // A swap killed between its two renames (systems without an exchange): the next run puts
    // the old folder back before writing.
    if Path::new("/proc/self").exists() {
        let aside = dir.path().join(format!(".rep.jinko-old-{}", dead_pid()));
        std::fs::rename(&rep, &aside).unwrap();
        jinko::output::atomic::write_set(&rep, &[("c.csv".into(), b"c".to_vec())]).unwrap();
        assert!(!aside.exists());
        assert_eq!(
            std::fs::read_to_string(rep.join("notes.txt")).unwrap(),
            "the user's"
        );
        assert_eq!(std::fs::read_to_string(rep.join("a.csv")).unwrap(), "new a");
    }
}

#[test]
fn montecarlo_out_and_trajectories_out_are_committed_together() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mc.csv");
    let traj = dir.path().join("missing-folder/traj.csv");
    let spec = kama("studies/montecarlo.toml");
    let r = run(&[
        &"montecarlo",
        &spec,
        &"-n",
        &"100",
        &"--format",
        &"csv",
        &"--out",
        &out,
        &"--trajectories-out",
        &traj,
    ]);
    assert_ne!(r.code, Some(0));
    assert!(
        !out.exists(),
        "--out must not be written when --trajectories-out fails"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary left"
    );
    let traj = dir.path().join("traj.csv");
    let r = run(&[
        &"montecarlo",
        &spec,
        &"-n",
        &"100",
        &"--format",
        &"csv",
        &"--out",
        &out,
        &"--trajectories-out",
        &traj,
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(out.exists() && traj.exists());
    assert_eq!(std::fs::read_to_string(&traj).unwrap().lines().count(), 101);
}

#[test]
fn montecarlo_out_and_trajectories_out_second_rename_failure_restores_the_first() {
    // The files of a Monte Carlo run are staged whole, then renamed one after the other; here
    // the second rename fails (its target became a folder after staging: rename(2) of a file
    // over a folder fails with EISDIR, for root too). The first target must be put back.
    use jinko::output::atomic::{commit, stage};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let traj = dir.path().join("traj.csv");
    let out = dir.path().join("mc.csv");
    std::fs::write(&traj, "old trajectories").unwrap();
    let mut a = stage(&traj).unwrap();
    a.write_all(b"new trajectories").unwrap();
    let mut b = stage(&out).unwrap();
    b.write_all(b"new summary").unwrap();
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("x"), "in the way").unwrap();
    let e = commit(vec![a, b]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let msg = e.to_string();
    assert!(
        msg.contains("mc.csv") && msg.contains("none of the files"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(&traj).unwrap(),
        "old trajectories",
        "the first file is restored"
    );
    assert!(out.is_dir());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["mc.csv", "traj.csv"], "no temporary or backup left");

    // A first target that did not exist before is removed again.
    std::fs::remove_file(&traj).unwrap();
    let mut a = stage(&traj).unwrap();
    a.write_all(b"new trajectories").unwrap();
    let b = stage(&out.join("x").join("y")).err();
    assert!(b.is_some(), "a file inside a file cannot be staged");
    let mut b = stage(&dir.path().join("mc2.csv")).unwrap();
    b.write_all(b"new summary").unwrap();
    std::fs::create_dir(dir.path().join("mc2.csv")).unwrap();
    std::fs::write(dir.path().join("mc2.csv/x"), "in the way").unwrap();
    assert!(commit(vec![a, b]).is_err());
    assert!(
        !traj.exists(),
        "a new first file is removed when the second fails"
    );

    // Both succeed: both new, no backups left.
    std::fs::write(&traj, "old").unwrap();
    let mut a = stage(&traj).unwrap();
    a.write_all(b"t2").unwrap();
    let mut b = stage(&dir.path().join("mc3.csv")).unwrap();
    b.write_all(b"s2").unwrap();
    commit(vec![a, b]).unwrap();
    assert_eq!(std::fs::read_to_string(&traj).unwrap(), "t2");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mc3.csv")).unwrap(),
        "s2"
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("jinko-tmp")));
}

#[test]
fn montecarlo_trajectories_out_is_streamed_row_by_row() {
    // 20,000 trajectories with a memory budget below what the trajectories CSV text would take
    // held whole in memory with the totals twice (the old estimate): the run fits, and the file
    // has every row. The rows equal the in-memory form.
    let dir = tempfile::tempdir().unwrap();
    let traj = dir.path().join("traj.csv");
    let spec = kama("studies/montecarlo.toml");
    let r = run(&[
        &"montecarlo",
        &spec,
        &"-n",
        &"20000",
        &"--quiet",
        &"--format",
        &"csv",
        &"--out",
        &dir.path().join("mc.csv"),
        &"--trajectories-out",
        &traj,
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let text = std::fs::read_to_string(&traj).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 20_001);
    assert!(lines[0].starts_with("trajectory,total_"));
    for (i, l) in lines[1..].iter().enumerate() {
        assert!(l.starts_with(&format!("{i},")), "row {i}: {l}");
    }
}

#[test]
fn batch_into_a_closed_pipe_ends_quietly() {
    // Streamed to stdout, a reader that stops early (`| head -1`) ends the output without an
    // error or a panic; the output is larger than a pipe's buffer (64 KiB), so writes do fail.
    use std::io::BufRead;
    let pack = Pack::new();
    let mut v = String::from("id,fert_mult,mort_mult,mig_mult\n");
    for i in 0..20_000 {
        v.push_str(&format!("v{i},{},1,1\n", 0.8 + (i % 400) as f64 / 1000.0));
    }
    let variants = pack.write("many.csv", v);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jinko"))
        .arg("batch")
        .arg(pack.path("ipss-h30.toml"))
        .arg(&variants)
        .arg("--quiet")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("id,total_2015"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("error") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn sigkill_while_writing_trajectories_out_leaves_no_partial_file_and_the_next_run_cleans_up() {
    // A real SIGKILL while the trajectories are being written row by row to their temporary
    // file: the target is absent (never partial), the temporary file is left, and the next run
    // writing the same target removes it.
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        let dir = tempfile::tempdir().unwrap();
        let traj = dir.path().join("traj.csv");
        let spec = kama("studies/montecarlo.toml");
        let temps = || -> Vec<String> {
            std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".traj.csv.jinko-tmp-"))
                .collect()
        };
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jinko"))
            .args(["montecarlo", "--quiet", "-n", "150000", "--format", "csv"])
            .arg(&spec)
            .arg("--trajectories-out")
            .arg(&traj)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let seen = loop {
            if !temps().is_empty() {
                break true;
            }
            if child.try_wait().unwrap().is_some() || start.elapsed().as_secs() > 120 {
                break false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            seen,
            "the temporary file never appeared while the run wrote"
        );
        assert_eq!(status.signal(), Some(9), "{status:?}");
        assert!(!traj.exists(), "no partial file at the target");
        assert_eq!(temps().len(), 1, "the killed run's temporary file is left");
        let r = run(&[
            &"montecarlo",
            &spec,
            &"--quiet",
            &"-n",
            &"100",
            &"--format",
            &"csv",
            &"--trajectories-out",
            &traj,
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(temps().is_empty(), "the next run removed it: {:?}", temps());
        assert_eq!(std::fs::read_to_string(&traj).unwrap().lines().count(), 101);
    }
}
