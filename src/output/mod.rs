//! Output: rendering projections as text, JSON and CSV; what planners take away (charts, the Excel
//! workbook, the HTML report, CSV that Excel opens); terminal tables that line up with Japanese
//! text; and writing files whole or not at all.

pub mod assumptions;
pub mod atomic;
pub mod backtest;
pub mod backtest_national;
pub mod chart;
pub mod compare;
pub mod csv;
pub mod intervals;
pub mod longrun;
pub mod national;
pub mod numbers;
pub mod projection;
pub mod report;
pub mod studies;
pub mod table;
