//! Sizes users can ask for, checked before anything is allocated: a request that would not
//! fit is refused with an error naming the parameter and the size it would take, instead of
//! the process aborting on a failed allocation (or being killed once the memory is touched).

use crate::error::{Error, Result};

/// Most commands (and most future events) a live engine's queues may hold.
pub const MAX_QUEUE: usize = 1 << 20;
/// Longest a capture ring may buffer between the audio thread and its reader, in seconds.
pub const MAX_CAPTURE_SLACK: f64 = 60.0;
/// Memory assumed available where the system does not say (not Linux).
const FALLBACK_AVAILABLE: u64 = 4 << 30;
/// Share of the available memory one request may take.
const SHARE: f64 = 0.8;

/// Bytes of memory the system could give now (Linux: `MemAvailable` from /proc/meminfo).
pub fn available_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib.saturating_mul(1024))
        })
        .unwrap_or(FALLBACK_AVAILABLE)
}

/// A size in bytes for people ("3.2 GB").
pub fn human(bytes: f64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut x = bytes;
    let mut u = 0;
    while x >= 1000.0 && u + 1 < units.len() {
        x /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{x:.0} {}", units[u])
    } else {
        format!("{x:.1} {}", units[u])
    }
}

/// Refuses `bytes` of memory for `what` (a phrase naming the parameter, such as
/// "seconds = 1e7 of 2 channels") when it exceeds most of the memory available now.
/// `bytes` is a float so that absurd requests cannot overflow on the way here.
pub fn check_memory(what: &str, bytes: f64) -> Result<()> {
    let available = available_memory() as f64;
    if bytes.is_finite() && bytes <= SHARE * available {
        return Ok(());
    }
    Err(Error::Memory(format!(
        "{what} would take {} of memory, more than the {} available",
        if bytes.is_finite() { human(bytes) } else { "unbounded".to_owned() },
        human(available)
    )))
}

/// A zeroed buffer of `len` values for `what`, checked against the memory available and
/// reserved fallibly (never aborts).
pub fn zeroed<T: Clone + Default>(what: &str, len: usize) -> Result<Vec<T>> {
    check_memory(what, len as f64 * std::mem::size_of::<T>() as f64)?;
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::Memory(format!(
            "{what} would take {} of memory, which the system refused",
            human(len as f64 * std::mem::size_of::<T>() as f64)
        ))
    })?;
    v.resize(len, T::default());
    Ok(v)
}

/// `len` zeros whose every page has been written here, on the calling (control) thread:
/// freshly allocated zeroed memory is mapped lazily, so without this the audio thread would
/// take a page fault (a syscall's worth of time) the first time it writes each page.
pub fn resident_zeros(len: usize) -> Box<[f32]> {
    let mut v = vec![0.0f32; len];
    // One write per 4 KiB page (a page's worth apart, wherever the buffer starts, and the
    // last value for the tail); volatile, since the compiler knows the memory is zero.
    let last = len.saturating_sub(1);
    for i in (0..len).step_by(1024).chain((len > 0).then_some(last)) {
        // SAFETY: `i < len`, so the pointer is valid and exclusively ours.
        unsafe { std::ptr::write_volatile(v.as_mut_ptr().add(i), 0.0) };
    }
    v.into_boxed_slice()
}

/// Checks a queue length asked for as `name` (in `unit`s), in 1..=[`MAX_QUEUE`].
pub fn check_queue(name: &str, unit: &str, len: usize) -> Result<()> {
    if (1..=MAX_QUEUE).contains(&len) {
        return Ok(());
    }
    Err(Error::Invalid(format!("{name} = {len} {unit} is outside [1, {MAX_QUEUE}]")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused_with_their_size() {
        let err = check_memory("seconds = 1e7 of 2 channels", 1e7 * 48_000.0 * 8.0).unwrap_err();
        assert!(err.to_string().contains("seconds = 1e7 of 2 channels would take 3.8 TB of memory"), "{err}");
        assert!(check_memory("x", f64::INFINITY).unwrap_err().to_string().contains("unbounded"));
        assert!(zeroed::<f32>("a huge buffer", usize::MAX / 8).is_err());
        assert_eq!(zeroed::<f32>("a small buffer", 3).unwrap(), vec![0.0; 3]);
        assert!(available_memory() > 0);
        assert_eq!(human(999.0), "999 bytes");
        assert_eq!(human(68.7e9), "68.7 GB");
        let err = check_queue("queue", "commands", 10_000_000_000).unwrap_err();
        assert_eq!(err.to_string(), "queue = 10000000000 commands is outside [1, 1048576]");
    }
}
