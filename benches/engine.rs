//! Criterion benchmarks of the engine on real data kept in the tree (scenarios/kama):
//! - `project/kama_cwr_2015_2065`: the IPSS-consistent Kama projection (CWR, net migration rates),
//!   2015 → 2065, 10 steps × 19 ages × 2 sexes.
//! - `project/asfr_counts_19x2x9`: an ASFR projection with net migrant counts (even timing),
//!   9 steps × 19 ages × 2 sexes: Kama's 2015 census base, WPP 2024 survival and sex ratio at birth
//!   for Japan, HFD Japan 2015 fertility rates, and the residual net migrant counts of the IPSS
//!   2015→2020 path, held for every step.
//!
//! Both reuse their output buffers, as batch runs do: the timed work allocates nothing.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jinko::engine::derive::survivorship_base;
use jinko::engine::{
    project_into, Cells, Components, FertilityMethod, MigrationForm, Model, Period, Timing,
};
use jinko::grid::{AgeGroups, MAX_AGES};
use jinko::pack::Pack;
use jinko::scenario::Scenario;
use std::path::PathBuf;

fn kama(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/kama")
        .join(name)
}

fn asfr_model() -> (Model, Cells) {
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
    // Residual net migrant counts 2015→2020 by age at the end of the period, as counts by group.
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
        migration: MigrationForm::Counts(Timing::Even),
        base_year: 2015,
        periods,
    };
    model.validate().expect("valid model");
    (model, base)
}

fn bench_project(c: &mut Criterion) {
    let mut group = c.benchmark_group("project");
    let scenario = Scenario::load(&kama("ipss-h30.toml")).expect("Kama scenario");
    let steps = scenario.model.periods.len();
    let mut pops = vec![[[0.0; MAX_AGES]; 2]; steps + 1];
    let mut comps = vec![Components::default(); steps];
    group.bench_function("kama_cwr_2015_2065", |b| {
        b.iter(|| {
            project_into(
                black_box(&scenario.model),
                black_box(&scenario.base),
                &mut pops,
                &mut comps,
            );
            black_box(pops[steps][1][0])
        })
    });
    let (model, base) = asfr_model();
    let steps = model.periods.len();
    let mut pops = vec![[[0.0; MAX_AGES]; 2]; steps + 1];
    let mut comps = vec![Components::default(); steps];
    group.bench_function("asfr_counts_19x2x9", |b| {
        b.iter(|| {
            project_into(black_box(&model), black_box(&base), &mut pops, &mut comps);
            black_box(pops[steps][1][0])
        })
    });
    group.finish();
}

criterion_group!(benches, bench_project);
criterion_main!(benches);
