//! CPU accounting shared by the benches: this process and the PostgreSQL server, read from
//! `/proc` (Linux), so a bench can say where the time went.

/// CPU seconds (user + system) this process used so far.
pub fn process_cpu() -> f64 {
    let [user, system, ..] = stat_seconds("/proc/self/stat");
    user + system
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
            stat_seconds(&e.path().join("stat").to_string_lossy())
                .iter()
                .sum::<f64>()
        })
        .sum()
}

/// utime, stime, cutime and cstime (the reaped children's) of the process whose `stat` is at
/// `path`, in seconds (ticks of 1/100 s); zeros when it cannot be read.
fn stat_seconds(path: &str) -> [f64; 4] {
    let mut times = [0.0; 4];
    let Ok(text) = std::fs::read_to_string(path) else {
        return times;
    };
    // Fields after the command name (which may hold spaces) closed by ')': fields 14 to 17 of
    // stat are 11 to 14 counted from the state field.
    let Some(rest) = text.rsplit_once(')').map(|(_, r)| r) else {
        return times;
    };
    for (t, v) in times.iter_mut().zip(rest.split_whitespace().skip(11)) {
        *t = v.parse::<f64>().unwrap_or(0.0) / 100.0;
    }
    times
}
