//! PGTune's values, units and bounds, the memory check and host detection.

use super::units::{GB, KB};
use super::*;

/// The settings of a PostgreSQL 15 server at its defaults, as pg_settings shows them.
fn pg15() -> Vec<PgSetting> {
    let s = |name: &str,
             setting: &str,
             unit: Option<&str>,
             vartype: &str,
             context: &str,
             min: Option<&str>,
             max: Option<&str>,
             enumvals: Option<&[&str]>| PgSetting {
        name: name.into(),
        setting: setting.into(),
        unit: unit.map(Into::into),
        vartype: vartype.into(),
        context: context.into(),
        min_val: min.map(Into::into),
        max_val: max.map(Into::into),
        enumvals: enumvals.map(|e| e.iter().map(|v| v.to_string()).collect()),
    };
    vec![
        s(
            "shared_buffers",
            "16384",
            Some("8kB"),
            "integer",
            "postmaster",
            Some("16"),
            Some("1073741823"),
            None,
        ),
        s(
            "effective_cache_size",
            "524288",
            Some("8kB"),
            "integer",
            "user",
            Some("1"),
            Some("2147483647"),
            None,
        ),
        s(
            "maintenance_work_mem",
            "65536",
            Some("kB"),
            "integer",
            "user",
            Some("1024"),
            Some("2147483647"),
            None,
        ),
        s(
            "checkpoint_completion_target",
            "0.9",
            None,
            "real",
            "sighup",
            Some("0"),
            Some("1"),
            None,
        ),
        s(
            "wal_buffers",
            "512",
            Some("8kB"),
            "integer",
            "postmaster",
            Some("-1"),
            Some("262143"),
            None,
        ),
        s(
            "min_wal_size",
            "80",
            Some("MB"),
            "integer",
            "sighup",
            Some("2"),
            Some("2147483647"),
            None,
        ),
        s(
            "max_wal_size",
            "1024",
            Some("MB"),
            "integer",
            "sighup",
            Some("2"),
            Some("2147483647"),
            None,
        ),
        s(
            "default_statistics_target",
            "100",
            None,
            "integer",
            "user",
            Some("1"),
            Some("10000"),
            None,
        ),
        s(
            "random_page_cost",
            "4",
            None,
            "real",
            "user",
            Some("0"),
            Some("1.79769e+308"),
            None,
        ),
        s(
            "effective_io_concurrency",
            "1",
            None,
            "integer",
            "user",
            Some("0"),
            Some("1000"),
            None,
        ),
        s(
            "max_worker_processes",
            "8",
            None,
            "integer",
            "postmaster",
            Some("0"),
            Some("262143"),
            None,
        ),
        s(
            "max_parallel_workers_per_gather",
            "2",
            None,
            "integer",
            "user",
            Some("0"),
            Some("1024"),
            None,
        ),
        s(
            "max_parallel_workers",
            "8",
            None,
            "integer",
            "user",
            Some("0"),
            Some("1024"),
            None,
        ),
        s(
            "max_parallel_maintenance_workers",
            "2",
            None,
            "integer",
            "user",
            Some("0"),
            Some("1024"),
            None,
        ),
        s(
            "work_mem",
            "4096",
            Some("kB"),
            "integer",
            "user",
            Some("64"),
            Some("2147483647"),
            None,
        ),
        s(
            "huge_pages",
            "try",
            None,
            "enum",
            "postmaster",
            None,
            None,
            Some(&["off", "on", "try"]),
        ),
        s("jit", "on", None, "bool", "user", None, None, None),
        s(
            "autovacuum_max_workers",
            "3",
            None,
            "integer",
            "postmaster",
            Some("1"),
            Some("262143"),
            None,
        ),
        s(
            "autovacuum_work_mem",
            "-1",
            Some("kB"),
            "integer",
            "sighup",
            Some("-1"),
            Some("2147483647"),
            None,
        ),
        s(
            "max_connections",
            "100",
            None,
            "integer",
            "postmaster",
            Some("1"),
            Some("262143"),
            None,
        ),
    ]
}

