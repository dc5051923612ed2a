/// A derivation allocates millions of small strings and formula nodes; mimalloc makes that
/// cheap (about a fifth of a big network's run time with the system allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(backprop_tex::run(std::env::args_os()));
}

/// Looks at file descriptor 1 before the Rust runtime starts: the runtime opens `/dev/null`
/// in place of a closed one, after which `derive >&-` would write nothing and exit 0.
/// (`.init_array` functions run before `main`, on ELF systems.)
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[used]
#[link_section = ".init_array"]
static SEE_STDOUT_BEFORE_THE_RUNTIME: extern "C" fn() = see_stdout;

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
extern "C" fn see_stdout() {
    // SAFETY: descriptor 1 is only borrowed for this one duplication; nothing runs meanwhile.
    let stdout = unsafe { std::os::fd::BorrowedFd::borrow_raw(1) };
    if let Err(e) = stdout.try_clone_to_owned() {
        backprop_tex::output::note_stdout_closed(e.raw_os_error().unwrap_or(9));
    }
}
