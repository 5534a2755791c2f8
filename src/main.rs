//! The `dfns-mock` binary: parses the command line and runs it.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    dfns_mock::cli::run(dfns_mock::cli::Cli::parse()).await
}
