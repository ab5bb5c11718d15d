//! `server`: runs the API, or `server create-admin --login NAME` creates an administrator.

use std::io::BufRead as _;

use server::config::Config;
use server::AppState;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = Config::load()?;
    match args.first().map(String::as_str) {
        None | Some("serve") => serve(config).await,
        Some("create-admin") => {
            let login = match args.get(1..) {
                Some([flag, login]) if flag == "--login" => login.clone(),
                _ => return Err("usage: server create-admin --login NAME".into()),
            };
            let password = match std::env::var("AUTHCHECK_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    eprintln!("password for {login} (one line on stdin):");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let state = AppState::new(config).await?;
            server::http::create_admin(&state, &login, password).await?;
            println!("created admin {login}");
            Ok(())
        }
        Some("-h" | "--help" | "help") => {
            println!("usage: server [serve]\n       server create-admin --login NAME  (password from AUTHCHECK_ADMIN_PASSWORD or stdin)\nconfiguration: see server/README.md");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}; try --help").into()),
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listen = config.listen;
    tracing::info!(?config, "starting");
    let state = AppState::new(config).await?;
    if !server::http::has_admin(&state).await? {
        println!(
            "No administrator exists yet. Create one with:\n    cargo run -p server -- create-admin --login admin\n(the password is read from stdin, or from AUTHCHECK_ADMIN_PASSWORD)"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let bound = listener.local_addr()?;
    tracing::info!("listening on http://{bound} (Swagger UI at http://{bound}/docs)");
    let upkeep = tokio::spawn(server::maintenance::run(state.clone()));
    let served = server::serve::serve(listener, state.clone(), server::serve::signal()).await;
    upkeep.abort();
    state.db.pool.close().await;
    served?;
    Ok(())
}
