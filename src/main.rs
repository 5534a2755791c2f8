//! The `dfns-mock` binary: parses the command line and runs it.

use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates and frees many small
/// values across worker threads, where glibc's malloc spent a fifth of the server's CPU.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    dfns_mock::cli::run(dfns_mock::cli::Cli::parse()).await
}
