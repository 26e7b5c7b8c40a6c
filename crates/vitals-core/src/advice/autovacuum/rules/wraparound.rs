//! Wraparound: databases' and tables' transaction ID and multixact ages, and an
//! anti-wraparound vacuum that is due but not running.

use super::cutoffs::*;
use super::{describe, last_of, names, vacuum_target, Ctx};
use crate::advice::autovacuum::settings::WRAP;
use crate::advice::autovacuum::thresholds::Status;
use crate::advice::{count, duration, Finding, Severity};

impl Ctx<'_> {
    /// `xid_wraparound`, `mxid_wraparound` for whole databases.
    pub(crate) fn databases(&self, out: &mut Vec<Finding>) {
        for db in &self.inputs.databases {
            for multixact in [false, true] {
                let age = if multixact { db.mxid_age } else { db.xid_age };
                let fma = if multixact {
                    self.s.multixact_freeze_max_age
                } else {
                    self.s.freeze_max_age
                };
                let Some((severity, what)) = self.wraparound_level(age, fma, multixact) else {
                    continue;
                };
                let kind = if multixact {
                    "multixact"
                } else {
                    "transaction ID"
                };
                out.push(self.finding(
                    if multixact { "mxid_wraparound" } else { "xid_wraparound" },
                    severity,
                    (None, None),
                    format!(
                        "database {} has {kind} age {} ({}); {} left before wraparound",
                        db.name,
                        count(age),
                        what,
                        count(WRAP - age)
                    ),
                    format!(
                        "vacuum its oldest tables with FREEZE now{}, and end whatever holds the xmin horizon back (see xmin_horizon); the server stops assigning {kind}s {} before wraparound",
                        if db.name == self.inputs.current_database { " (the table findings below name them)" } else { ", connected to that database" },
                        count(self.s.stop_margin())
                    ),
                    "VACUUM (FREEZE, VERBOSE)".into(),
                ));
            }
        }
    }

    /// The wraparound ladder for an age: critical when the server already warns, past the
    /// failsafe or past 1.5 billion; warning past twice the effective freeze max age.
    pub(crate) fn wraparound_level(
        &self,
        age: f64,
        fma: f64,
        multixact: bool,
    ) -> Option<(Severity, String)> {
        let s = self.s;
        if WRAP - age <= s.warn_margin() {
            return Some((
                Severity::Critical,
                format!(
                    "within {} of wraparound, where the server warns",
                    count(s.warn_margin())
                ),
            ));
        }
        if let Some(f) = s.failsafe(multixact) {
            if age >= f {
                return Some((
                    Severity::Critical,
                    format!("past the failsafe age {}", count(f)),
                ));
            }
        }
        if age >= CRITICAL_AGE {
            return Some((Severity::Critical, format!("past {}", count(CRITICAL_AGE))));
        }
        if age >= FREEZE_LAG_FACTOR * fma {
            return Some((
                Severity::Warning,
                format!("more than twice the freeze max age {}", count(fma)),
            ));
        }
        None
    }

    /// `xid_wraparound`, `mxid_wraparound` for a table's own freeze age, and
    /// `wraparound_vacuum_pending`: an anti-wraparound vacuum due but not running.
    pub(super) fn freeze_age(&self, st: &Status, out: &mut Vec<Finding>) {
        let (t, s, e) = (st.table, self.s, &st.effective);
        let target = vacuum_target(t);
        for multixact in [false, true] {
            let (age, fma) = if multixact {
                (t.mxid_age, e.multixact_freeze_max_age)
            } else {
                (t.xid_age, e.freeze_max_age)
            };
            let Some(age) = age else { continue };
            if let Some((severity, what)) = self.wraparound_level(age, fma, multixact) {
                out.push(self.finding(
                    if multixact { "mxid_wraparound" } else { "xid_wraparound" },
                    severity,
                    names(t),
                    format!(
                        "{} has {} age {} ({})",
                        describe(t),
                        if multixact { "multixact" } else { "transaction ID" },
                        count(age),
                        what
                    ),
                    format!(
                        "freeze it now, without cost delay{}; if autovacuum keeps falling behind, raise autovacuum_vacuum_cost_limit (shared by all workers) and autovacuum_max_workers",
                        if st.vacuuming() { " (a vacuum is running on it: let it finish first)" } else { "" }
                    ),
                    format!("SET vacuum_cost_delay = 0; VACUUM (FREEZE, VERBOSE) {target}"),
                ));
            } else if age > fma && !st.vacuuming() {
                // `wraparound_vacuum_pending`: an anti-wraparound vacuum is due but not running.
                let last = last_of(t.last_vacuum, t.last_autovacuum);
                let waited = last.map(|l| self.now_s - l);
                if waited.is_none_or(|w| w > 2.0 * s.naptime_s) {
                    out.push(self.finding(
                        "wraparound_vacuum_pending",
                        Severity::Warning,
                        names(t),
                        format!(
                            "{} is past its freeze max age ({} > {}) and no vacuum runs on it{}",
                            describe(t),
                            count(age),
                            count(fma),
                            match waited {
                                Some(w) => format!("; last vacuum {} ago", duration(w)),
                                None => "; never vacuumed".into(),
                            }
                        ),
                        "autovacuum should have started an anti-wraparound vacuum within a naptime: check that workers are not all busy (workers) and that nothing holds the xmin horizon back; vacuum it by hand meanwhile".into(),
                        format!("VACUUM (FREEZE, VERBOSE) {target}"),
                    ));
                }
            }
        }
    }
}
