//! The batched engine: many variants of one model projected side by side.
//!
//! Layout is structure-of-arrays: for every sex and age group the population is a lane group of
//! [`LANES`] (8) `f64`, one per variant, so each line of the step's arithmetic is one 8-wide
//! vector operation (one AVX-512 instruction, two AVX2 ones, four SSE2 ones). The step is the
//! scalar step of [`crate::engine::step`] written lane-wise with the same operations, so a
//! variant's result equals the scalar engine on
//! [`Multipliers::apply`](super::Multipliers::apply)'s model to rounding: the AVX kernels fuse
//! multiply–adds (one rounding instead of two) and totals are summed in four partial sums; tests
//! check every cell of 1,000 random variants on five models to 1e-12 relative, on every
//! instruction set the CPU has. The step allocates nothing; components (births, deaths,
//! migration) are not tracked, only populations and totals. The kernel is compiled with the
//! number of age groups as a constant for the 19-group Japanese grid and the 18-group textbook
//! one (loops unrolled), and with a run-time count otherwise.
//!
//! The instruction set is chosen at run time ([`Isa::detect`]): the same kernel is compiled three
//! times, under `#[target_feature(enable = "avx512f")]`, `"avx2"`, and the portable baseline, and
//! the best one the CPU has is called, so a portable build runs at full speed (no
//! `-C target-cpu=native` needed). Chunks of variants are spread over every core with rayon;
//! every variant's numbers depend only on its own multipliers and the instruction set, never on
//! the thread or on which other variants share its lane group: the same run gives the same bits
//! on 1 or 64 threads (a CPU without AVX2/FMA may differ in the last bits).

use super::progress::Progress;
use super::variant::Multipliers;
use crate::engine::{Cells, FertilityMethod, MigrationForm, Model, Timing};
use crate::error::{Error, Result};
use crate::grid::{FERTILE_FIRST, FERTILE_LAST, MAX_AGES};
use rayon::prelude::*;

/// Variants per lane group.
pub const LANES: usize = 8;

/// One value per variant of a lane group.
pub type Lane = [f64; LANES];

/// A population by sex and age group, one lane per variant.
pub type LaneCells = [[Lane; MAX_AGES]; 2];

/// Variants per rayon task (a multiple of [`LANES`]).
const BLOCK: usize = 256;

/// The instruction set the kernel runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// Baseline code for the target (SSE2 on x86-64).
    Portable,
    /// AVX2 (x86-64).
    Avx2,
    /// AVX-512 Foundation (x86-64).
    Avx512,
}

impl Isa {
    /// The best instruction set this CPU supports.
    pub fn detect() -> Isa {
        [Isa::Avx512, Isa::Avx2]
            .into_iter()
            .find(|i| i.available())
            .unwrap_or(Isa::Portable)
    }

    /// Whether this CPU can run `self`.
    pub fn available(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Short name for reports and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }
}

/// One period prepared for the kernel: the constants every lane shares.
#[derive(Debug, Clone)]
struct Prepared {
    survival: Cells,
    /// 1 − S, for the mortality multiplier.
    q: Cells,
    birth_survival: [f64; 2],
    qb: [f64; 2],
    cwr: f64,
    asfr: [f64; MAX_AGES],
    male_share: f64,
    female_share: f64,
    /// Net migration rates (rates form) or counts.
    migration: Cells,
    /// start share × counts (counts form), the part arriving at the start of the step.
    start_mig: Cells,
    /// end share × counts (counts form), the part arriving at the end.
    end_mig: Cells,
    /// start share × female counts, for the women exposed to fertility (ASFR).
    birth_start_mig: [f64; MAX_AGES],
    flows: Cells,
    has_flows: bool,
}

/// A validated model and base population prepared for batched projection.
#[derive(Debug, Clone)]
pub struct BatchEngine {
    n: usize,
    fertility: FertilityMethod,
    migration: MigrationForm,
    base_year: i32,
    periods: Vec<Prepared>,
    base: Cells,
    isa: Isa,
}