fn request(workload: Workload, storage: Storage, gb: f64, cpus: f64, conns: f64) -> Request {
    Request {
        workload,
        storage,
        memory_bytes: gb * GB,
        cpus,
        max_connections: conns,
        version: 150004,
    }
}

fn get<'a>(a: &'a [Advice], name: &str) -> &'a Advice {
    a.iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn pgtune_values_for_an_oltp_server() {
    // PGTune for PostgreSQL 15, Linux, OLTP, 16 GB, 8 CPUs, 200 connections, SSD:
    // shared_buffers 4GB, effective_cache_size 12GB, maintenance_work_mem 1GB,
    // wal_buffers 16MB, random_page_cost 1.1, effective_io_concurrency 200,
    // work_mem (16GB - 4GB) / ((200 + 8) x 3) = 20164kB, min/max_wal_size 2GB/8GB,
    // parallel 8/4/8/4.
    let a = advise(
        &request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0),
        &pg15(),
    );
    let v = |n: &str| get(&a, n).recommended_value.clone();
    assert_eq!(v("shared_buffers"), "4GB");
    assert_eq!(get(&a, "shared_buffers").recommended_setting, "524288");
    assert_eq!(v("effective_cache_size"), "12GB");
    assert_eq!(v("maintenance_work_mem"), "1GB");
    assert_eq!(v("wal_buffers"), "16MB");
    assert_eq!(v("random_page_cost"), "1.1");
    assert_eq!(v("effective_io_concurrency"), "200");
    assert_eq!(v("work_mem"), "20164kB");
    assert_eq!(
        (v("min_wal_size"), v("max_wal_size")),
        ("2GB".into(), "8GB".into())
    );
    assert_eq!(v("max_worker_processes"), "8");
    assert_eq!(v("max_parallel_workers_per_gather"), "4");
    assert_eq!(v("max_parallel_maintenance_workers"), "4");
    assert_eq!(v("huge_pages"), "try");
    assert_eq!(v("jit"), "off");
    // 0.9 is already the default: fine, nothing to run.
    let cct = get(&a, "checkpoint_completion_target");
    assert_eq!((cct.severity, cct.sql.as_deref()), (None, None));
    assert!(cct.reason.starts_with("fine"));
    // shared_buffers from 128MB to 4GB: a warning, and it needs a restart.
    let sb = get(&a, "shared_buffers");
    assert_eq!(sb.severity, Some(Severity::Warning));
    assert!(sb.requires_restart);
    assert_eq!(
        sb.sql.as_deref(),
        Some("ALTER SYSTEM SET shared_buffers = '4GB'")
    );
    assert_eq!(sb.current_value, "128MB");
}

#[test]
fn memory_values_in_whole_megabytes() {
    // This machine's MemTotal: 24,683,520 kB; a quarter is 6,026.25 MB.
    let r = Request {
        memory_bytes: 24_683_520.0 * KB,
        ..request(Workload::Oltp, Storage::Ssd, 1.0, 2.0, 100.0)
    };
    let a = advise(&r, &pg15());
    assert_eq!(get(&a, "shared_buffers").recommended_value, "6026MB");
    assert_eq!(
        get(&a, "shared_buffers").recommended_setting,
        (6026 * 128).to_string()
    );
    assert_eq!(get(&a, "effective_cache_size").recommended_value, "18078MB");
    // Below 64MB the kilobytes stay: work_mem keeps its formula's value.
    assert!(get(&a, "work_mem").recommended_value.ends_with("kB"));
}

