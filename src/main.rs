/// A derivation allocates millions of small strings and formula nodes; mimalloc makes that
/// cheap (about a fifth of a big network's run time with the system allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(backprop_tex::run(std::env::args_os()));
}
