//! Output: rendering projections as text, JSON and CSV, and writing files whole or not at all.

pub mod atomic;
pub mod backtest;
pub mod compare;
pub mod projection;
