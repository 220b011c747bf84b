//! Integration tests: one binary, a module per topic (faster links on two cores).
#![allow(clippy::needless_range_loop)]

mod common;

mod bad_input;
mod batch;
mod cli;
mod kama;
mod kpi;
mod properties;
mod reference_cases;
