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
//! one (loops unrolled), and with a run-time count otherwise. For those two grids, a period
//! without flows is one fused sweep over the cells (`step_fused`: survival, migration, the
//! fertility terms, births and the total in one pass, ages unrolled by hand); other periods
//! take the general step and a separate sum. A rates step whose every rate × multiplier is −1
//! or more (always, for a valid model) has no clamp to apply and runs without one.
//!
//! Memory: a lane group is one 64-byte cache line ([`Lane`] is aligned to it; unaligned, half
//! the loads and stores of a step split two lines, about 15% of the time on the ASFR
//! benchmark), and a lane group's projection alternates between the two buffers of a
//! [`Workspace`] reused from lane group to lane group, the first step reading the prepared base
//! in place (no copy of the base, no clearing, per projection).
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

/// One value per variant of a lane group, aligned to 64 bytes so that a lane group is one cache
/// line (an unaligned 512-bit load or store that splits two lines costs about twice as much).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
pub struct Lane(pub [f64; LANES]);

impl Lane {
    /// `v` in every lane.
    pub const fn splat(v: f64) -> Lane {
        Lane([v; LANES])
    }
}

impl std::ops::Deref for Lane {
    type Target = [f64; LANES];
    fn deref(&self) -> &[f64; LANES] {
        &self.0
    }
}

