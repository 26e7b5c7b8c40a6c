//! How findings write numbers: counts, durations and sizes for people, and memory settings
//! as PostgreSQL spells them. One formatter each, shared by every engine.

/// A count for a finding: whole, with thousands separated ("1,234,567").
pub fn count(x: f64) -> String {
    let n = x.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as PostgreSQL's pg_size_pretty prints them, to one decimal ("1.5 GB").
pub fn size(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut v = bytes.max(0.0);
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A duration for a finding ("42 s", "31 min", "5.2 h", "3.0 days").
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

/// Bytes as a memory setting is best written: the largest unit that divides it ("2GB",
/// "1536MB", "64kB"), as `SET` and `ALTER SYSTEM` take it.
pub fn setting_memory(bytes: f64) -> String {
    const KB: f64 = 1024.0;
    for (unit, factor) in [
        ("TB", KB * KB * KB * KB),
        ("GB", KB * KB * KB),
        ("MB", KB * KB),
        ("kB", KB),
    ] {
        if bytes >= factor && (bytes / factor).fract() == 0.0 {
            return format!("{:.0}{unit}", bytes / factor);
        }
    }
    format!("{bytes:.0}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(count(1_234_567.4), "1,234,567");
        assert_eq!(size(512.0), "512 bytes");
        assert_eq!(size(1536.0), "1.5 kB");
        assert_eq!(size(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GB");
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(1860.0), "31 min");
        assert_eq!(duration(3.0 * 86_400.0), "3.0 days");
    }

    #[test]
    fn memory_settings_in_their_largest_unit() {
        assert_eq!(setting_memory(64.0 * 1024.0), "64kB");
        assert_eq!(setting_memory(1536.0 * 1024.0 * 1024.0), "1536MB");
        assert_eq!(setting_memory(2048.0 * 1024.0 * 1024.0), "2GB");
        assert_eq!(setting_memory(1000.0), "1000B");
    }
}
