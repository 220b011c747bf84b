//! The national bundle, `jinko init` and `jinko national` (issue #10): the bundle holds the
//! published figures, パターン1 reproduces IPSS 2018 for every municipality it projected, the
//! municipal sums equal IPSS's prefecture projections, `init` round-trips Kama, and every name
//! resolves.

use crate::common::{self, kama, prec, value};
use assert_cmd::Command;
use jinko::compare::ImpactLevels;
use jinko::grid::AgeGroups;
use jinko::national::run::{Engine, Options, Standard};
use jinko::national::Bundle;
use jinko::scenario::Scenario;

fn jinko() -> Command {
    Command::cargo_bin("jinko").unwrap()
}

fn bundle() -> &'static Bundle {
    Bundle::get().expect("the shipped bundle decodes")
}

fn total(c: &jinko::engine::Cells) -> f64 {
    c.iter().map(|s| s[..19].iter().sum::<f64>()).sum()
}

#[test]
fn bundle_holds_the_published_figures() {
    let b = bundle();
    assert_eq!(b.municipalities.len() as f64, value("municipalities_2016"));
    assert_eq!(
        b.municipalities.iter().filter(|m| m.ipss_h30).count() as f64,
        value("ipss_h30_projected_municipalities")
    );
    assert_eq!(b.prefectures.len(), 47);
    let ages = AgeGroups::JAPAN;
    let japan_2015: f64 = b
        .municipalities
        .iter()
        .map(|m| b.census(m)[&2015].total(ages))
        .sum();
    assert_eq!(japan_2015, value("japan_census_2015_total"));
    let japan_2020: f64 = b
        .summary
        .values()
        .filter(|a| a.kind == "a")
        .map(|a| a.rows[&2020].total)
        .sum();
    assert_eq!(japan_2020, value("japan_census_2020_total"));
    // Kama's rows equal the shipped pack's copies of the same sources, cell by cell.
    let shipped = jinko::pack::Pack::load(&kama("pack.toml")).unwrap();
    let m = b.by_code("40227").unwrap();
    assert_eq!(b.census(m), shipped.census);
    assert_eq!(b.projection(m), shipped.projection);
}

