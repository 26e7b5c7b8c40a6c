//! EXPLAIN insights (issue 4): the pure analysis of an executed plan tree. The EXPLAIN hooks
//! that feed it and print its findings come next; see `insights`.

pub mod insights;
