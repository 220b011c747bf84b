//! jinko (人口): cohort-component population projection and scenario simulation for Japanese
//! municipalities.
//!
//! The library holds everything: the engine ([`engine`]), batch studies ([`batch`]), the age/sex grid ([`grid`]), the data
//! pack ([`pack`]), scenarios ([`scenario`]), output ([`output`]) and the command implementations
//! ([`cli`]) that the thin `jinko` binary dispatches to.

// Demographic arithmetic indexes by age group and sex; index loops read like the formulas.
#![allow(clippy::needless_range_loop)]

pub mod backtest;
pub mod batch;
pub mod checks;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod error;
pub mod grid;
pub mod input;
pub mod kpi;
pub mod limits;
pub mod national;
pub mod output;
pub mod pack;
pub mod scenario;
pub mod serve;
pub mod tomlfile;

pub use error::{Error, Location, Result};
