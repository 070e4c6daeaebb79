use std::process::ExitCode;

// Evaluation makes and drops many small strings per record; mimalloc serves those markedly
// faster than the system allocator (see the performance section of the README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    assetsync::cli::main()
}
