//! Criterion benchmark of the national backtest (issue 15), end to end as `jinko backtest
//! --national --format csv` does it: decode the bundle, build the record of the 1,682
//! municipalities, project every base 1985 … 2015 by the three methods to every later census and
//! 2020, summarise by method, horizon, size class and variable, and render the CSV; and the fit of
//! the prediction intervals that `--intervals` adds.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jinko::national::{Bundle, BUNDLE};

fn bench_backtest(c: &mut Criterion) {
    let mut group = c.benchmark_group("backtest");
    group.sample_size(10);
    group.bench_function("national_end_to_end", |b| {
        b.iter(|| {
            let bundle = Bundle::parse(black_box(BUNDLE)).expect("bundle");
            let r = jinko::backtest::national::run(&bundle).expect("backtest");
            black_box(jinko::output::backtest_national::csv(&r).len())
        })
    });
    let bundle = Bundle::get().expect("bundle");
    group.bench_function("national_projections_and_summaries", |b| {
        b.iter(|| {
            black_box(
                jinko::backtest::national::run(bundle)
                    .expect("backtest")
                    .outcomes
                    .len(),
            )
        })
    });
    // What `--intervals` adds to a projection: the record, the default method's outcomes and the
    // fit of the error quantiles (once per process).
    group.bench_function("interval_fit", |b| {
        b.iter(|| {
            let rec = jinko::backtest::national::Record::from_bundle(bundle).expect("record");
            let mut out = Vec::new();
            jinko::backtest::national::outcomes(
                &rec,
                jinko::backtest::methods::Method::Damped,
                None,
                &mut out,
            );
            black_box(jinko::backtest::intervals::Intervals::fit(out.iter()).fitted_on)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_backtest);
criterion_main!(benches);
