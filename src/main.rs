fn main() {
    std::process::exit(backprop_tex::run(std::env::args_os()));
}
