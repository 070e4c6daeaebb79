use std::process::ExitCode;

fn main() -> ExitCode {
    assetsync::cli::main()
}
