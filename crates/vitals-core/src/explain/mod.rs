//! EXPLAIN that explains (pure Rust): what an executed plan and the statement store say
//! beyond plain EXPLAIN. `hooks::explain` feeds these from PostgreSQL's structures and
//! prints them inside EXPLAIN's own output.
//!
//! - [`insights`]: the plan tree, exclusive time, hottest node, worst misestimate;
//! - [`advice`]: the advice rules;
//! - [`history`]: the statement's recorded executions;
//! - [`number`]: numbers in the text format, cheaply.

pub mod advice;
pub mod history;
pub mod insights;
pub mod number;
