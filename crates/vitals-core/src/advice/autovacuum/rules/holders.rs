//! `xmin_horizon`: sessions, prepared transactions and replication slots that hold the xmin
//! horizon back, so that no vacuum can remove rows that died since.

use super::Ctx;
use crate::advice::{count, duration, Finding, Severity};

impl Ctx<'_> {
    /// `xmin_horizon`: what holds the xmin horizon back.
    pub(crate) fn xmin_horizon(&self, out: &mut Vec<Finding>) {
        let long = self.inputs.long_transaction_s;
        for h in &self.inputs.holders {
            let xmin = h.xmin_age.unwrap_or(0.0);
            let severity = if xmin > self.s.freeze_max_age {
                Severity::Critical
            } else {
                Severity::Warning
            };
            match h.kind.as_str() {
                "session" => {
                    let (Some(pid), Some(age)) = (h.pid, h.xact_age_s) else {
                        continue;
                    };
                    if age < long || h.xmin_age.is_none() {
                        continue;
                    }
                    let idle = h.state.as_deref() == Some("idle in transaction")
                        || h.state.as_deref() == Some("idle in transaction (aborted)");
                    out.push(self.finding(
                        "xmin_horizon",
                        severity,
                        (None, None),
                        format!(
                            "pid {pid} ({}user {}, database {}) has {} a transaction open for {}, holding the xmin horizon {} transactions back: no vacuum anywhere can remove rows that died since",
                            if idle { "idle in transaction, " } else { "" },
                            h.user.as_deref().unwrap_or("?"),
                            h.database.as_deref().unwrap_or("?"),
                            if idle { "left" } else { "kept" },
                            duration(age),
                            count(xmin)
                        ),
                        if idle {
                            "end the session (or have the application commit); idle_in_transaction_session_timeout ends such sessions automatically".into()
                        } else {
                            "a long-running query or transaction: end it if it is not needed, or run it on a replica".into()
                        },
                        format!("SELECT pg_terminate_backend({pid})"),
                    ));
                }
                "prepared" => {
                    let (Some(age), Some(name), Some(lit)) = (h.xact_age_s, &h.name, &h.name_sql)
                    else {
                        continue;
                    };
                    if age < long {
                        continue;
                    }
                    out.push(self.finding(
                        "xmin_horizon",
                        severity,
                        (None, None),
                        format!(
                            "prepared transaction {name} (database {}) was prepared {} ago and holds the xmin horizon {} transactions back",
                            h.database.as_deref().unwrap_or("?"),
                            duration(age),
                            count(xmin)
                        ),
                        "commit or roll it back (connected to its database); a prepared transaction outlives sessions and restarts until someone does".into(),
                        format!("ROLLBACK PREPARED {lit}"),
                    ));
                }
                "slot" => {
                    let (Some(name), Some(lit)) = (&h.name, &h.name_sql) else {
                        continue;
                    };
                    if h.active == Some(true) || h.xmin_age.is_none() {
                        continue;
                    }
                    out.push(self.finding(
                        "xmin_horizon",
                        severity,
                        (None, None),
                        format!(
                            "inactive replication slot {name} holds the xmin horizon {} transactions back",
                            count(xmin)
                        ),
                        "drop the slot if its consumer is gone (it also keeps WAL); otherwise bring the consumer back".into(),
                        format!("SELECT pg_drop_replication_slot({lit})"),
                    ));
                }
                _ => {}
            }
        }
    }
}