#[test]
fn pattern1_reproduces_ipss_2018_for_every_municipality() {
    let b = bundle();
    let mut worst = (0.0f64, String::new());
    let mut checked = 0;
    for m in b.municipalities.iter().filter(|m| m.ipss_h30) {
        let pack = b.pack(m).unwrap();
        let published = pack.projection.clone().unwrap();
        let files = b.scenario_files(m, &pack);
        let p1 = Scenario::from_texts(&pack.dir, &files[..1], &pack).unwrap();
        let p = p1[0].project().unwrap();
        for (k, &y) in p.years.iter().enumerate() {
            let Some(cells) = published.get(&y) else {
                continue;
            };
            for s in 0..2 {
                for a in 0..19 {
                    let d = (p.population[k][s][a] - cells[s][a]).abs();
                    if d > worst.0 {
                        worst = (d, format!("{} {} {y} sex {s} age {a}", m.code, m.name));
                    }
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 1682);
    eprintln!(
        "worst cell of 1,682 municipalities 2020-2045: {:.2e} persons at {}",
        worst.0, worst.1
    );
    assert!(worst.0 <= prec::CELL_PERSONS, "{worst:?}");
}

#[test]
fn municipal_sums_equal_the_prefecture_projections() {
    let b = bundle();
    let options = Options {
        years: vec![2020, 2045, 2065],
        impact_year: 2045,
        basis: jinko::national::run::Basis::H30,
        levels: ImpactLevels::default_levels(),
        prefectures: Vec::new(),
        engine: Engine::Scalar,
    };
    let n = jinko::national::run::run(b, &options, &jinko::batch::progress::Progress::hidden())
        .unwrap();
    let w = n.worst_cell.clone().expect("a checked cell");
    eprintln!("worst prefecture cell: {w:?}");
    assert!((w.sum - w.ipss).abs() <= 0.5, "{w:?}");
    // The batched engine gives the same table (five villages with migrants into empty cohorts
    // aside, whose counts it does not scale in Sim2).
    let batched = jinko::national::run::run(
        b,
        &Options {
            engine: Engine::Batched,
            ..options.clone()
        },
        &jinko::batch::progress::Progress::hidden(),
    )
    .unwrap();
    let empty_cohorts = ["13362", "13402", "19443", "29451", "47356"];
    for (a, c) in n.municipalities.iter().zip(&batched.municipalities) {
        if empty_cohorts.contains(&a.municipality.code.as_str()) {
            continue;
        }
        for k in Standard::ALL {
            for (x, y) in a.of(k).totals.iter().zip(&c.of(k).totals) {
                assert!(common::rel(*y, *x) < 1e-9, "{} {k:?}", a.municipality.name);
            }
        }
    }
    // Every prefecture but Fukushima, summed over its municipalities, equals IPSS's total.
    for (p, area) in n.prefectures.iter().enumerate() {
        let ipss = b.prefecture_projection(p);
        if area.has_census_based {
            assert_eq!(area.code, "07");
            continue;
        }
        for (j, y) in n.years.iter().enumerate() {
            if let Some(c) = ipss.get(y) {
                assert!(
                    (area.of(Standard::P1).totals[j] - total(c)).abs() < 0.5,
                    "{} {y}",
                    area.name
                );
            }
        }
    }
    // Japan in 2015: every municipality projected but the seven evacuated ones of Fukushima.
    let skipped: f64 = n
        .skipped
        .iter()
        .map(|(m, _)| b.census(m)[&2015].total(AgeGroups::JAPAN))
        .sum();
    assert_eq!(n.skipped.len(), 7);
    assert!((n.japan.base + skipped - value("japan_census_2015_total")).abs() < 0.5);
    // Kama's row is the shipped パターン1.
    let kama_row = n
        .municipalities
        .iter()
        .find(|r| r.municipality.code == "40227")
        .unwrap();
    let shipped = Scenario::load(&kama("ipss-h30.toml"))
        .unwrap()
        .project()
        .unwrap();
    assert!(
        common::rel(
            kama_row.of(Standard::P1).totals[2],
            shipped.total_in(2065).unwrap()
        ) < prec::SAME_REL
    );
}

#[test]
fn init_pack_for_kama_projects_as_the_shipped_pack() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kama");
    jinko()
        .args(["init", "嘉麻市", "--out"])
        .arg(&out)
        .assert()
        .success();
    for (written, shipped) in [
        ("pattern1.toml", "ipss-h30.toml"),
        ("sim1.toml", "sim1-tfr21.toml"),
        ("sim2.toml", "sim2-tfr21-zero-migration.toml"),
    ] {
        let a = Scenario::load(&out.join(written))
            .unwrap()
            .project()
            .unwrap();
        let b = Scenario::load(&kama(shipped)).unwrap().project().unwrap();
        assert_eq!(a.years, b.years);
        if written == "pattern1.toml" {
            for k in 0..a.years.len() {
                for s in 0..2 {
                    for g in 0..19 {
                        let (x, y) = (a.population[k][s][g], b.population[k][s][g]);
                        assert!((x - y).abs() <= prec::SAME_REL * y.max(1.0), "{k} {s} {g}");
                    }
                }
            }
        } else {
            // Sim1 and Sim2 start their TFR path from tfr_base: 1.54 derived in the written
            // pack, 1.56 from the report in the shipped one; within 2% in 2065.
            let last = a.years.len() - 1;
            assert!(
                common::rel(a.total(last), b.total(last)) < 0.02,
                "{written}"
            );
        }
    }
}

#[test]
fn tfr_base_of_kama_is_near_the_published_one() {
    let b = bundle();
    let m = b.by_code("40227").unwrap();
    let pack = b.pack(m).unwrap();
    let t = b.tfr_base(m, &pack).unwrap();
    let shipped = jinko::pack::Pack::load(&kama("pack.toml")).unwrap();
    let published = shipped.parameters["tfr_base"].value;
    eprintln!(
        "Kama tfr_base: derived {:.4}, published {published}",
        t.exact
    );
    assert!((t.exact - published).abs() < 0.03, "{t:?}");
    assert_eq!(t.value, 1.54, "the value the pack's source text quotes");
    assert!(!t.from_census);
}

#[test]
fn every_name_resolves_or_lists_its_candidates() {
    let b = bundle();
    for m in &b.municipalities {
        match b.find(&m.name) {
            Ok(f) => assert_eq!(f.municipality.name, m.name),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(&m.code) && msg.contains(&m.prefecture),
                    "{msg}"
                );
            }
        }
        // With the prefecture, always exactly this one.
        let with_pref = format!("{}{}", m.prefecture, m.name);
        assert_eq!(
            b.find(&with_pref).unwrap().municipality.code,
            m.code,
            "{with_pref}"
        );
        assert_eq!(b.find(&m.code).unwrap().municipality.code, m.code);
    }
}

