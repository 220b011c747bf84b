//! Criterion benchmarks of the national layer (issue #10), on the bundle the binary carries:
//! - `bundle/decode`: decoding the whole bundle (every table, the life tables, the summary);
//! - `init/kama_end_to_end`: what `jinko init 嘉麻市 --out DIR` does — decode the bundle, resolve
//!   the name, build the pack, write its ten files into a new folder;
//! - `national/all_3_scenarios_{scalar,batched}`: every municipality (1,734 projectable), its
//!   packs and standard scenarios built in memory and projected to 2065 (パターン1, Sim1, Sim2), the
//!   prefecture and Japan sums and the prefecture check: the scalar engine over rayon, or the
//!   batched engine with Sim1 and Sim2 as variants.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jinko::batch::progress::Progress;
use jinko::compare::ImpactLevels;
use jinko::national::run::{Engine, Options};
use jinko::national::{Bundle, BUNDLE};

fn bench_national(c: &mut Criterion) {
    let mut group = c.benchmark_group("national");
    group.sample_size(10);
    group.bench_function("bundle/decode", |b| {
        b.iter(|| black_box(Bundle::parse(black_box(BUNDLE)).expect("bundle")))
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let mut i = 0u64;
    group.bench_function("init/kama_end_to_end", |b| {
        b.iter(|| {
            let bundle = Bundle::parse(BUNDLE).expect("bundle");
            let m = bundle.find("嘉麻市").expect("Kama").municipality;
            i += 1;
            let out = dir.path().join(format!("kama-{i}"));
            let files = bundle.write_pack(m, &out).expect("pack");
            std::fs::remove_dir_all(&out).expect("clean");
            black_box(files.len())
        })
    });
    let bundle = Bundle::get().expect("bundle");
    for (name, engine) in [("scalar", Engine::Scalar), ("batched", Engine::Batched)] {
        let options = Options {
            years: vec![2045, 2065],
            impact_year: 2045,
            basis: jinko::national::run::Basis::H30,
            levels: ImpactLevels::default_levels(),
            prefectures: Vec::new(),
            engine,
        };
        group.bench_function(format!("all_3_scenarios_{name}"), |b| {
            b.iter(|| {
                let n = jinko::national::run::run(bundle, &options, &Progress::hidden())
                    .expect("national");
                black_box(n.japan.base)
            })
        });
    }
    // The 2020 basis: パターン1 calibrated to IPSS 2023 (once per municipality), Sim1, Sim2.
    let options = Options {
        years: vec![2050, 2070],
        impact_year: 2050,
        basis: jinko::national::run::Basis::R5,
        levels: ImpactLevels::default_levels(),
        prefectures: Vec::new(),
        engine: Engine::Batched,
    };
    group.bench_function("all_3_scenarios_r5_batched", |b| {
        b.iter(|| {
            let n =
                jinko::national::run::run(bundle, &options, &Progress::hidden()).expect("national");
            black_box(n.japan.base)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_national);
criterion_main!(benches);
