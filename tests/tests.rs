//! Integration tests: one binary, a module per topic (faster links on two cores).
#![allow(clippy::needless_range_loop)]

mod common;

mod accuracy;
mod bad_input;
mod batch;
mod cli;
mod compare;
mod council;
mod evaluate;
mod hardening;
mod kama;
mod kpi;
mod longrun;
mod national;
mod output;
mod properties;
mod reference_cases;
mod scenarios;
mod serve;
