//! Criterion benchmarks of the batched engine (issue #5), in projections per second
//! (`Throughput::Elements`):
//! - `lanes/<isa>/asfr_counts_19x2x9`: one core, the kernel alone, 1,024 variants per iteration
//!   (128 lane groups of 8) with perturbed fertility, mortality and migration multipliers, on the
//!   ASFR model with net migrant counts (even timing) of `benches/engine.rs`: 19 ages × 2 sexes ×
//!   9 steps, Kama's 2015 census, WPP 2024 survival for Japan, HFD Japan 2015 fertility, the
//!   IPSS 2015→2020 residual migration. One group per instruction set the CPU has.
//! - `lanes/<isa>/kama_cwr_2015_2065`: the same on the IPSS-consistent Kama scenario (CWR, rates,
//!   10 steps).
//! - `all_cores/asfr_counts_19x2x9`: `BatchEngine::totals_into` over 65,536 variants on every core
//!   (rayon), multipliers filled per variant as `jinko batch` does.
//! - The scalar engine on the same model, for scale, is `project/asfr_counts_19x2x9` in
//!   `benches/engine.rs`.
//! - `machine/<op>512`: the core's own rate of 512-bit `f64` operations (fused multiply–add,
//!   add, max), in operations per second, when the CPU has AVX-512: the ceiling the batched
//!   kernel's seven operations per cell and lane group are measured against.

mod common;

use common::{asfr_model, kama};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use jinko::batch::engine::{BatchEngine, Isa, Lane, Workspace, LANES};
use jinko::batch::progress::Progress;
use jinko::engine::{Cells, Model, Timing};
use jinko::scenario::Scenario;

/// Perturbed multipliers for `groups` lane groups of `periods` periods: deterministic, spread
/// ±20% (mortality and migration) and ±10% (fertility) around 1.
fn perturbed(groups: usize, periods: usize) -> Vec<[Vec<Lane>; 3]> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..groups)
        .map(|_| {
            let mut lanes = [
                vec![Lane::splat(0.0); periods],
                vec![Lane::splat(0.0); periods],
                vec![Lane::splat(0.0); periods],
            ];
            for (j, v) in lanes.iter_mut().enumerate() {
                let spread = if j == 0 { 0.1 } else { 0.2 };
                for p in v.iter_mut() {
                    for l in p.iter_mut() {
                        *l = 1.0 + spread * (2.0 * next() - 1.0);
                    }
                }
            }
            lanes
        })
        .collect()
}

fn bench_lanes(c: &mut Criterion, name: &str, model: &Model, base: &Cells) {
    const GROUPS: usize = 128;
    let k = model.periods.len();
    let params = perturbed(GROUPS, k);
    let mut group = c.benchmark_group("lanes");
    group.throughput(Throughput::Elements((GROUPS * LANES) as u64));
    for isa in [Isa::Portable, Isa::Avx2, Isa::Avx512] {
        if !isa.available() {
            continue;
        }
        let engine = BatchEngine::new(model, base).expect("engine").with_isa(isa);
        let mut totals = vec![Lane::splat(0.0); k + 1];
        let mut ws = Workspace::new();
        group.bench_function(format!("{}/{name}", isa.name()), |b| {
            b.iter(|| {
                let mut acc = 0.0;
                for [f, m, g] in &params {
                    engine.project_lanes(f, m, g, &mut totals, None, &mut ws);
                    acc += totals[k][0];
                }
                black_box(acc)
            })
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let (model, base) = asfr_model(Timing::Even);
    bench_lanes(c, "asfr_counts_19x2x9", &model, &base);
    let scenario = Scenario::load(&kama("ipss-h30.toml")).expect("Kama scenario");
    bench_lanes(c, "kama_cwr_2015_2065", &scenario.model, &scenario.base);

    const N: usize = 65_536;
    let engine = BatchEngine::new(&model, &base).expect("engine");
    let mut group = c.benchmark_group("all_cores");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(20);
    let progress = Progress::hidden();
    let mut out = vec![0.0; N * engine.years_len()];
    group.bench_function("asfr_counts_19x2x9", |b| {
        b.iter(|| {
            engine.totals_into(
                &mut out,
                |i, m| {
                    let u = (i % 1000) as f64 / 1000.0;
                    m.scale(0.9 + 0.2 * u, 1.1 - 0.2 * u, 0.8 + 0.4 * u);
                },
                &progress,
            );
            black_box(out[out.len() - 1])
        })
    });
    group.finish();
}

/// Sixteen independent chains of one 512-bit operation, `rounds` times: enough chains to cover
/// the operation's latency, so the time is its throughput.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn op_chains(op: u8, rounds: usize) -> f64 {
    use std::arch::x86_64::*;
    let mut x = [_mm512_set1_pd(1.0); 16];
    let (y, z) = (
        _mm512_set1_pd(black_box(0.999_999)),
        _mm512_set1_pd(black_box(1e-9)),
    );
    for _ in 0..rounds {
        for v in x.iter_mut() {
            *v = match op {
                0 => _mm512_fmadd_pd(*v, y, z),
                1 => _mm512_add_pd(*v, z),
                _ => _mm512_max_pd(*v, z),
            };
        }
    }
    let mut sum = x[0];
    for v in &x[1..] {
        sum = _mm512_add_pd(sum, *v);
    }
    _mm512_reduce_add_pd(sum)
}

fn bench_machine(c: &mut Criterion) {
    #[cfg(target_arch = "x86_64")]
    {
        if !Isa::Avx512.available() {
            return;
        }
        const ROUNDS: usize = 10_000;
        let mut group = c.benchmark_group("machine");
        group.throughput(Throughput::Elements((16 * ROUNDS) as u64));
        for (op, name) in [(0u8, "fma512"), (1, "add512"), (2, "max512")] {
            // SAFETY: the CPU reports AVX-512F.
            group.bench_function(name, |b| b.iter(|| unsafe { op_chains(op, ROUNDS) }));
        }
        group.finish();
    }
}

criterion_group!(benches, bench, bench_machine);
criterion_main!(benches);
