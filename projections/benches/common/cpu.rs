//! CPU accounting shared by the benches: this process and the PostgreSQL server, read from
//! `/proc` (Linux), so a bench can say where the time went.

/// CPU seconds (user + system) this process used so far.
pub fn process_cpu() -> f64 {
    stat_cpu("/proc/self/stat")
}

/// CPU seconds of every PostgreSQL process on this machine (other clients' too), those that
/// have exited included: the postmaster is charged with the time of the backends it reaped, so
/// a connection closed between two readings still counts.
pub fn postgres_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|e| {
            let stat = e.path().join("stat");
            let stat = stat.to_string_lossy();
            stat_cpu(&stat) + children_cpu(&stat)
        })
        .sum()
}

/// utime + stime of the process whose `stat` is at `path`.
fn stat_cpu(path: &str) -> f64 {
    stat_ticks(path, 11) + stat_ticks(path, 12)
}

/// cutime + cstime: the reaped children's.
fn children_cpu(path: &str) -> f64 {
    stat_ticks(path, 13) + stat_ticks(path, 14)
}

/// Field `i` of `stat`, counted from the state field, in seconds (ticks of 1/100 s).
fn stat_ticks(path: &str, i: usize) -> f64 {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) closed by ')'.
    let Some(rest) = text.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime and cstime are fields 14 to 17 of stat: 11 to 14 counted from
    // the state field.
    fields
        .get(i)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 100.0
}