impl BatchEngine {
    /// Prepare `model` (validated here) and `base` for batched projection.
    pub fn new(model: &Model, base: &Cells) -> Result<BatchEngine> {
        model.validate()?;
        let n = model.ages.len();
        if !(4..=MAX_AGES).contains(&n) {
            return Err(Error::Invalid(format!(
                "{n} age groups: expected 4 to {MAX_AGES}"
            )));
        }
        for s in 0..2 {
            for a in 0..n {
                let v = base[s][a];
                if !v.is_finite() || v < 0.0 {
                    return Err(Error::Invalid(format!(
                        "base population cell {s}/{a} is {v}: expected a non-negative number"
                    )));
                }
            }
        }
        let (start_share, end_share) = match model.migration {
            MigrationForm::Rates => (0.0, 0.0),
            MigrationForm::Counts(Timing::Even) => (0.5, 0.5),
            MigrationForm::Counts(Timing::End) => (0.0, 1.0),
        };
        let birth_share = match model.migration {
            MigrationForm::Counts(Timing::Even) => 0.5,
            _ => 0.0,
        };
        let periods = model
            .periods
            .iter()
            .map(|p| {
                let mut q = [[0.0; MAX_AGES]; 2];
                let mut start_mig = [[0.0; MAX_AGES]; 2];
                let mut end_mig = [[0.0; MAX_AGES]; 2];
                for s in 0..2 {
                    for a in 0..MAX_AGES {
                        q[s][a] = 1.0 - p.survival[s][a];
                        start_mig[s][a] = start_share * p.migration[s][a];
                        end_mig[s][a] = end_share * p.migration[s][a];
                    }
                }
                let mut birth_start_mig = [0.0; MAX_AGES];
                for a in 0..MAX_AGES {
                    birth_start_mig[a] = birth_share * p.migration[1][a];
                }
                let sigma = p.sex_ratio;
                Prepared {
                    survival: p.survival,
                    q,
                    birth_survival: p.birth_survival,
                    qb: [1.0 - p.birth_survival[0], 1.0 - p.birth_survival[1]],
                    cwr: p.cwr,
                    asfr: p.asfr,
                    male_share: sigma / (1.0 + sigma),
                    female_share: 1.0 / (1.0 + sigma),
                    migration: p.migration,
                    start_mig,
                    end_mig,
                    birth_start_mig,
                    flows: p.flows,
                    has_flows: p.has_flows,
                }
            })
            .collect();
        Ok(BatchEngine {
            n,
            fertility: model.fertility,
            migration: model.migration,
            base_year: model.base_year,
            periods,
            base: *base,
            isa: Isa::detect(),
        })
    }

    /// Use instruction set `isa` (falls back to the portable kernel if the CPU lacks it).
    pub fn with_isa(mut self, isa: Isa) -> BatchEngine {
        self.isa = if isa.available() { isa } else { Isa::Portable };
        self
    }

    /// The instruction set in use.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Number of projection periods.
    pub fn periods(&self) -> usize {
        self.periods.len()
    }

    /// Number of years of output (base year included).
    pub fn years_len(&self) -> usize {
        self.periods.len() + 1
    }

    /// The years of output.
    pub fn years(&self) -> Vec<i32> {
        (0..self.years_len())
            .map(|k| self.base_year + 5 * k as i32)
            .collect()
    }

    /// Number of age groups.
    pub fn ages(&self) -> usize {
        self.n
    }

    /// Project one lane group: `fert`, `mort`, `mig` hold one lane group per period; totals of
    /// every year go to `totals` (years × lanes), populations, if asked, to `full`.
    pub fn project_lanes(
        &self,
        fert: &[Lane],
        mort: &[Lane],
        mig: &[Lane],
        totals: &mut [Lane],
        full: Option<&mut [LaneCells]>,
    ) {
        let k = self.periods.len();
        if fert.len() < k || mort.len() < k || mig.len() < k || totals.len() < k + 1 {
            return;
        }
        if let Some(f) = &full {
            if f.len() < k + 1 {
                return;
            }
        }
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `with_isa`/`detect` only select an instruction set the CPU reports.
            Isa::Avx512 => unsafe { kernel_avx512(self, fert, mort, mig, totals, full) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { kernel_avx2(self, fert, mort, mig, totals, full) },
            _ => by_ages::<false>(self, fert, mort, mig, totals, full),
        }
    }

    /// Project `count` variants, the multipliers of variant `i` set by `fill(i, &mut m)` (given
    /// all ones), and return their totals, variant by variant: `out[i * years + y]`.
    pub fn totals<F>(&self, count: usize, fill: F, progress: &Progress) -> Vec<f64>
    where
        F: Fn(usize, &mut Multipliers) + Sync,
    {
        let years = self.years_len();
        let mut out = vec![0.0; count * years];
        self.run(count, &fill, progress, &mut out, None);
        out
    }

