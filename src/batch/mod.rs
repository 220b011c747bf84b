//! Batch sensitivity studies (issue #5): many variants of one scenario projected side by side.
//!
//! - [`variant`]: what a variant is — per-period multipliers on fertility, mortality and migration
//!   — and the scalar reference ([`variant::Multipliers::apply`]) that turns one into an ordinary
//!   [`Model`](crate::engine::Model) for the scalar engine. TFR paths and migration-multiplier
//!   paths of the scenario language are expressed as such multipliers (see that module).
//! - [`engine`]: the batched engine, structure-of-arrays with eight variants per lane group,
//!   runtime CPU-feature dispatch (AVX-512, AVX2, portable), all cores through rayon.
//! - [`variants`] (`jinko batch`), [`sweep`], [`montecarlo`], [`solve`], [`tornado`]: the studies,
//!   each with a plain result struct that output code and charts can use.
//! - [`stats`]: percentiles by selection; [`progress`]: the progress bar on stderr.
//!
//! Every study writes its result whole or not at all (the CLI uses
//! [`write_atomic`](crate::output::atomic::write_atomic)).

pub mod clamps;
pub mod engine;
pub mod montecarlo;
pub mod progress;
pub mod record_spread;
pub mod solve;
pub mod spec;
pub mod stats;
pub mod sweep;
pub mod tornado;
pub mod variant;
pub mod variants;

pub use engine::BatchEngine;
pub use variant::Multipliers;