#[test]
fn workloads_and_storage() {
    let dw = advise(
        &request(Workload::Dw, Storage::Hdd, 64.0, 16.0, 40.0),
        &pg15(),
    );
    assert_eq!(get(&dw, "maintenance_work_mem").recommended_value, "8GB");
    assert_eq!(
        get(&dw, "default_statistics_target").recommended_value,
        "500"
    );
    assert_eq!(get(&dw, "random_page_cost").recommended_value, "4");
    assert_eq!(get(&dw, "effective_io_concurrency").recommended_value, "2");
    assert_eq!(
        get(&dw, "max_parallel_workers_per_gather").recommended_value,
        "8"
    );
    assert_eq!(get(&dw, "autovacuum_max_workers").recommended_value, "4");
    assert_eq!(get(&dw, "autovacuum_work_mem").recommended_value, "2GB");
    assert!(
        dw.iter().all(|a| a.name != "jit"),
        "no JIT change for analytics"
    );
    let desk = advise(
        &request(Workload::Desktop, Storage::Nvme, 8.0, 2.0, 20.0),
        &pg15(),
    );
    assert_eq!(get(&desk, "shared_buffers").recommended_value, "512MB");
    assert_eq!(get(&desk, "effective_cache_size").recommended_value, "2GB");
    assert_eq!(
        get(&desk, "effective_io_concurrency").recommended_value,
        "1000"
    );
    assert!(
        desk.iter().all(|a| a.name != "max_worker_processes"),
        "no parallel below 4 CPUs"
    );
    // Durability and replication settings are never touched.
    for a in [&dw, &desk] {
        assert!(a.iter().all(|x| !matches!(
            x.name.as_str(),
            "fsync" | "synchronous_commit" | "full_page_writes" | "wal_level"
        )));
    }
}

#[test]
fn values_the_server_accepts() {
    // work_mem on a tiny host with many connections: at least 4MB, never below min_val.
    let a = advise(
        &request(Workload::Desktop, Storage::Ssd, 0.25, 1.0, 1000.0),
        &pg15(),
    );
    assert_eq!(get(&a, "work_mem").recommended_value, "4MB");
    // A server whose maximum is lower than PGTune's value: clamped, and said so.
    let mut s = pg15();
    s.iter_mut()
        .find(|x| x.name == "effective_io_concurrency")
        .unwrap()
        .max_val = Some("100".into());
    let a = advise(
        &request(Workload::Oltp, Storage::Nvme, 16.0, 8.0, 100.0),
        &s,
    );
    let io = get(&a, "effective_io_concurrency");
    assert_eq!(io.recommended_value, "100");
    assert!(
        io.reason.contains("limited to the server's range 0..100"),
        "{}",
        io.reason
    );
    // Every recommendation lies within the setting's bounds, in its own unit.
    for a in advise(
        &request(Workload::Web, Storage::San, 96.0, 64.0, 500.0),
        &pg15(),
    ) {
        let Some(st) = pg15().into_iter().find(|s| s.name == a.name) else {
            continue;
        };
        if let (Ok(v), Some(min), Some(max)) = (
            a.recommended_setting.parse::<f64>(),
            st.min_val.and_then(|m| m.parse::<f64>().ok()),
            st.max_val.and_then(|m| m.parse::<f64>().ok()),
        ) {
            assert!(
                v >= min && v <= max,
                "{} = {v} outside {min}..{max}",
                a.name
            );
        }
        if let Some(e) = st.enumvals {
            assert!(e.contains(&a.recommended_setting), "{}", a.name);
        }
    }
    // An enum value the server lacks is not recommended.
    let mut s = pg15();
    s.iter_mut()
        .find(|x| x.name == "huge_pages")
        .unwrap()
        .enumvals = Some(vec!["off".into(), "on".into()]);
    let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 100.0), &s);
    assert!(a.iter().all(|x| x.name != "huge_pages"));
    // A setting the server does not have (an older version) is skipped.
    let mut s = pg15();
    s.retain(|x| x.name != "max_parallel_maintenance_workers");
    let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 100.0), &s);
    assert!(a
        .iter()
        .all(|x| x.name != "max_parallel_maintenance_workers"));
}

