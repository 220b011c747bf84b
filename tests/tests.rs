//! Integration tests, one module per topic, linked into one test binary (faster on 2 cores).

mod kpi;
