//! `vitals.config_advice(workload, storage, total_memory, cpus, max_connections)`: the host
//! as the server process sees it (memory and CPUs, cgroup limits first), this server's
//! pg_settings, and `advice::config` deciding.

use super::{json_query, materialize, put, raise, Row};
use crate::advice::config::{self, Host, PgSetting, Request, Storage, Workload};
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::PgSqlErrorCode;
use std::fs;

fn bad_input(message: String) -> ! {
    raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, message, "")
}

/// The memory and CPUs this server may use: the host's, unless a cgroup (a container, a
/// systemd slice) allows less. cgroup v2 limits are read on the server's cgroup and each of
/// its ancestors, as the kernel applies the smallest.
pub fn detect_host() -> Host {
    let mut memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| config::meminfo_total(&m));
    let mut memory_source = "/proc/meminfo";
    let mut cpus = std::thread::available_parallelism()
        .map(|n| n.get() as f64)
        .ok();
    let mut cpu_source = "the CPUs this process may run on";
    let cgroups = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    if let Some(path) = config::cgroup_v2_path(&cgroups) {
        let mut dir = format!("/sys/fs/cgroup{}", path.trim_end_matches('/'));
        loop {
            let read = |file: &str| fs::read_to_string(format!("{dir}/{file}")).ok();
            if let Some(limit) = read("memory.max").and_then(|t| config::cgroup_memory_limit(&t)) {
                if memory.is_none_or(|m| limit < m) {
                    memory = Some(limit);
                    memory_source = "cgroup memory.max";
                }
            }
            if let Some(limit) = read("cpu.max").and_then(|t| config::cgroup_cpu_limit(&t)) {
                if cpus.is_none_or(|c| limit < c) {
                    cpus = Some(limit);
                    cpu_source = "cgroup cpu.max";
                }
            }
            match dir.rfind('/') {
                Some(i) if dir.len() > "/sys/fs/cgroup".len() => dir.truncate(i),
                _ => break,
            }
        }
    }
    // cgroup v1: the memory controller's limit for this process's group.
    if let Some(path) = cgroups.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then_some(path)
    }) {
        for dir in [
            format!("/sys/fs/cgroup/memory{path}"),
            "/sys/fs/cgroup/memory".into(),
        ] {
            if let Some(limit) = fs::read_to_string(format!("{dir}/memory.limit_in_bytes"))
                .ok()
                .and_then(|t| config::cgroup_memory_limit(&t))
            {
                if memory.is_none_or(|m| limit < m) {
                    memory = Some(limit);
                    memory_source = "cgroup memory.limit_in_bytes";
                }
                break;
            }
        }
    }
    Host {
        memory_bytes: memory.unwrap_or(0.0),
        cpus: cpus.unwrap_or(1.0),
        memory_source,
        cpu_source,
    }
}

fn settings() -> Vec<PgSetting> {
    json_query(
        "SELECT json_agg(json_build_object('name', name, 'setting', setting, 'unit', unit,
                'vartype', vartype, 'context', context, 'min_val', min_val, 'max_val', max_val,
                'enumvals', enumvals))::text
         FROM pg_catalog.pg_settings",
        "pg_settings",
    )
}

finfo_v1!(pg_finfo_vitals_config_advice);
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_config_advice(fcinfo: FunctionCallInfo) -> Datum {
    let text_arg = |n: usize| super::text_arg(fcinfo, n);
    let int_arg = |n: usize| pgrx::fcinfo::pg_getarg::<i32>(fcinfo, n);
    let not_null = |v: Option<String>, name: &str| {
        v.unwrap_or_else(|| {
            raise(
                PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
                format!("{name} must not be NULL"),
                "",
            )
        })
    };
    let workload =
        Workload::parse(&not_null(text_arg(0), "workload")).unwrap_or_else(|e| bad_input(e));
    let storage =
        Storage::parse(&not_null(text_arg(1), "storage")).unwrap_or_else(|e| bad_input(e));
    let memory = text_arg(2).map(|m| config::parse_memory(&m).unwrap_or_else(|e| bad_input(e)));
    let cpus = int_arg(3);
    let connections = int_arg(4);
    if let Some(c) = cpus.filter(|c| *c <= 0) {
        bad_input(format!("cpus must be positive, not {c}"));
    }
    if let Some(c) = connections.filter(|c| *c <= 0) {
        bad_input(format!("max_connections must be positive, not {c}"));
    }
    let settings = settings();
    let current = |name: &str| -> Option<f64> {
        settings
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.setting.parse().ok())
    };
    let host = detect_host();
    let memory_bytes = memory.unwrap_or(host.memory_bytes);
    if memory_bytes <= 0.0 {
        bad_input(
            "the server's memory could not be read from /proc/meminfo; pass total_memory".into(),
        );
    }
    let request = Request {
        workload,
        storage,
        memory_bytes,
        cpus: cpus.map_or(host.cpus, f64::from),
        max_connections: connections
            .map(f64::from)
            .or_else(|| current("max_connections"))
            .unwrap_or(100.0),
        version: current("server_version_num").unwrap_or(0.0) as u32,
    };
    let mut advice = config::advise(&request, &settings);
    // Say where the host's numbers came from on the memory check.
    if let Some(check) = advice.last_mut() {
        check.reason.push_str(&format!(
            "; {} memory from {}, {} CPUs from {}, workload {}",
            crate::advice::size(memory_bytes),
            if memory.is_some() {
                "the total_memory argument"
            } else {
                host.memory_source
            },
            request.cpus,
            if cpus.is_some() {
                "the cpus argument"
            } else {
                host.cpu_source
            },
            workload
        ));
    }
    let (ts, desc) = materialize(fcinfo);
    for a in &advice {
        let mut row = Row::with_capacity(9);
        row.text(Some(&a.name));
        row.text(Some(&a.current_value));
        row.text(Some(&a.recommended_value));
        row.text(Some(&a.recommended_setting));
        row.text(a.unit.as_deref());
        row.text(Some(
            &a.severity.map_or("fine".to_string(), |s| s.to_string()),
        ));
        row.text(Some(&a.reason));
        row.bool(a.requires_restart);
        row.text(a.sql.as_deref());
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}
