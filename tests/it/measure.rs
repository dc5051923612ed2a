//! Runs of the real executable measured by the kernel (`wait4`): exit status, CPU time, peak
//! memory. Tests that guard against a blow-up limit CPU time, not wall time: the machines
//! that run them are shared, and load stretches wall time many times over while a run's own
//! CPU time barely moves. Wall time only catches a hang, generously.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run still going after this is killed and reported as hung.
pub const HANG: Duration = Duration::from_secs(60);

pub struct Measured {
    /// The exit status, or `None` when a signal ended the process.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub wall: Duration,
    /// User and system time of the process.
    pub cpu: Duration,
    /// Killed for running past [`HANG`].
    pub hung: bool,
    pub max_rss_kb: i64,
    pub stderr: String,
}

/// Runs the executable with `args` on `stdin`, and measures it with `wait4` (which also reaps it,
/// so `Child::wait` is never called).
#[allow(clippy::zombie_processes)]
pub fn run_measured(args: &[&str], stdin: Vec<u8>) -> Measured {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_backprop-tex"))
        .args(args)
        .current_dir(crate::support::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("piped stdin");
    // The binary may stop reading early (a size limit): a broken pipe here is expected.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut error_pipe = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = error_pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut hung = false;
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own child; status and usage are valid for writing.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4 failed");
        if reaped == pid {
            break;
        }
        if start.elapsed() > HANG && !hung {
            hung = true;
            // SAFETY: killing our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let wall = start.elapsed();
    let _ = writer.join();
    let stderr = reader.join().expect("stderr reader");
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else {
        (None, Some(libc::WTERMSIG(status)))
    };
    Measured {
        code,
        signal,
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        hung,
        max_rss_kb: usage.ru_maxrss,
        stderr,
    }
}

fn time(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}
