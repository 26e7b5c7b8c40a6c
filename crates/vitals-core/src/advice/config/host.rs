//! The host as the server process sees it: memory and CPUs, with cgroup limits (a container,
//! a systemd slice) applied. Everything is read under a root directory so that tests can
//! give a made-up `/proc` and `/sys`.

use std::fs;
use std::path::Path;

/// The host as the server process sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Host {
    pub memory_bytes: f64,
    pub cpus: f64,
    /// Where the numbers came from, for the reason text ("cgroup memory.max", "/proc/meminfo").
    pub memory_source: &'static str,
    pub cpu_source: &'static str,
}

impl Host {
    /// The host this process runs on.
    pub fn detect() -> Host {
        Host::detect_under(Path::new("/"))
    }

    /// The memory and CPUs this server may use: the host's, unless a cgroup (a container, a
    /// systemd slice) allows less. cgroup v2 limits are read on the server's cgroup and each of
    /// its ancestors, as the kernel applies the smallest.
    pub fn detect_under(root: &Path) -> Host {
        let mut memory = fs::read_to_string(root.join("proc/meminfo"))
            .ok()
            .and_then(|m| meminfo_total(&m));
        let mut memory_source = "/proc/meminfo";
        let mut cpus = std::thread::available_parallelism()
            .map(|n| n.get() as f64)
            .ok();
        let mut cpu_source = "the CPUs this process may run on";
        let cgroups = fs::read_to_string(root.join("proc/self/cgroup")).unwrap_or_default();
        if let Some(path) = cgroup_v2_path(&cgroups) {
            let base = root.join("sys/fs/cgroup");
            let mut dir = format!("{}{}", base.display(), path.trim_end_matches('/'));
            loop {
                let read = |file: &str| fs::read_to_string(format!("{dir}/{file}")).ok();
                if let Some(limit) = read("memory.max").and_then(|t| cgroup_memory_limit(&t)) {
                    if memory.is_none_or(|m| limit < m) {
                        memory = Some(limit);
                        memory_source = "cgroup memory.max";
                    }
                }
                if let Some(limit) = read("cpu.max").and_then(|t| cgroup_cpu_limit(&t)) {
                    if cpus.is_none_or(|c| limit < c) {
                        cpus = Some(limit);
                        cpu_source = "cgroup cpu.max";
                    }
                }
                match dir.rfind('/') {
                    Some(i) if dir.len() > base.as_os_str().len() => dir.truncate(i),
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
                format!("{}{path}", root.join("sys/fs/cgroup/memory").display()),
                format!("{}", root.join("sys/fs/cgroup/memory").display()),
            ] {
                if let Some(limit) = fs::read_to_string(format!("{dir}/memory.limit_in_bytes"))
                    .ok()
                    .and_then(|t| cgroup_memory_limit(&t))
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
}

/// MemTotal from /proc/meminfo, in bytes.
pub fn meminfo_total(meminfo: &str) -> Option<f64> {
    meminfo.lines().find_map(|l| {
        let rest = l.strip_prefix("MemTotal:")?;
        let kb: f64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024.0)
    })
}

/// A cgroup memory limit (v2 memory.max or v1 memory.limit_in_bytes): None when unlimited
/// ("max", or v1's near-2^63 "no limit").
pub fn cgroup_memory_limit(text: &str) -> Option<f64> {
    let t = text.trim();
    if t == "max" {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    (v > 0.0 && v < 1e18).then_some(v)
}

/// CPUs a cgroup v2 cpu.max quota allows ("200000 100000" is 2): None when unlimited.
pub fn cgroup_cpu_limit(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota = parts.next()?;
    let period: f64 = parts.next()?.parse().ok()?;
    if quota == "max" || period <= 0.0 {
        return None;
    }
    let quota: f64 = quota.parse().ok()?;
    (quota > 0.0).then(|| (quota / period).ceil().max(1.0))
}

/// The relative path of this process's cgroup v2 from /proc/self/cgroup ("0::/path").
pub fn cgroup_v2_path(proc_self_cgroup: &str) -> Option<&str> {
    proc_self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up root with the given files.
    fn root(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vitals-host-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for (path, text) in files {
            let file = dir.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, text).unwrap();
        }
        dir
    }

    #[test]
    fn cgroup_v2_limits_on_the_group_or_an_ancestor() {
        let dir = root(
            "v2",
            &[
                ("proc/meminfo", "MemTotal:       8388608 kB\n"),
                ("proc/self/cgroup", "0::/slice/service\n"),
                ("sys/fs/cgroup/slice/memory.max", "4294967296\n"),
                ("sys/fs/cgroup/slice/service/memory.max", "max\n"),
                ("sys/fs/cgroup/slice/service/cpu.max", "100000 100000\n"),
            ],
        );
        let host = Host::detect_under(&dir);
        assert_eq!(host.memory_bytes, 4.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(host.memory_source, "cgroup memory.max");
        assert_eq!((host.cpus, host.cpu_source), (1.0, "cgroup cpu.max"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn cgroup_v1_memory_limit_and_plain_hosts() {
        let dir = root(
            "v1",
            &[
                ("proc/meminfo", "MemTotal:       8388608 kB\n"),
                (
                    "proc/self/cgroup",
                    "5:memory:/docker/abc\n1:cpu:/docker/abc\n",
                ),
                (
                    "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
                    "2147483648\n",
                ),
            ],
        );
        let host = Host::detect_under(&dir);
        assert_eq!(host.memory_bytes, 2.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(host.memory_source, "cgroup memory.limit_in_bytes");
        fs::remove_dir_all(&dir).unwrap();
        // No cgroup limit: /proc/meminfo, and every CPU this process may run on.
        let dir = root("plain", &[("proc/meminfo", "MemTotal:       8388608 kB\n")]);
        let host = Host::detect_under(&dir);
        assert_eq!(
            (host.memory_bytes, host.memory_source),
            (8.0 * 1024.0 * 1024.0 * 1024.0, "/proc/meminfo")
        );
        assert!(host.cpus >= 1.0);
        fs::remove_dir_all(dir).unwrap();
    }
}
