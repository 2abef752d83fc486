//! The `chatapi` binary: read settings, start logging, run one node until stopped.

use std::{io::IsTerminal, process::ExitCode};

use chatapi::{
    config::{catalog, Settings},
    startup::Application,
    telemetry,
};

#[actix_web::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chatapi: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--help" || arg == "-h")
    {
        print!("{}", catalog::help());
        return Ok(());
    }
    let settings = Settings::from_env()?;
    let ansi = std::io::stdout().is_terminal();
    telemetry::init(telemetry::subscriber(&settings.log, std::io::stdout, ansi))?;
    let application = Application::build(settings).await?;
    application.run_until_stopped().await?;
    Ok(())
}