    /// Project `count` variants as [`totals`](Self::totals) does and return their populations by
    /// year: `out[i * years + y]`.
    pub fn populations<F>(&self, count: usize, fill: F, progress: &Progress) -> Vec<Cells>
    where
        F: Fn(usize, &mut Multipliers) + Sync,
    {
        let years = self.years_len();
        let mut totals = vec![0.0; count * years];
        let mut pops = vec![[[0.0; MAX_AGES]; 2]; count * years];
        self.run(count, &fill, progress, &mut totals, Some(&mut pops));
        pops
    }

    fn run<F>(
        &self,
        count: usize,
        fill: &F,
        progress: &Progress,
        totals: &mut [f64],
        pops: Option<&mut [Cells]>,
    ) where
        F: Fn(usize, &mut Multipliers) + Sync,
    {
        let years = self.years_len();
        let k = self.periods.len();
        if count == 0 {
            return;
        }
        let want_full = pops.is_some();
        let task = |(b, tot): (usize, &mut [f64]), pop: Option<&mut [Cells]>, s: &mut Scratch| {
            let first = b * BLOCK;
            let here = tot.len() / years;
            let mut pop = pop;
            for c in (0..here).step_by(LANES) {
                for l in 0..LANES {
                    // Lanes past the end repeat the last variant; their results are dropped.
                    let i = first + (c + l).min(here - 1);
                    s.m.reset(k);
                    fill(i, &mut s.m);
                    for p in 0..k {
                        s.fert[p][l] = s.m.fert[p];
                        s.mort[p][l] = s.m.mort[p];
                        s.mig[p][l] = s.m.mig[p];
                    }
                }
                let full = if want_full {
                    Some(&mut s.full[..])
                } else {
                    None
                };
                self.project_lanes(&s.fert, &s.mort, &s.mig, &mut s.totals, full);
                let lanes = LANES.min(here - c);
                for l in 0..lanes {
                    for y in 0..years {
                        tot[(c + l) * years + y] = s.totals[y][l];
                    }
                }
                if let Some(pop) = pop.as_deref_mut() {
                    for l in 0..lanes {
                        for y in 0..years {
                            let cell = &mut pop[(c + l) * years + y];
                            for sx in 0..2 {
                                for a in 0..self.n {
                                    cell[sx][a] = s.full[y][sx][a][l];
                                }
                            }
                        }
                    }
                }
            }
            progress.inc(here as u64);
        };
        let init = || Scratch::new(k);
        match pops {
            None => totals
                .par_chunks_mut(BLOCK * years)
                .enumerate()
                .for_each_init(init, |s, x| task(x, None, s)),
            Some(pops) => totals
                .par_chunks_mut(BLOCK * years)
                .zip(pops.par_chunks_mut(BLOCK * years))
                .enumerate()
                .for_each_init(init, |s, (b, (t, p))| task((b, t), Some(p), s)),
        }
    }
}

/// Per-task buffers, allocated once per rayon task.
struct Scratch {
    m: Multipliers,
    fert: Vec<Lane>,
    mort: Vec<Lane>,
    mig: Vec<Lane>,
    totals: Vec<Lane>,
    full: Vec<LaneCells>,
}

