use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match integrate::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            let code = if error.use_stderr() { 2 } else { 0 };
            return ExitCode::from(code);
        }
    };
    ExitCode::from(integrate::run(cli))
}
