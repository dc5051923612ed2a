/// A derivation allocates millions of small strings and formula nodes; mimalloc makes that
/// cheap (about a fifth of a big network's run time with the system allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(backprop_tex::run(std::env::args_os()));
}

/// Looks at file descriptors 0 to 2 before the Rust runtime starts: the runtime opens
/// `/dev/null` in place of a closed one, after which `derive >&-` would write nothing and exit 0.
/// (`.init_array` functions run before `main`, on ELF systems.)
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[used]
#[link_section = ".init_array"]
static SEE_STDOUT_BEFORE_THE_RUNTIME: extern "C" fn() = see_stdout;

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
extern "C" fn see_stdout() {
    for fd in 0..=2 {
        // `fcntl(F_GETFD)` only asks whether the descriptor is open. (Borrowing it as a
        // `BorrowedFd` would promise that it is open, which is what is in doubt.)
        // SAFETY: F_GETFD takes no third argument and touches no memory; any int is accepted.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            let errno = std::io::Error::last_os_error().raw_os_error();
            backprop_tex::note_closed_at_start(fd as usize, errno.unwrap_or(libc::EBADF));
        }
    }
}