impl std::ops::DerefMut for Lane {
    fn deref_mut(&mut self) -> &mut [f64; LANES] {
        &mut self.0
    }
}

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
    /// The largest 1 − S of the period (births included), to know when `1 − q·m` can go below 0.
    max_q: f64,
    cwr: f64,
    asfr: [f64; MAX_AGES],
    male_share: f64,
    female_share: f64,
    /// Net migration rates (rates form) or counts.
    migration: Cells,
    /// The smallest and largest migration rate or count of the period (cells in use).
    rate_range: (f64, f64),
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
    /// The base population, the same in every lane (cells past the age groups 0).
    base_lanes: LaneCells,
    /// Its total, in every lane.
    base_total: Lane,
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
                    max_q: q
                        .iter()
                        .flat_map(|x| x[..n - 1].iter())
                        .chain([1.0 - p.birth_survival[0], 1.0 - p.birth_survival[1]].iter())
                        .fold(0.0, |a: f64, &b| a.max(b)),
                    cwr: p.cwr,
                    asfr: p.asfr,
                    male_share: sigma / (1.0 + sigma),
                    female_share: 1.0 / (1.0 + sigma),
                    migration: p.migration,
                    rate_range: p
                        .migration
                        .iter()
                        .flat_map(|x| x[..n].iter())
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                            (lo.min(r), hi.max(r))
                        }),
                    start_mig,
                    end_mig,
                    birth_start_mig,
                    flows: p.flows,
                    has_flows: p.has_flows,
                }
            })
            .collect();
        let mut base_lanes = [[Lane::splat(0.0); MAX_AGES]; 2];
        for s in 0..2 {
            for a in 0..n {
                base_lanes[s][a] = Lane::splat(base[s][a]);
            }
        }
        let base_total = sum_cells::<Portable>(&base_lanes, n);
        Ok(BatchEngine {
            n,
            fertility: model.fertility,
            migration: model.migration,
            base_year: model.base_year,
            periods,
            base_lanes,
            base_total,
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
    /// every year go to `totals` (years × lanes), populations, if asked, to `full`. `ws` holds
    /// the populations between steps (any workspace: its contents are overwritten).
    pub fn project_lanes(
        &self,
        fert: &[Lane],
        mort: &[Lane],
        mig: &[Lane],
        totals: &mut [Lane],
        full: Option<&mut [LaneCells]>,
        ws: &mut Workspace,
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
            Isa::Avx512 => unsafe { simd::kernel_avx512(self, fert, mort, mig, totals, full, ws) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { simd::kernel_avx2(self, fert, mort, mig, totals, full, ws) },
            _ => by_ages::<Portable>(self, fert, mort, mig, totals, full, ws),
        }
    }

    /// Project `count` variants, the multipliers of variant `i` set by `fill(i, &mut m)` (given
    /// all ones), and return their totals, variant by variant: `out[i * years + y]`.
    pub fn totals<F>(&self, count: usize, fill: F, progress: &Progress) -> Vec<f64>
    where
        F: Fn(usize, &mut Multipliers) + Sync,
    {
        let mut out = vec![0.0; count * self.years_len()];
        self.totals_into(&mut out, fill, progress);
        out
    }

    /// [`totals`](Self::totals) into `out`, whose length (a multiple of the number of years)
    /// gives the number of variants: for runs that reuse one buffer (a fresh buffer of millions
    /// of values costs a page fault per 4 KiB on first writing).
    pub fn totals_into<F>(&self, out: &mut [f64], fill: F, progress: &Progress)
    where
        F: Fn(usize, &mut Multipliers) + Sync,
    {
        let count = out.len() / self.years_len();
        self.run(count, &fill, progress, out, None);
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
                    for (dst, src) in [
                        (&mut s.fert, &s.m.fert),
                        (&mut s.mort, &s.m.mort),
                        (&mut s.mig, &s.m.mig),
                    ] {
                        for (d, v) in dst.iter_mut().zip(src.iter()) {
                            d[l] = *v;
                        }
                    }
                }
                let full = if want_full {
                    Some(&mut s.full[..])
                } else {
                    None
                };
                self.project_lanes(&s.fert, &s.mort, &s.mig, &mut s.totals, full, &mut s.ws);
                let lanes = LANES.min(here - c);
                for (l, row) in tot[c * years..(c + lanes) * years]
                    .chunks_exact_mut(years)
                    .enumerate()
                {
                    for (t, lane) in row.iter_mut().zip(s.totals.iter()) {
                        *t = lane[l];
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
        let init = || Scratch::new(k, want_full);
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

/// The two population buffers a lane group's projection alternates between, allocated once and
/// reused for every lane group (no copy of the base population, no clearing per projection).
#[derive(Clone)]
#[repr(C, align(64))]
pub struct Workspace {
    bufs: [LaneCells; 2],
}

impl Workspace {
    /// A workspace (zeroed).
    pub fn new() -> Workspace {
        Workspace {
            bufs: [[[Lane::splat(0.0); MAX_AGES]; 2]; 2],
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace::new()
    }
}

/// Per-task buffers, allocated once per rayon task.
struct Scratch {
    ws: Workspace,
    m: Multipliers,
    fert: Vec<Lane>,
    mort: Vec<Lane>,
    mig: Vec<Lane>,
    totals: Vec<Lane>,
    full: Vec<LaneCells>,
}

impl Scratch {
    /// Buffers for `k` periods, with room for every year's populations if `full`. (Made for
    /// every job rayon splits off, so kept small when the populations are not wanted.)
    fn new(k: usize, full: bool) -> Scratch {
        Scratch {
            ws: Workspace::new(),
            m: Multipliers::identity(k),
            fert: vec![Lane::splat(1.0); k],
            mort: vec![Lane::splat(1.0); k],
            mig: vec![Lane::splat(1.0); k],
            totals: vec![Lane::splat(0.0); k + 1],
            full: if full {
                vec![[[Lane::splat(0.0); MAX_AGES]; 2]; k + 1]
            } else {
                Vec::new()
            },
        }
    }
}

/// Eight `f64` lanes and the operations the step needs. Implemented for the portable baseline
/// (plain arrays, two roundings for `a·b + c`, as the scalar step) and, on x86-64, for AVX-512
/// (`__m512d`) and AVX2 (two `__m256d`) with fused multiply–adds. The AVX types are only used
/// inside the `#[target_feature]` kernels, which run only after the CPU was checked.
trait Vx: Copy {
    /// Whether the kernel uses the fused sweep ([`step_fused`]). Not for AVX2: its live state
    /// (two `__m256d` per value) does not fit in the 16 vector registers, and the spills make
    /// it slower than the two passes (measured on the CWR rates benchmark).
    const FUSED: bool = true;
    fn splat(x: f64) -> Self;
    fn load(p: &Lane) -> Self;
    fn store(self, p: &mut Lane);
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `self·b + c`.
    fn madd(self, b: Self, c: Self) -> Self;
    /// `if x < 0 { 0 } else { x }`.
    fn max0(self) -> Self;
    /// Whether some lane has its sign bit set.
    fn any_negative(self) -> bool;
}

/// One step of [`step_fused`] in survival mode `mode` and migration form `form`, with the
/// period's fertility, mortality (≥ 0) and migration multipliers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fused_step<V: Vx, const N: usize>(
    e: &BatchEngine,
    p: &Prepared,
    mode: u8,
    form: u8,
    (fm, mm, gm): (V, V, V),
    from: &LaneCells,
    to: &mut LaneCells,
) -> Lane {
    // Rates: no cell can go below 0 when every rate × multiplier is −1 or more (the survivors
    // are never negative), checked on the smallest and largest rate (rounding is monotonic), and
    // the step then has no clamp. Counts: a cell's arrivals can take it below 0 (it does in a
    // shrinking population with fixed out-migration), so every clamp is applied.
    let check = if form == RATES {
        let lo = V::splat(p.rate_range.0).mul(gm).add(V::splat(1.0));
        let hi = V::splat(p.rate_range.1).mul(gm).add(V::splat(1.0));
        if lo.any_negative() || hi.any_negative() {
            CLAMPED
        } else {
            PROVED
        }
    } else {
        CLAMPED
    };
    macro_rules! fused {
        ($($m:ident $f:ident $c:ident),*) => {
            match (mode, form, check) {
                $(($m, $f, $c) => step_fused::<V, N, $m, $f, $c>(e, p, fm, mm, gm, from, to),)*
                _ => unreachable!(),
            }
        };
    }
    fused!(
        ONE RATES PROVED, ONE RATES CLAMPED, ONE EVEN CLAMPED, ONE END CLAMPED,
        PLAIN RATES PROVED, PLAIN RATES CLAMPED, PLAIN EVEN CLAMPED, PLAIN END CLAMPED,
        CLAMP RATES PROVED, CLAMP RATES CLAMPED, CLAMP EVEN CLAMPED, CLAMP END CLAMPED
    )
}

#[derive(Clone, Copy)]
struct Portable([f64; LANES]);

impl Vx for Portable {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        Portable([x; LANES])
    }
    #[inline(always)]
    fn load(p: &Lane) -> Self {
        Portable(p.0)
    }
    #[inline(always)]
    fn store(self, p: &mut Lane) {
        p.0 = self.0;
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        let mut r = self.0;
        for l in 0..LANES {
            r[l] += o.0[l];
        }
        Portable(r)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let mut r = self.0;
        for l in 0..LANES {
            r[l] *= o.0[l];
        }
        Portable(r)
    }
    #[inline(always)]
    fn madd(self, b: Self, c: Self) -> Self {
        let mut r = self.0;
        for l in 0..LANES {
            r[l] = r[l] * b.0[l] + c.0[l];
        }
        Portable(r)
    }
    #[inline(always)]
    fn max0(self) -> Self {
        let mut r = self.0;
        for x in r.iter_mut() {
            *x = if *x < 0.0 { 0.0 } else { *x };
        }
        Portable(r)
    }
    #[inline(always)]
    fn any_negative(self) -> bool {
        self.0.iter().fold(false, |n, x| n | x.is_sign_negative())
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    //! The AVX-512 and AVX2 lane types and kernels (x86-64 only).
    use super::{by_ages, BatchEngine, Lane, LaneCells, Vx, Workspace};
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub(super) struct Avx512(__m512d);

    // SAFETY (every method): `Avx512` values exist only inside `kernel_avx512`, which is called
    // only when the CPU has AVX-512F and FMA; loads and stores are unaligned and in bounds of
    // an 8-element array.
    impl Vx for Avx512 {
        #[inline(always)]
        fn splat(x: f64) -> Self {
            unsafe { Avx512(_mm512_set1_pd(x)) }
        }
        #[inline(always)]
        fn load(p: &Lane) -> Self {
            unsafe { Avx512(_mm512_loadu_pd(p.as_ptr())) }
        }
        #[inline(always)]
        fn store(self, p: &mut Lane) {
            unsafe { _mm512_storeu_pd(p.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { Avx512(_mm512_add_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { Avx512(_mm512_mul_pd(self.0, o.0)) }
        }
        #[inline(always)]
        fn madd(self, b: Self, c: Self) -> Self {
            unsafe { Avx512(_mm512_fmadd_pd(self.0, b.0, c.0)) }
        }
        #[inline(always)]
        fn max0(self) -> Self {
            unsafe { Avx512(_mm512_max_pd(self.0, _mm512_setzero_pd())) }
        }
        #[inline(always)]
        fn any_negative(self) -> bool {
            unsafe {
                let x = _mm512_castpd_si512(self.0);
                _mm512_cmplt_epi64_mask(x, _mm512_setzero_si512()) != 0
            }
        }
    }

    #[derive(Clone, Copy)]
    pub(super) struct Avx2(__m256d, __m256d);

    // SAFETY (every method): as for `Avx512`, with AVX2 and FMA checked.
    impl Vx for Avx2 {
        const FUSED: bool = false;
        #[inline(always)]
        fn splat(x: f64) -> Self {
            unsafe { Avx2(_mm256_set1_pd(x), _mm256_set1_pd(x)) }
        }
        #[inline(always)]
        fn load(p: &Lane) -> Self {
            unsafe {
                Avx2(
                    _mm256_loadu_pd(p.as_ptr()),
                    _mm256_loadu_pd(p.as_ptr().add(4)),
                )
            }
        }
        #[inline(always)]
        fn store(self, p: &mut Lane) {
            unsafe {
                _mm256_storeu_pd(p.as_mut_ptr(), self.0);
                _mm256_storeu_pd(p.as_mut_ptr().add(4), self.1);
            }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { Avx2(_mm256_add_pd(self.0, o.0), _mm256_add_pd(self.1, o.1)) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { Avx2(_mm256_mul_pd(self.0, o.0), _mm256_mul_pd(self.1, o.1)) }
        }
        #[inline(always)]
        fn madd(self, b: Self, c: Self) -> Self {
            unsafe {
                Avx2(
                    _mm256_fmadd_pd(self.0, b.0, c.0),
                    _mm256_fmadd_pd(self.1, b.1, c.1),
                )
            }
        }
        #[inline(always)]
        fn max0(self) -> Self {
            unsafe {
                let z = _mm256_setzero_pd();
                Avx2(_mm256_max_pd(self.0, z), _mm256_max_pd(self.1, z))
            }
        }
        #[inline(always)]
        fn any_negative(self) -> bool {
            unsafe { _mm256_movemask_pd(_mm256_or_pd(self.0, self.1)) != 0 }
        }
    }

    #[target_feature(enable = "avx512f,fma")]
    pub(super) unsafe fn kernel_avx512(
        e: &BatchEngine,
        fert: &[Lane],
        mort: &[Lane],
        mig: &[Lane],
        totals: &mut [Lane],
        full: Option<&mut [LaneCells]>,
        ws: &mut Workspace,
    ) {
        by_ages::<Avx512>(e, fert, mort, mig, totals, full, ws)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn kernel_avx2(
        e: &BatchEngine,
        fert: &[Lane],
        mort: &[Lane],
        mig: &[Lane],
        totals: &mut [Lane],
        full: Option<&mut [LaneCells]>,
        ws: &mut Workspace,
    ) {
        by_ages::<Avx2>(e, fert, mort, mig, totals, full, ws)
    }
}

/// The kernel for the model's number of age groups: constant for the Japanese grid (19) and
/// the textbook one (18), read at run time otherwise.
#[inline(always)]
fn by_ages<V: Vx>(
    e: &BatchEngine,
    fert: &[Lane],
    mort: &[Lane],
    mig: &[Lane],
    totals: &mut [Lane],
    full: Option<&mut [LaneCells]>,
    ws: &mut Workspace,
) {
    match e.n {
        19 => kernel::<V, 19>(e, fert, mort, mig, totals, full, ws),
        18 => kernel::<V, 18>(e, fert, mort, mig, totals, full, ws),
        _ => kernel::<V, 0>(e, fert, mort, mig, totals, full, ws),
    }
}

/// Total of every cell, both sexes: four partial sums (ages a mod 4) so that the additions do
/// not wait on one another. The order differs from the scalar sum by rounding only.
#[inline(always)]
fn sum_cells<V: Vx>(pop: &LaneCells, n: usize) -> Lane {
    let mut acc = [V::splat(0.0); 4];
    for s in 0..2 {
        for a in 0..n {
            acc[a & 3] = acc[a & 3].add(V::load(&pop[s][a]));
        }
    }
    let mut total = Lane::splat(0.0);
    acc[0].add(acc[1]).add(acc[2].add(acc[3])).store(&mut total);
    total
}

#[inline(always)]
fn kernel<V: Vx, const N: usize>(
    e: &BatchEngine,
    fert: &[Lane],
    mort: &[Lane],
    mig: &[Lane],
    totals: &mut [Lane],
    mut full: Option<&mut [LaneCells]>,
    ws: &mut Workspace,
) {
    // N = 0: the number of age groups is read at run time; else it is the constant N (the
    // compiler then unrolls the loops over ages).
    let n = if N == 0 { e.n.clamp(4, MAX_AGES) } else { N };
    // The base population in every lane and its total are prepared once, in `new`; the first
    // step reads it there, later steps alternate between the workspace's two buffers.
    let [buf_a, buf_b] = &mut ws.bufs;
    totals[0] = e.base_total;
    if let Some(f) = full.as_deref_mut() {
        f[0] = e.base_lanes;
    }
    for (k, p) in e.periods.iter().enumerate() {
        let (from, to): (&LaneCells, &mut LaneCells) = if k == 0 {
            (&e.base_lanes, &mut *buf_a)
        } else if k % 2 == 1 {
            (&*buf_a, &mut *buf_b)
        } else {
            (&*buf_b, &mut *buf_a)
        };
        // A negative mortality multiplier acts as 0 (survival 1), as `clamp` does in the scalar.
        let (fm, mm, gm) = (
            V::load(&fert[k]),
            V::load(&mort[k]).max0(),
            V::load(&mig[k]),
        );
        // Mortality multipliers all 1: survival is shared by every lane (a broadcast); else
        // `1 − q·m`, clamped at 0 only when some q·m can exceed 1 (m ≥ 0 keeps it ≤ 1). Both
        // tests are written without early exit, so that they compile to a few vector operations.
        let one = 1.0f64.to_bits();
        let all_one = mort[k]
            .iter()
            .fold(true, |ok, &x| ok & (x.to_bits() == one));
        let no_clamp = mort[k]
            .iter()
            .fold(true, |ok, &x| ok & (x * p.max_q <= 1.0));
        let mode = if all_one {
            ONE
        } else if no_clamp {
            PLAIN
        } else {
            CLAMP
        };
        totals[k + 1] = if N != 0 && V::FUSED && !p.has_flows {
            // The common case: one fused sweep (survival, migration, births and the total).
            let form = match e.migration {
                MigrationForm::Rates => RATES,
                MigrationForm::Counts(Timing::Even) => EVEN,
                MigrationForm::Counts(Timing::End) => END,
            };
            fused_step::<V, N>(e, p, mode, form, (fm, mm, gm), from, to)
        } else {
            match mode {
                ONE => step_lanes::<V, N, ONE>(e, p, n, fm, mm, gm, from, to),
                PLAIN => step_lanes::<V, N, PLAIN>(e, p, n, fm, mm, gm, from, to),
                _ => step_lanes::<V, N, CLAMP>(e, p, n, fm, mm, gm, from, to),
            }
            sum_cells::<V>(to, n)
        };
        if let Some(f) = full.as_deref_mut() {
            f[k + 1] = *to;
        }
    }
}

/// Migration form of the fused step: net migration rates.
const RATES: u8 = 0;
/// Migration form of the fused step: net migrant counts, even timing.
const EVEN: u8 = 1;
/// Migration form of the fused step: net migrant counts, all arriving at the end.
const END: u8 = 2;

/// One step of a lane group without flows, for a constant number of age groups `N` (at least
/// 12, so that the fertile ages lie below the open group), in one sweep over the ages: survival
/// and migration of every cell, the fertility sum over the fertile ages, births, and the total,
/// which it returns. The same arithmetic as [`step_lanes`] followed by [`sum_cells`] (migration
/// form `FORM`: [`RATES`], [`EVEN`], [`END`]; survival mode `MODE`), with two differences of
/// rounding only: the women exposed at the start of the step are the clamped bases of the
/// survival line (`N/2` arrivals added as one product and one sum), and the fertility multiplier
/// multiplies the sum of the ASFR terms rather than every rate.
// Inlined into the `#[target_feature]` kernels in optimised builds; kept out of line in debug
// builds, whose frames do not share stack slots (nine inlined copies overflow a thread's stack).
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline(never))]
#[allow(clippy::too_many_arguments)]
fn step_fused<V: Vx, const N: usize, const MODE: u8, const FORM: u8, const CHECK: u8>(
    e: &BatchEngine,
    p: &Prepared,
    fm: V,
    mm: V,
    gm: V,
    from: &LaneCells,
    to: &mut LaneCells,
) -> Lane {
    let asfr = e.fertility == FertilityMethod::Asfr;
    let zero = V::splat(0.0);
    let mut acc = [zero; 4];
    // ASFR: Σ F[a]·(W*[a] + W[a](t+5)) in two partial sums; CWR: the women 15-49 at t+5.
    let mut fsum = [zero; 2];
    for s in 0..2 {
        let pf = &from[s];
        let out = &mut to[s];
        // Group a−1 at the start of the step with its start-of-step migrants (EVEN: `N/2 · g`,
        // the same product as its end half `h`): `u` before clamping, `b` clamped.
        let u = if FORM == EVEN {
            V::load(&pf[0]).add(V::splat(p.end_mig[s][0]).mul(gm))
        } else {
            V::load(&pf[0])
        };
        let mut sw = Sweep {
            acc,
            fsum,
            u_prev: u,
            b_prev: if FORM == EVEN { u.max0() } else { u },
        };
        // Unrolled by hand (constant ages keep the partial sums in registers).
        macro_rules! ages {
            ($($a:literal)*) => {
                $(if $a < N {
                    cell::<V, N, MODE, FORM, CHECK>($a, s, asfr, p, mm, gm, pf, out, &mut sw);
                })*
            };
        }
        ages!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20);
        acc = sw.acc;
        fsum = sw.fsum;
    }
    // Births.
    let sum = fsum[0].add(fsum[1]);
    let births = if asfr {
        V::splat(2.5).mul(fm).mul(sum)
    } else {
        V::splat(p.cwr).mul(fm).mul(sum)
    };
    for (s, share) in [p.male_share, p.female_share].into_iter().enumerate() {
        let mut v = births.mul(V::splat(share));
        if asfr {
            v = v.mul(survival::<V, MODE>(p.birth_survival[s], p.qb[s], mm));
            if FORM == RATES {
                let rate = V::splat(p.migration[s][0]).mul(gm);
                v = v.madd(rate, v).max0();
            }
        }
        if FORM != RATES {
            v = V::splat(p.end_mig[s][0]).madd(gm, v).max0();
        }
        v.store(&mut to[s][0]);
        acc[s] = acc[s].add(v);
    }
    let mut total = Lane::splat(0.0);
    acc[0].add(acc[1]).add(acc[2].add(acc[3])).store(&mut total);
    total
}

/// Clamping in the fused step: every `max(x, 0)` applied.
const CLAMPED: u8 = 0;
/// Clamping in the fused step: none needed (shown before the step).
const PROVED: u8 = 1;

/// The running state of a fused sweep over the ages of one sex.
#[derive(Clone, Copy)]
struct Sweep<V> {
    /// Partial sums of the total (ages a mod 4).
    acc: [V; 4],
    /// Partial sums of the fertility term (ages a mod 2).
    fsum: [V; 2],
    /// Group a−1 with its start-of-step migrants, before clamping.
    u_prev: V,
    /// The same, clamped at 0.
    b_prev: V,
}

/// Cell `a` (1 ≤ a < N) of sex `s` in [`step_fused`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn cell<V: Vx, const N: usize, const MODE: u8, const FORM: u8, const CHECK: u8>(
    a: usize,
    s: usize,
    asfr: bool,
    p: &Prepared,
    mm: V,
    gm: V,
    pf: &[Lane; MAX_AGES],
    out: &mut [Lane; MAX_AGES],
    sw: &mut Sweep<V>,
) {
    let zero = V::splat(0.0);
    let last = N.saturating_sub(1);
    let sv = survival::<V, MODE>(p.survival[s][a - 1], p.q[s][a - 1], mm);
    let pa = V::load(&pf[a]);
    let h = match FORM {
        RATES => zero,
        _ => V::splat(p.end_mig[s][a]).mul(gm),
    };
    let (base, u, b) = if a == last {
        let base = match FORM {
            EVEN => sw.u_prev.add(pa).add(h).max0(),
            _ => sw.b_prev.add(pa),
        };
        (base, zero, zero)
    } else if FORM == EVEN {
        let u = pa.add(h);
        (sw.b_prev, u, u.max0())
    } else {
        (sw.b_prev, pa, pa)
    };
    let v = if FORM == RATES {
        let surv = base.mul(sv);
        let rate = V::splat(p.migration[s][a]).mul(gm);
        surv.madd(rate, surv)
    } else {
        base.madd(sv, h)
    };
    let v = if CHECK == PROVED { v } else { v.max0() };
    v.store(&mut out[a]);
    sw.acc[a & 3] = sw.acc[a & 3].add(v);
    if s == 1 && (FERTILE_FIRST..=FERTILE_LAST).contains(&a) {
        sw.fsum[a & 1] = if asfr {
            V::splat(p.asfr[a]).madd(b.add(v), sw.fsum[a & 1])
        } else {
            sw.fsum[a & 1].add(v)
        };
    }
    sw.u_prev = u;
    sw.b_prev = b;
}

/// Survival mode: every mortality multiplier is 1 (S shared by all lanes).
const ONE: u8 = 0;
/// Survival mode: `1 − q·m` needs no clamping (all q·m ≤ 1, m ≥ 0).
const PLAIN: u8 = 1;
/// Survival mode: `max(1 − q·m, 0)`.
const CLAMP: u8 = 2;

/// Survival lanes for ratio `s` (with `q = 1 − s`) under mortality multipliers `m ≥ 0`:
/// `clamp(1 − q·m, 0, 1)` (as [`super::variant::mortality`]; with m ≥ 0 and q ≥ 0 the upper
/// bound never binds), and S itself, exactly, when every lane has m = 1.
#[inline(always)]
fn survival<V: Vx, const MODE: u8>(s: f64, q: f64, m: V) -> V {
    match MODE {
        ONE => V::splat(s),
        PLAIN => V::splat(-q).madd(m, V::splat(1.0)),
        _ => V::splat(-q).madd(m, V::splat(1.0)).max0(),
    }
}

/// One step of a lane group: the scalar step of [`crate::engine::step`], lane by lane, with
/// survival in mode `MODE` ([`ONE`], [`PLAIN`], [`CLAMP`]).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn step_lanes<V: Vx, const N: usize, const MODE: u8>(
    e: &BatchEngine,
    p: &Prepared,
    n: usize,
    fm: V,
    mm: V,
    gm: V,
    from: &LaneCells,
    to: &mut LaneCells,
) {
    let n = if N == 0 { n } else { N };
    let last = n - 1;
    let rates = e.migration == MigrationForm::Rates;
    let even = e.migration == MigrationForm::Counts(Timing::Even);
    for s in 0..2 {
        let pf = &from[s];
        let out = &mut to[s];
        if rates {
            for a in 1..n {
                let base = if a == last {
                    V::load(&pf[a - 1]).add(V::load(&pf[a]))
                } else {
                    V::load(&pf[a - 1])
                };
                let surv = base.mul(survival::<V, MODE>(p.survival[s][a - 1], p.q[s][a - 1], mm));
                let rate = V::splat(p.migration[s][a]).mul(gm);
                surv.madd(rate, surv).max0().store(&mut out[a]);
            }
        } else if even {
            // Half the migrants arrive at the start, half at the end: the end half of group
            // a−1 equals its start half, so each `0.5·N·g` is computed once.
            let mut h_prev = V::splat(p.end_mig[s][0]).mul(gm);
            for a in 1..n {
                let mut base = V::load(&pf[a - 1]).add(h_prev);
                let h = V::splat(p.end_mig[s][a]).mul(gm);
                if a == last {
                    base = base.add(V::load(&pf[a])).add(h);
                }
                let sv = survival::<V, MODE>(p.survival[s][a - 1], p.q[s][a - 1], mm);
                base.max0().madd(sv, h).max0().store(&mut out[a]);
                h_prev = h;
            }
        } else {
            for a in 1..n {
                let mut base = V::splat(p.start_mig[s][a - 1]).madd(gm, V::load(&pf[a - 1]));
                if a == last {
                    base = V::splat(p.start_mig[s][a]).madd(gm, base.add(V::load(&pf[a])));
                }
                let end = V::splat(p.end_mig[s][a]).mul(gm);
                base.max0()
                    .madd(
                        survival::<V, MODE>(p.survival[s][a - 1], p.q[s][a - 1], mm),
                        end,
                    )
                    .max0()
                    .store(&mut out[a]);
            }
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
                let v = V::splat(start).madd(
                    survival::<V, MODE>(p.survival[s][a - 1], p.q[s][a - 1], mm),
                    V::load(&to[s][a]),
                );
                v.add(V::splat(0.5 * f[a])).max0().store(&mut to[s][a]);
            }
        }
    }

    // Births.
    let mut women_end = V::splat(0.0);
    for a in FERTILE_FIRST..=FERTILE_LAST {
        women_end = women_end.add(V::load(&to[1][a]));
    }
    let (male_share, female_share) = (V::splat(p.male_share), V::splat(p.female_share));
    match e.fertility {
        FertilityMethod::Cwr => {
            let b = V::splat(p.cwr).mul(fm).mul(women_end);
            b.mul(male_share).store(&mut to[0][0]);
            b.mul(female_share).store(&mut to[1][0]);
        }
        FertilityMethod::Asfr => {
            // Two partial sums (odd and even age groups) to shorten the dependency chain.
            let mut sum = [V::splat(0.0); 2];
            for a in FERTILE_FIRST..=FERTILE_LAST {
                let fl = if p.has_flows {
                    0.5 * p.flows[1][a]
                } else {
                    0.0
                };
                let w = V::splat(p.birth_start_mig[a]).madd(gm, V::load(&from[1][a]));
                let w = w.add(V::splat(fl)).max0();
                let f = V::splat(p.asfr[a]).mul(fm);
                sum[a & 1] = f.madd(w.add(V::load(&to[1][a])), sum[a & 1]);
            }
            let b = V::splat(2.5).mul(sum[0].add(sum[1]));
            for (s, share) in [male_share, female_share].into_iter().enumerate() {
                let sb = survival::<V, MODE>(p.birth_survival[s], p.qb[s], mm);
                let mut v = b.mul(share).mul(sb);
                if rates {
                    let rate = V::splat(p.migration[s][0]).mul(gm);
                    v = v.madd(rate, v).max0();
                }
                v.store(&mut to[s][0]);
            }
        }
    }
    if p.has_flows {
        for s in 0..2 {
            let v = V::load(&to[s][0]).add(V::splat(0.5 * p.flows[s][0]));
            v.max0().store(&mut to[s][0]);
        }
    }
    if !rates {
        for s in 0..2 {
            let v = V::splat(p.end_mig[s][0]).madd(gm, V::load(&to[s][0]));
            v.max0().store(&mut to[s][0]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Period;
    use crate::grid::AgeGroups;

    /// A rates step run unclamped ([`PROVED`]) equals the clamped step bit for bit when every
    /// rate × multiplier is −1 or more (an invariant of the arithmetic; the inputs are arbitrary
    /// values of the right signs and sizes, not data).
    #[test]
    fn unclamped_rates_step_equals_clamped_step() {
        let ages = AgeGroups::JAPAN;
        let n = ages.len();
        let mut p = Period::null(2015);
        p.cwr = 0.2;
        let mut base = [[0.0; MAX_AGES]; 2];
        for s in 0..2 {
            for a in 0..n {
                p.survival[s][a] = 1.0 - 0.01 * (a as f64 + 1.0) - 0.002 * s as f64;
                // Rates from −0.45 to +0.12, both signs.
                p.migration[s][a] = 0.12 - 0.03 * ((a * 7 + s) % 20) as f64;
                base[s][a] = 100.0 + 13.0 * a as f64 + s as f64;
            }
        }
        let model = Model {
            ages,
            fertility: FertilityMethod::Cwr,
            migration: MigrationForm::Rates,
            base_year: 2015,
            periods: vec![p],
        };
        let e = BatchEngine::new(&model, &base).unwrap();
        let prepared = &e.periods[0];
        let lanes = |lo: f64, step: f64| {
            let mut x = Lane::splat(0.0);
            for (l, v) in x.iter_mut().enumerate() {
                *v = lo + step * l as f64;
            }
            Portable::load(&x)
        };
        let (fm, mm, gm) = (lanes(0.8, 0.05), lanes(0.5, 0.1), lanes(-1.0, 0.4));
        let mut proved = [[Lane::splat(0.0); MAX_AGES]; 2];
        let mut clamped = proved;
        let t1 = step_fused::<Portable, 19, PLAIN, RATES, PROVED>(
            &e,
            prepared,
            fm,
            mm,
            gm,
            &e.base_lanes,
            &mut proved,
        );
        let t2 = step_fused::<Portable, 19, PLAIN, RATES, CLAMPED>(
            &e,
            prepared,
            fm,
            mm,
            gm,
            &e.base_lanes,
            &mut clamped,
        );
        assert_eq!(t1.map(f64::to_bits), t2.map(f64::to_bits));
        for s in 0..2 {
            for a in 0..n {
                assert_eq!(
                    proved[s][a].map(f64::to_bits),
                    clamped[s][a].map(f64::to_bits)
                );
            }
        }
    }
}
