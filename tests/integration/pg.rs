//! A throwaway PostgreSQL cluster for the collector's PostgreSQL tests: Debian's server
//! (`initdb` + `pg_ctl`, as the `postgres` user when the tests run as root) in a temporary
//! folder, on a free 127.0.0.1 port, with its socket in that folder. The tests share one
//! cluster per run ([`shared`]), each with its own database ([`fresh_database`]).
//!
//! No PostgreSQL means a failing test, never a skipped one: `tests/pg/setup.sh` installs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running cluster; stopped (`pg_ctl stop -m immediate`) and removed on drop.
pub(crate) struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The port it listens on, on 127.0.0.1.
    pub(crate) port: u16,
}

/// The folder of Debian's server binaries, newest version first; else `initdb` on PATH.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return bin;
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file());
    on_path.unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `bash tests/pg/setup.sh` (apt-get install postgresql)"
        )
    })
}

fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Runs a server binary, as `postgres` when we are root (the server refuses root).
fn server_command(bin: &Path, tool: &str) -> Command {
    if running_as_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        cmd
    } else {
        Command::new(bin.join(tool))
    }
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    /// Starts a new cluster. `durable: false` turns fsync off (tests: the server is never
    /// killed, so its own durability is not what they check); the bench keeps it on.
    pub(crate) fn start(durable: bool) -> Cluster {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("yasno-pg-")
            .tempdir()
            .unwrap();
        if running_as_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("-R").arg("postgres:postgres").arg(dir.path());
                    c
                },
                "chown",
            );
        }
        let data = dir.path().join("data");
        let mut initdb = server_command(&bin, "initdb");
        initdb.arg("-D").arg(&data).args([
            "-U",
            "yasno",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        let port = free_port();
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            dir.path().display()
        );
        if !durable {
            options.push_str(" -c fsync=off -c full_page_writes=off");
        }
        let mut start = server_command(&bin, "pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        run(start, "pg_ctl start");
        Cluster { dir, bin, port }
    }

    /// The address of database `name` on this cluster.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://yasno@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database and returns its address.
    pub(crate) fn create_database(&self, name: &str) -> String {
        let admin = self.url("postgres");
        let sql = format!("CREATE DATABASE \"{name}\"");
        // Its own thread and runtime, so this works from sync and async tests alike.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client.batch_execute(&sql).await.unwrap();
            });
        })
        .join()
        .unwrap();
        self.url(name)
    }

    fn stop(&self) {
        let mut stop = server_command(&self.bin, "pg_ctl");
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The cluster the tests of this run share. A static is never dropped, so a watcher process
/// stops the server and removes its folder once this test process has exited.
pub(crate) fn shared() -> &'static Cluster {
    static SHARED: OnceLock<Cluster> = OnceLock::new();
    SHARED.get_or_init(|| {
        let cluster = Cluster::start(false);
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}; rm -rf '{dir}'",
            pid = std::process::id(),
            stop = stop_line(&cluster),
            dir = cluster.dir.path().display(),
        );
        // Never waited for: it must outlive this process, and init reaps it.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the cluster's watcher");
        cluster
    })
}

fn stop_line(cluster: &Cluster) -> String {
    let pg_ctl = cluster.bin.join("pg_ctl");
    let data = cluster.dir.path().join("data");
    let cmd = format!(
        "'{}' -D '{}' -m immediate stop",
        pg_ctl.display(),
        data.display()
    );
    if running_as_root() {
        format!("runuser -u postgres -- {cmd}")
    } else {
        cmd
    }
}

/// A new, empty database on the shared cluster, named after the test.
pub(crate) fn fresh_database(test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name: String = test
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect();
    shared().create_database(&format!("t{n}_{name}"))
}

/// Runs one query on `url` and returns the rows as text columns (tests inspect the store
/// directly, as the SQLite tests read the file).
pub(crate) fn query(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            let rows = client.simple_query(&sql).await.unwrap();
            rows.into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
                    }
                    _ => None,
                })
                .collect()
        })
    })
    .join()
    .unwrap()
}