#[test]
fn ambiguous_name_lists_prefecture_and_code() {
    let e = bundle().find("伊達市").unwrap_err().to_string();
    assert!(
        e.contains("伊達市 (北海道, 01233)") && e.contains("伊達市 (福島県, 07213)"),
        "{e}"
    );
    assert_eq!(
        bundle().find("福島県 伊達市").unwrap().municipality.code,
        "07213"
    );
    assert_eq!(
        bundle().find("北海道伊達市").unwrap().municipality.code,
        "01233"
    );
    assert_eq!(
        bundle().find("福島　伊達市").unwrap().municipality.code,
        "07213"
    );
}

#[test]
fn old_codes_and_names_resolve_with_a_note() {
    let b = bundle();
    let f = b.find("40305").unwrap();
    assert_eq!(
        (f.municipality.code.as_str(), f.municipality.name.as_str()),
        ("40231", "那珂川市")
    );
    assert!(
        f.note.as_deref().unwrap_or("").contains("那珂川町"),
        "{:?}",
        f.note
    );
    let f = b.find("40231").unwrap();
    assert_eq!(f.municipality.data_code, "40305");
    let f = b.find("福岡県那珂川町").unwrap();
    assert_eq!(f.municipality.code, "40231");
    let f = b.find("富谷町").unwrap();
    assert_eq!(f.municipality.code, "04216");
    assert!(f.note.is_some());
    let f = b.find("04423").unwrap();
    assert_eq!(f.municipality.name, "富谷市");
    // Kama's predecessor, the former 山田市 (merged 2006).
    let f = b.find("山田市").unwrap();
    assert_eq!(f.municipality.code, "40227");
    assert!(f.note.unwrap().contains("山田市"));
    // A six-digit code with its check digit.
    assert_eq!(b.find("402273").unwrap().municipality.code, "40227");
    assert!(b.find("402274").is_err());
}

#[test]
fn near_misses_suggest_the_closest_names() {
    let e = bundle().find("飯塚").unwrap_err().to_string();
    assert!(e.contains("飯塚市 (福岡県, 40205)"), "{e}");
    let e = bundle().find("いいづか").unwrap_err().to_string();
    assert!(e.contains("kanji"), "{e}");
    let e = bundle().find("北九州").unwrap_err().to_string();
    assert!(e.contains("北九州市"), "{e}");
}

