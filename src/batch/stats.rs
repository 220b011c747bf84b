//! Percentiles of large samples by selection (`select_nth_unstable`), not full sorts: each
//! percentile costs about one pass over the part of the sample left after the previous one.
//!
//! Definition: linear interpolation between order statistics (Hyndman & Fan 1996, type 7; the
//! default of R's `quantile` and NumPy's `percentile`): for p in [0, 100] the position is
//! h = (n − 1)·p/100 and the value `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])` of the sorted sample.

/// The percentiles `ps` (each in 0…100) of `values`, which is reordered. NaN sorts last.
/// Returns NaN for every percentile of an empty sample.
pub fn percentiles(values: &mut [f64], ps: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return vec![f64::NAN; ps.len()];
    }
    // Visit the percentiles in increasing order, each selection working right of the last.
    let mut order: Vec<usize> = (0..ps.len()).collect();
    order.sort_by(|&a, &b| ps[a].total_cmp(&ps[b]));
    let mut out = vec![f64::NAN; ps.len()];
    let mut lo = 0usize; // values[..lo] are all ≤ values[lo..] and in place up to lo-1
    for &i in &order {
        let h = (n - 1) as f64 * (ps[i].clamp(0.0, 100.0) / 100.0);
        let k = (h.floor() as usize).min(n - 1);
        let frac = h - k as f64;
        let start = lo.min(k);
        let (_, &mut xk, right) =
            values[start..].select_nth_unstable_by(k - start, |a, b| a.total_cmp(b));
        let next = if frac > 0.0 && !right.is_empty() {
            right.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            xk
        };
        out[i] = xk + frac * (next - xk);
        lo = k;
    }
    out
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
