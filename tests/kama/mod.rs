//! Kama City: the IPSS 2018 path reproduced from the shipped pack, its extension to 2065 against
//! the city's report, the life table against WPP, and residual net migration against the report.

use crate::common::{kama, prec, rel, value};
use jinko::engine::derive::residual_net_migration;
use jinko::grid::{AgeGroups, Sex, MAX_AGES};
use jinko::pack::Pack;
use jinko::scenario::Scenario;
use std::collections::BTreeMap;

/// The published IPSS 2018 projection read straight from the CSV, independently of the pack loader.
fn published_ipss() -> BTreeMap<(i32, Sex, String), f64> {
    let mut r = csv::Reader::from_path(kama("ipss_h30_projection.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                (
                    rec[0].parse().unwrap(),
                    Sex::parse(&rec[1]).unwrap(),
                    rec[2].to_string(),
                ),
                rec[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn ipss_h30_every_cell_2020_2045_within_one_person() {
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let p = s.project().unwrap();
    let published = published_ipss();
    let ages = AgeGroups::JAPAN;
    let mut checked = 0;
    for (k, &year) in p.years.iter().enumerate() {
        if !(2020..=2045).contains(&year) {
            continue;
        }
        for sex in Sex::BOTH {
            for a in 0..ages.len() {
                let want = published[&(year, sex, ages.label(a))];
                let got = p.population[k][sex.index()][a];
                assert!(
                    (got - want).abs() <= prec::CELL_PERSONS,
                    "{year} {sex} {}: projected {got}, published {want}",
                    ages.label(a)
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 2 * 19);
    for (year, key) in [
        (2020, "ipss_h30_total_2020"),
        (2025, "ipss_h30_total_2025"),
        (2045, "ipss_h30_total_2045"),
    ] {
        assert_eq!(
            p.total_in(year).unwrap().round(),
            value(key),
            "total {year}"
        );
    }
}

#[test]
fn ipss_h30_extended_to_2065_matches_the_report() {
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let p = s.project().unwrap();
    assert_eq!(*p.years.last().unwrap(), 2065);
    let t2025 = p.total_in(2025).unwrap();
    let t2065 = p.total_in(2065).unwrap();
    assert!(
        rel(t2025, value("report_ipss_2025")) <= prec::REPORT_2025_REL,
        "2025: {t2025}"
    );
    assert!(
        rel(t2065, value("report_ipss_2065")) <= prec::REPORT_2065_REL,
        "2065: {t2065}"
    );
}

#[test]
fn wpp_life_table_e0_2015_2020() {
    let pack = Pack::load(&kama("")).unwrap();
    let tables = &pack.mortality.as_ref().unwrap()[&2015];
    let m = tables[Sex::Male.index()].e0();
    let f = tables[Sex::Female.index()].e0();
    assert!(
        (m - value("e0_japan_2015_2020_male")).abs() <= prec::E0_YEARS,
        "male e0 {m}"
    );
    assert!(
        (f - value("e0_japan_2015_2020_female")).abs() <= prec::E0_YEARS,
        "female e0 {f}"
    );
}

#[test]
fn residual_net_migration_of_the_ipss_path() {
    let pack = Pack::load(&kama("")).unwrap();
    let proj = pack.projection.as_ref().unwrap();
    for (t, key) in [
        (2015, "report_net_migration_2015_2020"),
        (2020, "report_net_migration_2020_2025"),
    ] {
        let (surv, _) = pack.survival_for(t).unwrap();
        let r = residual_net_migration(pack.ages, &proj[&t], &proj[&(t + 5)], &surv);
        let total = r[0] + r[1];
        assert!(
            rel(total, value(key)) <= prec::NET_MIGRATION_REL,
            "{t}: residual {total} against {}",
            value(key)
        );
    }
}

#[test]
fn census_base_prorates_unknown_ages_to_the_census_total() {
    let pack = Pack::load(&kama("")).unwrap();
    let c = &pack.census[&2015];
    let prorated = c.prorated(pack.ages);
    let total: f64 = prorated.iter().map(|s| s[..19].iter().sum::<f64>()).sum();
    // 38,743 is the 2015 census total (unknown ages included), as the review prints it.
    assert!((total - 38_743.0).abs() < 1e-9, "{total}");
    assert_eq!(c.unknown, [13.0, 7.0]);
    // Proration keeps the known age distribution of each sex.
    for s in 0..2 {
        let known: f64 = c.cells[s][..19].iter().sum();
        let f = prorated[s][4] / c.cells[s][4];
        assert!(((f - 1.0) * known - c.unknown[s]).abs() < 1e-9);
    }
    let _ = MAX_AGES;
}

#[test]
fn accounting_identity_holds_on_the_kama_run() {
    let s = Scenario::load(&kama("ipss-h30.toml")).unwrap();
    let p = s.project().unwrap();
    for k in 0..p.components.len() {
        let c = p.components[k];
        let lhs = p.total(k + 1);
        let rhs = p.total(k) + c.total_births() - c.total_deaths() + c.total_net_migration();
        assert!(
            rel(lhs, rhs) <= prec::IDENTITY_REL,
            "period {k}: {lhs} vs {rhs}"
        );
    }
    assert!(p.warnings.is_empty());
}

#[test]
fn overrides_act_like_a_child_scenario() {
    // Sim2 written as overrides on Sim1 gives the same numbers as the shipped sim2 file.
    let via_file = Scenario::load(&kama("sim2-tfr21-zero-migration.toml")).unwrap();
    let via_overrides = Scenario::load_with_overrides(
        &kama("sim1-tfr21.toml"),
        "[migration]\nmultiplier = { 2020 = 0 }\n",
        "<test>",
    )
    .unwrap();
    let a = via_file.project().unwrap();
    let b = via_overrides.project().unwrap();
    assert_eq!(a.population, b.population);
    let e = Scenario::load_with_overrides(
        &kama("sim1-tfr21.toml"),
        "[fertility]\ntfr = { 2030 = -1 }\n",
        "<grid>",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("<grid>") && e.contains("-1"), "{e}");
}