#[test]
fn unknown_place_exits_2_with_suggestions() {
    let out = jinko().args(["init", "飯塚"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("飯塚市") && err.contains("40205"), "{err}");
    jinko().args(["init", "99999"]).assert().code(2);
    jinko()
        .args(["init", "--list", "ムー大陸"])
        .assert()
        .code(2);
}

#[test]
fn fukushima_pattern1_is_census_based_and_labelled() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("date");
    let run = jinko()
        .args(["init", "福島県伊達市", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(stdout.contains("2010→2015"), "{stdout}");
    let s = Scenario::load(&out.join("pattern1.toml")).unwrap();
    assert!(s.title.contains("社人研推計なし"), "{}", s.title);
    assert!(s.pack.projection.is_none());
    // An independent check of the first step: a cohort's change 2015→2020 is its observed
    // 2010→2015 change ratio, with survival moved from the 2010-2015 to the 2015-2020 life table.
    let ages = AgeGroups::JAPAN;
    let c10 = s.pack.census[&2010].prorated(ages);
    let c15 = s.pack.census[&2015].prorated(ages);
    let life = s.pack.mortality.as_ref().unwrap();
    let (s10, _) = life[&2010][1].survival_ratios(ages).unwrap();
    let (s15, _) = life[&2015][1].survival_ratios(ages).unwrap();
    let p = s.project().unwrap();
    for a in 3..10 {
        let expected = c15[1][a] * (c15[1][a + 1] / c10[1][a]) * s15[a] / s10[a];
        assert!(
            common::rel(p.population[1][1][a + 1], expected) < 1e-12,
            "age {a}"
        );
    }
    // The child–woman ratio of 2015 held: 0-4 in 2020 over the women 15-49 of 2020.
    let women = |c: &jinko::engine::Cells| c[1][3..=9].iter().sum::<f64>();
    let cwr15 = (c15[0][0] + c15[1][0]) / women(&c15);
    let p20 = &p.population[1];
    assert!(common::rel((p20[0][0] + p20[1][0]) / women(p20), cwr15) < 1e-12);
    // Sim1 and Sim2 run on it.
    jinko()
        .arg("compare")
        .arg(out.join("pattern1.toml"))
        .arg(out.join("sim1.toml"))
        .arg(out.join("sim2.toml"))
        .assert()
        .success();
}

#[test]
fn evacuated_municipalities_are_not_projected() {
    let out = jinko().args(["init", "双葉町"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("no children aged 0-4"), "{err}");
}

#[test]
fn init_writes_a_pack_every_command_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("飯塚市");
    jinko()
        .args(["init", "40205", "--out"])
        .arg(&out)
        .assert()
        .success();
    let pack = std::fs::read_to_string(out.join("pack.toml")).unwrap();
    assert!(pack.contains("CC BY 4.0") && pack.contains("aiseed.dev"));
    for f in [
        "census.csv",
        "ipss_h30_projection.csv",
        "wpp2024_japan_mx.csv",
        "wpp2024_japan_srb.csv",
        "ipss_r5_projection_summary.csv",
        "reference.csv",
    ] {
        assert!(pack.contains(&format!("\"{f}\" = ")), "{f} is cited");
    }
    let p1 = out.join("pattern1.toml");
    jinko().arg("project").arg(&p1).assert().success();
    jinko()
        .arg("compare")
        .arg(&p1)
        .arg(out.join("sim1.toml"))
        .arg(out.join("sim2.toml"))
        .assert()
        .success();
    jinko().arg("backtest").arg(&out).assert().success();
    // Writing again into the same folder is refused, and leaves the pack as it was.
    jinko()
        .args(["init", "40205", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(out.join("pack.toml")).unwrap(),
        pack
    );
}

#[test]
fn init_lists_a_prefecture() {
    let out = jinko()
        .args(["init", "--list", "福岡県"])
        .assert()
        .success();
    let s = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(s.starts_with("福岡県: 60市区町村"), "{s}");
    assert!(s.contains("40205") && s.contains("嘉麻市"));
}

#[test]
fn national_for_fukuoka_as_csv() {
    let out = jinko()
        .args([
            "national",
            "--pref",
            "40",
            "--format",
            "csv",
            "--scenario",
            "p1,sim1,sim2",
        ])
        .assert()
        .success();
    let s = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let municipal = s
        .lines()
        .filter(|l| {
            l.starts_with("40") && l.as_bytes().get(5) == Some(&b',') && l.contains(",福岡県,")
        })
        .count();
    assert_eq!(municipal, 60);
    // Kama: 2015 = 38,743 (census), 2045 = 18,457 (IPSS 2018), 2065 = 10,070 (method.md).
    assert!(
        s.contains("40227,福岡県,嘉麻市,社人研推計準拠,38743,18457,10070"),
        "{}",
        &s[..600.min(s.len())]
    );
    assert!(s.contains("aiseed.dev"));
}

#[test]
fn national_rejects_bad_arguments() {
    jinko()
        .args(["national", "--year", "2063"])
        .assert()
        .code(2);
    jinko().args(["national", "--pref", "99"]).assert().code(2);
    jinko()
        .args(["national", "--natural", "7"])
        .assert()
        .code(2);
    jinko()
        .args(["national", "--format", "xlsx"])
        .assert()
        .code(2);
}

/// Issue 11: on the 2020 basis every municipality with an IPSS 2023 summary row reproduces the
/// published total and three groups 2020 (the estimated base) … 2050 within one person; the
/// ones it cannot are named, and few.
#[test]
fn r5_basis_reproduces_the_ipss_2023_summary_everywhere() {
    let b = bundle();
    let options = Options {
        years: vec![2050, 2070],
        impact_year: 2050,
        basis: jinko::national::run::Basis::R5,
        levels: ImpactLevels::default_levels(),
        prefectures: Vec::new(),
        engine: Engine::Scalar,
    };
    let n = jinko::national::run::run(b, &options, &jinko::batch::progress::Progress::hidden())
        .unwrap();
    let with_summary = b
        .municipalities
        .iter()
        .filter(|m| b.summary_of(m).is_some())
        .count();
    // Independent check of every municipality's projection against the bundle's summary rows.
    let mut worst = (0.0f64, String::new());
    for r in &n.municipalities {
        let w = r.calibration_worst.expect("r5 rows carry their check");
        if w > worst.0 {
            worst = (w, r.municipality.name.clone());
        }
        let s = b.summary_of(r.municipality).expect("a summary row");
        let p1 = &r.figures[0];
        // 2050 total equals the published one.
        assert!(
            (p1.totals[0] - s.rows[&2050].total).abs() < 1.0,
            "{}",
            r.municipality.name
        );
    }
    eprintln!(
        "r5: {} projected of {with_summary} with a summary; worst {:.2e} persons at {}",
        n.municipalities.len(),
        worst.0,
        worst.1
    );
    assert!(worst.0 < 1.0, "{worst:?}");
    let failed: Vec<&str> = n
        .skipped
        .iter()
        .filter(|(m, _)| b.summary_of(m).is_some() && b.unprojectable(m).is_none())
        .map(|(m, _)| m.name.as_str())
        .collect();
    assert!(failed.len() <= 3, "{failed:?}");
    assert_eq!(n.municipalities.len() + failed.len(), with_summary);
    // The categories cover every projected municipality once.
    let counts = n.category_counts().unwrap();
    assert_eq!(
        counts.iter().map(|c| c.count).sum::<usize>(),
        n.municipalities.len()
    );
    // The published counts (人口戦略会議 2024) sum to the 1,729 it classified.
    assert_eq!(
        counts.iter().map(|c| c.category.published).sum::<usize>(),
        1729
    );
}

/// The 2020 basis calibrates パターン1 once and Sim1 and Sim2 take its calibration: the same
/// totals, to the last bit, as each scenario built and calibrated on its own, on a sample of
/// municipalities (every 40th with a summary).
#[test]
fn r5_sims_on_the_calibration_of_pattern1_equal_sims_calibrated_alone() {
    let b = bundle();
    let options = Options {
        years: vec![2030, 2050, 2070],
        impact_year: 2050,
        basis: jinko::national::run::Basis::R5,
        levels: ImpactLevels::default_levels(),
        prefectures: Vec::new(),
        engine: Engine::Scalar,
    };
    let mut checked = 0;
    for m in b
        .municipalities
        .iter()
        .filter(|m| b.summary_of(m).is_some() && b.unprojectable(m).is_none())
        .step_by(40)
    {
        let row = jinko::national::run::municipality(b, m, &options).unwrap();
        let pack = b.pack(m).unwrap();
        let files = b.scenario_files_r5(m, &pack).unwrap().unwrap();
        for (k, name) in ["pattern1-r5.toml", "sim1-r5.toml", "sim2-r5.toml"]
            .iter()
            .enumerate()
        {
            let alone = Scenario::from_texts_some(&pack.dir, &files, &pack, &[name])
                .unwrap()
                .remove(0);
            let p = alone.project().unwrap();
            for (i, &y) in options.years.iter().enumerate() {
                assert_eq!(
                    row.figures[k].totals[i].to_bits(),
                    p.total_in(y).unwrap().to_bits(),
                    "{} {name} {y}",
                    m.name
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 40, "{checked}");
}
