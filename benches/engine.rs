//! Criterion benchmarks of the engine on real data kept in the tree (scenarios/kama):
//! - `project/kama_cwr_2015_2065`: the IPSS-consistent Kama projection (CWR, net migration rates),
//!   2015 → 2065, 10 steps × 19 ages × 2 sexes.
//! - `project/asfr_counts_19x2x9`: an ASFR projection with net migrant counts (even timing),
//!   9 steps × 19 ages × 2 sexes: Kama's 2015 census base, WPP 2024 survival and sex ratio at birth
//!   for Japan, HFD Japan 2015 fertility rates, and the residual net migrant counts of the IPSS
//!   2015→2020 path, held for every step.
//!
//! Both reuse their output buffers, as batch runs do: the timed work allocates nothing.

mod common;

use common::{asfr_model, kama};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jinko::engine::{project_into, Components, Timing};
use jinko::grid::MAX_AGES;
use jinko::scenario::Scenario;

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
    let (model, base) = asfr_model(Timing::Even);
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
    // The long run of パターン1 (`jinko longrun`): matrix, Schur, SVDs, the replacement search and
    // 500 years of continuation.
    let p = scenario.project().expect("projection");
    c.bench_function("longrun/kama_pattern1", |b| {
        b.iter(|| {
            let l = jinko::compare::longrun::long_run(black_box(&scenario.model), black_box(&p))
                .expect("long run");
            black_box(l.lambda)
        })
    });
}

criterion_group!(benches, bench_project);
criterion_main!(benches);
