//! Checks on `shared_preload_libraries` (pure).
//!
//! pg_stat_statements clears the query id of utility commands before it passes them down
//! the hook chain. Libraries load in list order and the last one's hooks run first, so when
//! pg_stat_statements comes after pg_vitals, pg_vitals never sees those query ids and
//! records no utility command.

/// The library names in a `shared_preload_libraries` value, without paths or `.so`.
fn library_names(list: &str) -> Vec<String> {
    list.split(',')
        .map(|item| {
            let item = item.trim().trim_matches('"').trim();
            let base = item.rsplit('/').next().unwrap_or(item);
            base.strip_suffix(".so")
                .unwrap_or(base)
                .to_ascii_lowercase()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Whether pg_stat_statements is listed after pg_vitals.
pub fn pgss_listed_after_us(list: &str) -> bool {
    let names = library_names(list);
    let ours = names.iter().position(|n| n == "pg_vitals");
    let pgss = names.iter().rposition(|n| n == "pg_stat_statements");
    matches!((ours, pgss), (Some(o), Some(p)) if p > o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_checked_by_name() {
        assert!(!pgss_listed_after_us("pg_stat_statements,pg_vitals"));
        assert!(!pgss_listed_after_us("pg_vitals"));
        assert!(!pgss_listed_after_us(""));
        assert!(pgss_listed_after_us("pg_vitals, pg_stat_statements"));
        assert!(pgss_listed_after_us(
            r#"pg_vitals,"$libdir/pg_stat_statements.so""#
        ));
        assert!(!pgss_listed_after_us(
            "auto_explain, $libdir/pg_stat_statements, PG_VITALS"
        ));
    }
}