impl Scratch {
    fn new(k: usize) -> Scratch {
        Scratch {
            m: Multipliers::identity(k),
            fert: vec![[1.0; LANES]; k],
            mort: vec![[1.0; LANES]; k],
            mig: vec![[1.0; LANES]; k],
            totals: vec![[0.0; LANES]; k + 1],
            full: vec![[[[0.0; LANES]; MAX_AGES]; 2]; k + 1],
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn kernel_avx512(
    e: &BatchEngine,
    fert: &[Lane],
    mort: &[Lane],
    mig: &[Lane],
    totals: &mut [Lane],
    full: Option<&mut [LaneCells]>,
) {
    by_ages::<true>(e, fert, mort, mig, totals, full)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel_avx2(
    e: &BatchEngine,
    fert: &[Lane],
    mort: &[Lane],
    mig: &[Lane],
    totals: &mut [Lane],
    full: Option<&mut [LaneCells]>,
) {
    by_ages::<true>(e, fert, mort, mig, totals, full)
}

/// The kernel for the model's number of age groups: constant for the Japanese grid (19) and
/// the textbook one (18), read at run time otherwise.
#[inline(always)]
fn by_ages<const FMA: bool>(
    e: &BatchEngine,
    fert: &[Lane],
    mort: &[Lane],
    mig: &[Lane],
    totals: &mut [Lane],
    full: Option<&mut [LaneCells]>,
) {
    match e.n {
        19 => kernel::<FMA, 19>(e, fert, mort, mig, totals, full),
        18 => kernel::<FMA, 18>(e, fert, mort, mig, totals, full),
        _ => kernel::<FMA, 0>(e, fert, mort, mig, totals, full),
    }
}

#[inline(always)]
fn splat(v: f64) -> Lane {
    [v; LANES]
}

/// `if v < 0 { 0 } else { v }` lane-wise, as the scalar step clamps.
#[inline(always)]
fn clamp0(v: &mut Lane) {
    for x in v.iter_mut() {
        *x = if *x < 0.0 { 0.0 } else { *x };
    }
}

/// `a·b + c`: fused (one rounding) in the FMA kernels, two roundings in the portable one,
/// which thereby repeats the scalar step operation for operation.
#[inline(always)]
fn madd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Survival lanes for ratio `s` (with `q = 1 − s`) under mortality multipliers `m`:
/// `clamp(1 − q·m, 0, 1)` (as [`super::variant::mortality`]), and S itself, exactly, when every
/// lane has m = 1.
#[inline(always)]
fn survival_lanes<const FMA: bool>(s: f64, q: f64, m: &Lane, all_one: bool) -> Lane {
    if all_one {
        return splat(s);
    }
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        let v = madd::<FMA>(-q, m[l], 1.0);
        let v = if v < 0.0 { 0.0 } else { v };
        out[l] = if v > 1.0 { 1.0 } else { v };
    }
    out
}

/// Total of every cell, both sexes: four partial sums (ages a mod 4) so that the additions do
/// not wait on one another. The order differs from the scalar sum by rounding only.
#[inline(always)]
fn sum_cells(pop: &LaneCells, n: usize) -> Lane {
    let mut acc = [[0.0; LANES]; 4];
    for s in 0..2 {
        for a in 0..n {
            for l in 0..LANES {
                acc[a & 3][l] += pop[s][a][l];
            }
        }
    }
    let mut total = [0.0; LANES];
    for l in 0..LANES {
        total[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    }
    total
}

#[inline(always)]
fn kernel<const FMA: bool, const N: usize>(
    e: &BatchEngine,
    fert: &[Lane],
    mort: &[Lane],
    mig: &[Lane],
    totals: &mut [Lane],
    mut full: Option<&mut [LaneCells]>,
) {
    // N = 0: the number of age groups is read at run time; else it is the constant N (the
    // compiler then unrolls the loops over ages and keeps partial sums in registers).
    let n = if N == 0 { e.n.clamp(4, MAX_AGES) } else { N };
    let last = n - 1;
    let counts = matches!(e.migration, MigrationForm::Counts(_));
    let rates = !counts;
    let mut bufs: [LaneCells; 2] = [[[[0.0; LANES]; MAX_AGES]; 2]; 2];
    for s in 0..2 {
        for a in 0..n {
            bufs[0][s][a] = splat(e.base[s][a]);
        }
    }
    totals[0] = sum_cells(&bufs[0], n);
    if let Some(f) = full.as_deref_mut() {
        f[0] = bufs[0];
    }
    for (k, p) in e.periods.iter().enumerate() {
        let fm = &fert[k];
        let mm = &mort[k];
        let gm = &mig[k];
        let all_one = mm.iter().all(|&x| x == 1.0);
        let sv =
            |s: usize, a: usize| survival_lanes::<FMA>(p.survival[s][a], p.q[s][a], mm, all_one);
        let (lo, hi) = bufs.split_at_mut(1);
        let (from, to) = if k % 2 == 0 {
            (&lo[0], &mut hi[0])
        } else {
            (&hi[0], &mut lo[0])
        };
        for s in 0..2 {
            let pf = &from[s];
            let out = &mut to[s];
            if rates {
                for a in 1..last {
                    let rate = p.migration[s][a];
                    let svs = sv(s, a - 1);
                    let mut v = [0.0; LANES];
                    for l in 0..LANES {
                        let surv = pf[a - 1][l] * svs[l];
                        v[l] = madd::<FMA>(surv, rate * gm[l], surv);
                    }
                    clamp0(&mut v);
                    out[a] = v;
                }
                let rate = p.migration[s][last];
                let svs = sv(s, last - 1);
                let mut v = [0.0; LANES];
                for l in 0..LANES {
                    let surv = (pf[last - 1][l] + pf[last][l]) * svs[l];
                    v[l] = madd::<FMA>(surv, rate * gm[l], surv);
                }
                clamp0(&mut v);
                out[last] = v;
            } else {
                for a in 1..last {
                    let sm0 = p.start_mig[s][a - 1];
                    let em = p.end_mig[s][a];
                    let svs = sv(s, a - 1);
                    let mut v = [0.0; LANES];
                    for l in 0..LANES {
                        let base = madd::<FMA>(sm0, gm[l], pf[a - 1][l]);
                        let base = if base < 0.0 { 0.0 } else { base };
                        v[l] = madd::<FMA>(base, svs[l], em * gm[l]);
                    }
                    clamp0(&mut v);
                    out[a] = v;
                }
                let sm0 = p.start_mig[s][last - 1];
                let sm1 = p.start_mig[s][last];
                let em = p.end_mig[s][last];
                let svs = sv(s, last - 1);
                let mut v = [0.0; LANES];
                for l in 0..LANES {
                    let base = madd::<FMA>(sm0, gm[l], pf[last - 1][l]) + pf[last][l];
                    let base = madd::<FMA>(sm1, gm[l], base);
                    let base = if base < 0.0 { 0.0 } else { base };
                    v[l] = madd::<FMA>(base, svs[l], em * gm[l]);
                }
                clamp0(&mut v);
                out[last] = v;
            }
        }

        if p.has_flows {
            for s in 0..2 {
                let f = &p.flows[s];
                for a in 1..n {
                    let mut start = 0.5 * f[a - 1];
                    if a == last {
                        start += 0.5 * f[a];
                    }
                    let end = 0.5 * f[a];
                    let svs = sv(s, a - 1);
                    let mut v = [0.0; LANES];
                    for l in 0..LANES {
                        let surv = start * svs[l];
                        v[l] = to[s][a][l] + surv + end;
                    }
                    clamp0(&mut v);
                    to[s][a] = v;
                }
            }
        }

        // Births.
        let mut women_end = [0.0; LANES];
        for a in FERTILE_FIRST..=FERTILE_LAST {
            for l in 0..LANES {
                women_end[l] += to[1][a][l];
            }
        }
        let mut births = [[0.0; LANES]; 2];
        match e.fertility {
            FertilityMethod::Cwr => {
                for l in 0..LANES {
                    let b = (p.cwr * fm[l]) * women_end[l];
                    births[0][l] = b * p.male_share;
                    births[1][l] = b * p.female_share;
                }
                to[0][0] = births[0];
                to[1][0] = births[1];
            }
            FertilityMethod::Asfr => {
                // Two partial sums (odd and even age groups) to shorten the dependency chain.
                let mut sum = [[0.0; LANES]; 2];
                for a in FERTILE_FIRST..=FERTILE_LAST {
                    let sm = p.birth_start_mig[a];
                    let fl = if p.has_flows {
                        0.5 * p.flows[1][a]
                    } else {
                        0.0
                    };
                    let f = p.asfr[a];
                    let fa = &from[1][a];
                    let ta = &to[1][a];
                    let acc = &mut sum[a & 1];
                    for l in 0..LANES {
                        let w = madd::<FMA>(sm, gm[l], fa[l]) + fl;
                        let w = if w < 0.0 { 0.0 } else { w };
                        acc[l] = madd::<FMA>(f * fm[l], w + ta[l], acc[l]);
                    }
                }
                for l in 0..LANES {
                    let b = 2.5 * (sum[0][l] + sum[1][l]);
                    births[0][l] = b * p.male_share;
                    births[1][l] = b * p.female_share;
                }
                for s in 0..2 {
                    let rate = p.migration[s][0];
                    let sb = survival_lanes::<FMA>(p.birth_survival[s], p.qb[s], mm, all_one);
                    let mut v = [0.0; LANES];
                    for l in 0..LANES {
                        v[l] = births[s][l] * sb[l];
                    }
                    if rates {
                        for l in 0..LANES {
                            v[l] = madd::<FMA>(v[l], rate * gm[l], v[l]);
                        }
                        clamp0(&mut v);
                    }
                    to[s][0] = v;
                }
            }
        }
        if p.has_flows {
            for s in 0..2 {
                let add = 0.5 * p.flows[s][0];
                let mut v = to[s][0];
                for x in v.iter_mut() {
                    *x += add;
                }
                clamp0(&mut v);
                to[s][0] = v;
            }
        }
        if counts {
            for s in 0..2 {
                let em = p.end_mig[s][0];
                let mut v = [0.0; LANES];
                for l in 0..LANES {
                    v[l] = madd::<FMA>(em, gm[l], to[s][0][l]);
                }
                clamp0(&mut v);
                to[s][0] = v;
            }
        }
        totals[k + 1] = sum_cells(to, n);
        if let Some(f) = full.as_deref_mut() {
            f[k + 1] = *to;
        }
    }
}
