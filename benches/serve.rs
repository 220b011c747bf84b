//! Criterion benchmarks of `jinko serve` (issue 14), on 飯塚市 from the national bundle:
//! - `serve/simulate_tfr`: one `/api/simulate` answer with the TFR control moved — the request's
//!   scenario TOML written, built over the cached パターン1, projected, the answer assembled;
//! - `serve/simulate_tfr_r5`: the same on the 2020 basis (the request's scenario extends
//!   pattern1-r5.toml, so it is calibrated to the IPSS 2023 summary as it is built);
//! - `serve/simulate_all_controls`: the same with every control set (a net-migration target per
//!   period, settling households, mortality);
//! - `serve/answer_json`: the same answer serialised as the API sends it;
//! - `serve/solve_tfr`: the TFR solve (bisection, then the check on the exported scenario).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jinko::national::run::Basis;
use jinko::serve::answer;
use jinko::serve::api::{Request, SolveRequest};
use jinko::serve::state::State;

fn request(json: &str) -> Request {
    serde_json::from_str(json).expect("request")
}

fn bench_serve(c: &mut Criterion) {
    let state = State::new(&[]).expect("bundle");
    let base = state.base("40205", Basis::H30).expect("飯塚市");
    let base_r5 = state.base("40205", Basis::R5).expect("飯塚市, 2020 basis");
    let tfr_r5 = request(r#"{"place": "40205", "basis": 2020, "tfr": {"value": 1.8, "by": 2040}}"#);
    let tfr = request(r#"{"place": "40205", "tfr": {"value": 1.8, "by": 2035}}"#);
    let all = request(
        r#"{"place": "40205", "tfr": {"value": 1.8, "by": 2035},
            "migration": {"kind": "net", "value": -500.0, "from": 2025},
            "households": {"per_year": 20, "kind": "couple-30s-child", "from": 2020},
            "mortality": {"value": 0.9, "from": 2020},
            "target": {"year": 2065, "population": 95000.0}}"#,
    );
    let mut group = c.benchmark_group("serve");
    group.bench_function("simulate_tfr", |b| {
        b.iter(|| black_box(answer::simulation(&base, black_box(&tfr)).expect("answer")))
    });
    group.bench_function("simulate_tfr_r5", |b| {
        b.iter(|| black_box(answer::simulation(&base_r5, black_box(&tfr_r5)).expect("answer")))
    });
    group.bench_function("simulate_all_controls", |b| {
        b.iter(|| black_box(answer::simulation(&base, black_box(&all)).expect("answer")))
    });
    group.bench_function("answer_json", |b| {
        b.iter(|| {
            let a = answer::simulation(&base, black_box(&all)).expect("answer");
            black_box(serde_json::to_string(&a).expect("json"))
        })
    });
    let solve: SolveRequest = serde_json::from_str(&format!(
        r#"{{"solve": "tfr", "request": {}}}"#,
        serde_json::to_string(&all).expect("json")
    ))
    .expect("solve request");
    group.sample_size(20);
    group.bench_function("solve_tfr", |b| {
        b.iter(|| black_box(answer::solved(&base, black_box(&solve)).expect("solved")))
    });
    group.finish();
}

criterion_group!(benches, bench_serve);
criterion_main!(benches);