#[test]
fn within_five_percent_is_fine() {
    let mut s = pg15();
    // 4GB recommended; 4,000MB is within 5%.
    s[0].setting = (4000 * 128).to_string();
    let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0), &s);
    let sb = get(&a, "shared_buffers");
    assert_eq!((sb.severity, sb.sql.is_none()), (None, true));
    // 3,800MB is not.
    s[0].setting = (3800 * 128).to_string();
    let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0), &s);
    assert_eq!(get(&a, "shared_buffers").severity, Some(Severity::Info));
}

#[test]
fn memory_check() {
    // Defaults on 16 GB: 128MB + 100 x 4MB x 1.5 + 3 x 64MB = 920MB, 6% of RAM.
    let a = advise(
        &request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0),
        &pg15(),
    );
    let m = get(&a, "(memory check)");
    assert_eq!(m.current_value, "920.0 MB (6% of RAM)");
    assert_eq!(m.severity, None);
    // With the recommendations: 4GB + 200 x 20164kB x 1.5 + 3 x 1GB = 12.8 GB, 80%.
    assert_eq!(m.recommended_value, "12.8 GB (80% of RAM)");
    // 1,000 connections with 64MB work_mem on 16 GB: over RAM, critical.
    let mut s = pg15();
    s.iter_mut().find(|x| x.name == "work_mem").unwrap().setting = "65536".into();
    s.iter_mut()
        .find(|x| x.name == "max_connections")
        .unwrap()
        .setting = "1000".into();
    let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0), &s);
    assert_eq!(get(&a, "(memory check)").severity, Some(Severity::Critical));
}

#[test]
fn memory_sizes() {
    assert_eq!(parse_memory("24GB").unwrap(), 24.0 * GB);
    assert_eq!(parse_memory(" 512 mb ").unwrap(), 512.0 * MB);
    assert_eq!(parse_memory("1.5GB").unwrap(), 1.5 * GB);
    assert_eq!(parse_memory("1TB").unwrap(), 1024.0 * GB);
    assert_eq!(parse_memory("134217728").unwrap(), 128.0 * MB);
    assert!(parse_memory("12 parsecs")
        .unwrap_err()
        .contains("unknown unit \"parsecs\""));
    assert!(parse_memory("-4GB").unwrap_err().contains("positive"));
    assert!(parse_memory("GB")
        .unwrap_err()
        .contains("invalid memory size"));
    assert!(parse_memory("1MB").unwrap_err().contains("too small"));
    assert!(Workload::parse("olap")
        .unwrap_err()
        .contains("web, oltp, dw, desktop, mixed"));
    assert_eq!(Workload::parse(" OLTP ").unwrap(), Workload::Oltp);
    assert!(Storage::parse("tape")
        .unwrap_err()
        .contains("hdd, ssd, san, nvme"));
}

#[test]
fn host_detection() {
    assert_eq!(
        meminfo_total("MemTotal:       24683520 kB\nMemFree: 1 kB\n"),
        Some(24683520.0 * 1024.0)
    );
    assert_eq!(cgroup_memory_limit("max\n"), None);
    assert_eq!(cgroup_memory_limit("4294967296\n"), Some(4.0 * GB));
    assert_eq!(
        cgroup_memory_limit("9223372036854771712"),
        None,
        "v1's no limit"
    );
    assert_eq!(cgroup_cpu_limit("max 100000"), None);
    assert_eq!(cgroup_cpu_limit("200000 100000\n"), Some(2.0));
    assert_eq!(cgroup_cpu_limit("150000 100000"), Some(2.0));
    assert_eq!(
        cgroup_v2_path("0::/system.slice/postgresql.service\n"),
        Some("/system.slice/postgresql.service")
    );
    assert_eq!(cgroup_v2_path("12:memory:/docker/abc\n"), None);
}
