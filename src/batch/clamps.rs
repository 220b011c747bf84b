//! Which variants of a study had population cells set to zero: the batched engine clamps as the
//! scalar engine does but, to keep its step lean, does not count. A clamp can only bind with net
//! migrant counts, or with net migration rates whose rate × multiplier falls below −1 (a Monte
//! Carlo shock can do that); those variants — and only those — are projected again with the
//! scalar engine, which counts. Nothing is re-run for a rates model whose multipliers keep every
//! rate at −1 or more (Kama's studies).

use super::variant::{rate_range, Multipliers};
use crate::engine::{Cells, MigrationForm, Model};
use rayon::prelude::*;

/// How many of the `count` variants (multipliers filled by `fill`, from identity) had cells set
/// to zero.
pub fn count<F>(model: &Model, base: &Cells, count: usize, fill: F) -> u64
where
    F: Fn(usize, &mut Multipliers) + Sync,
{
    let k = model.periods.len();
    let range = rate_range(model);
    let counts = model.migration != MigrationForm::Rates;
    (0..count)
        .into_par_iter()
        .map_init(
            || Multipliers::identity(k),
            |m, i| {
                m.reset(k);
                fill(i, m);
                let possible = counts
                    || match range {
                        Some((lo, hi)) => m.mig.iter().any(|&g| (lo * g).min(hi * g) < -1.0),
                        None => true,
                    };
                if !possible {
                    return 0u64;
                }
                match crate::engine::project(&m.apply(model), base) {
                    Ok(p) if !p.warnings.is_empty() => 1,
                    _ => 0,
                }
            },
        )
        .sum()
}

/// The warning for `n` of `count` variants with cells set to zero (None if none).
pub fn warning(n: u64, count: usize, what: &str) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "warning: {n} of {count} {what} had population cells that would have fallen below zero and were set to zero (the emigrants who did not exist are removed from net migration)"
        )
    })
}
