//! `vitals.config_advice(workload, storage, total_memory, cpus, max_connections)`: the host
//! as the server process sees it (memory and CPUs, cgroup limits first), this server's
//! pg_settings, and `advice::config` deciding.

use super::spi::json_query;
use super::srf::{finfo_v1, materialize, put, raise, Row};
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::PgSqlErrorCode;
use vitals_core::advice::config::{self, Host, PgSetting, Request, Storage, Workload};

fn bad_input(message: String) -> ! {
    raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, message, "")
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
    let text_arg = |n: usize| super::srf::text_arg(fcinfo, n);
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
    let host = Host::detect();
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
            vitals_core::advice::size(memory_bytes),
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
