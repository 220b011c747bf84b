//! Output: rendering projections and reports as text, JSON and CSV, and writing files whole or not at all.

pub mod atomic;
