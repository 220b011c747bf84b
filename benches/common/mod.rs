//! A real-data ASFR model shared by the benchmarks and the batch tests: 19 ages × 2 sexes × 9
//! steps from 2015, Kama's 2015 census (unknown ages prorated), WPP 2024 survival and sex ratio at
//! birth for Japan, HFD Japan 2015 age-specific fertility, and the residual net migrant counts of
//! the IPSS 2015→2020 path held for every step.

use jinko::engine::derive::survivorship_base;
use jinko::engine::{Cells, FertilityMethod, MigrationForm, Model, Period, Timing};
use jinko::grid::{AgeGroups, MAX_AGES};
use jinko::pack::Pack;
use std::path::PathBuf;

/// A file of the Kama pack.
pub fn kama(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/kama")
        .join(name)
}

/// The ASFR model with net migrant counts arriving with `timing`, and its base population.
pub fn asfr_model(timing: Timing) -> (Model, Cells) {
    let pack = Pack::load(&kama("")).expect("Kama pack");
    let ages: AgeGroups = pack.ages;
    let base = pack.census[&2015].prorated(ages);
    let proj = pack.projection.as_ref().expect("projection");
    let mut asfr = [0.0; MAX_AGES];
    let mut r = csv::Reader::from_path(kama("hfd_japan_asfr.csv")).expect("HFD file");
    for rec in r.records() {
        let rec = rec.expect("row");
        if &rec[0] == "2015" {
            asfr[ages.index(&rec[1]).expect("age")] = rec[2].parse().expect("rate");
        }
    }
    // Residual net migrant counts 2015→2020 by age at the end of the period.
    let (s2015, _) = pack.survival_for(2015).expect("survival");
    let mut counts = [[0.0; MAX_AGES]; 2];
    for s in 0..2 {
        let b = survivorship_base(ages, &proj[&2015][s]);
        for a in 0..ages.len() - 1 {
            counts[s][a + 1] = proj[&2020][s][a + 1] - b[a] * s2015[s][a];
        }
    }
    let periods = (0..9)
        .map(|k| {
            let start = 2015 + 5 * k;
            let (surv, birth) = pack.survival_for(start).expect("survival");
            let mut p = Period::null(start);
            p.survival = surv;
            p.birth_survival = birth;
            p.asfr = asfr;
            p.sex_ratio = pack.srb.as_ref().expect("srb")[&start];
            p.migration = counts;
            p
        })
        .collect();
    let model = Model {
        ages,
        fertility: FertilityMethod::Asfr,
        migration: MigrationForm::Counts(timing),
        base_year: 2015,
        periods,
    };
    model.validate().expect("valid model");
    (model, base)
}
