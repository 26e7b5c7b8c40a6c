//! Rules about the database as a whole: temporary files and the cache hit ratio.

use super::cutoffs::*;
use super::Ctx;
use crate::advice::{count, duration, size, Finding, Severity};

impl Ctx<'_> {
    /// `temp_files`: many temporary files written, database-wide.
    pub(super) fn temp_files(&self, out: &mut Vec<Finding>) {
        let i = self.i;
        let db = &i.database;
        let hours = (i.database_age_s / 3600.0).max(1.0 / 60.0);
        if db.temp_files / hours >= TEMP_FILES_PER_H || db.temp_bytes / hours >= TEMP_BYTES_PER_H {
            out.push(self.finding(
                "temp_files",
                Severity::Warning,
                None,
                None,
                format!(
                    "database {} wrote {} temporary files ({}) in {}: {:.0} files and {} an hour",
                    db.name,
                    count(db.temp_files),
                    size(db.temp_bytes),
                    duration(i.database_age_s),
                    db.temp_files / hours,
                    size(db.temp_bytes / hours)
                ),
                "find the statements that spill (temp_spill findings, or log them) and give their roles more work_mem".into(),
                Some("ALTER SYSTEM SET log_temp_files = '10MB'; SELECT pg_reload_conf()".into()),
                self.db_tentative,
            ));
        }
    }

    /// `cache_hit_ratio`: blocks found in shared buffers.
    pub(super) fn cache_hit_ratio(&self, out: &mut Vec<Finding>) {
        let db = &self.i.database;
        let blocks = db.blks_hit + db.blks_read;
        if blocks >= HIT_MIN_BLOCKS {
            let ratio = db.blks_hit / blocks;
            if ratio < HIT_WARNING {
                out.push(self.finding(
                    "cache_hit_ratio",
                    if ratio < HIT_CRITICAL { Severity::Critical } else { Severity::Warning },
                    None,
                    None,
                    format!(
                        "database {} found {:.1}% of the blocks it read in shared buffers ({} of {})",
                        db.name,
                        100.0 * ratio,
                        count(db.blks_hit),
                        count(blocks)
                    ),
                    "the working set does not fit in shared_buffers: give it more memory (see vitals.config_advice) or make the statements that read most (shared_blks_read in vitals.statements) read less".into(),
                    Some("SELECT name, current_value, recommended_value FROM vitals.config_advice() WHERE name = 'shared_buffers'".into()),
                    self.db_tentative,
                ));
            }
        }
    }
}
