//! Percentiles of large samples by selection (`select_nth_unstable`), not full sorts: each
//! percentile costs about one pass over the part of the sample left after the previous one.
//!
//! Definition: linear interpolation between order statistics (Hyndman & Fan 1996, type 7; the
//! default of R's `quantile` and NumPy's `percentile`): for p in [0, 100] the position is
//! h = (n − 1)·p/100 and the value `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])` of the sorted sample.

/// The percentiles `ps` (each in 0…100) of `values`, which is reordered. NaN sorts last.
/// Returns NaN for every percentile of an empty sample.
///
/// The order statistics needed are found by recursive selection: the middle one first, then
/// those below it in the left part and those above in the right part, so k percentiles cost
/// about log2(k) passes over the sample rather than k.
pub fn percentiles(values: &mut [f64], ps: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return vec![f64::NAN; ps.len()];
    }
    let pos: Vec<(usize, f64)> = ps
        .iter()
        .map(|p| {
            let h = (n - 1) as f64 * (p.clamp(0.0, 100.0) / 100.0);
            let k = (h.floor() as usize).min(n - 1);
            (k, h - k as f64)
        })
        .collect();
    // Every order statistic needed: k, and k + 1 where the position is between two.
    let mut ks: Vec<usize> = pos
        .iter()
        .flat_map(|&(k, f)| {
            if f > 0.0 && k + 1 < n {
                vec![k, k + 1]
            } else {
                vec![k]
            }
        })
        .collect();
    ks.sort_unstable();
    ks.dedup();
    select_many(values, 0, &ks);
    pos.iter()
        .map(|&(k, f)| {
            let xk = values[k];
            if f > 0.0 && k + 1 < n {
                xk + f * (values[k + 1] - xk)
            } else {
                xk
            }
        })
        .collect()
}

/// Put the order statistics `ks` (sorted, absolute indices; `values` starts at `offset`) in
/// their places.
fn select_many(values: &mut [f64], offset: usize, ks: &[usize]) {
    if ks.is_empty() || values.is_empty() {
        return;
    }
    let mid = ks.len() / 2;
    let k = ks[mid] - offset;
    let (left, _, right) = values.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    select_many(left, offset, &ks[..mid]);
    select_many(right, offset + k + 1, &ks[mid + 1..]);
}

/// Mean of `values` (NaN if empty).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sorted_definition() {
        let mut v: Vec<f64> = (0..1001).map(|i| ((i * 7919) % 1001) as f64).collect();
        let ps = [97.5, 2.5, 50.0, 10.0, 0.0, 100.0, 33.3];
        let got = percentiles(&mut v, &ps);
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        for (p, g) in ps.iter().zip(&got) {
            let h = 1000.0 * p / 100.0;
            let k = h.floor() as usize;
            let want = if k + 1 < s.len() {
                s[k] + (h - k as f64) * (s[k + 1] - s[k])
            } else {
                s[k]
            };
            assert!((g - want).abs() < 1e-9, "p{p}: {g} vs {want}");
        }
    }

    #[test]
    fn small_samples() {
        assert_eq!(percentiles(&mut [3.0], &[50.0]), vec![3.0]);
        assert_eq!(percentiles(&mut [1.0, 3.0], &[50.0]), vec![2.0]);
        assert!(percentiles(&mut [], &[50.0])[0].is_nan());
    }
}
