//! A running `assetsync sandbox` for tests and benches: started on a free port, its base URL
//! read from its first line of output, stopped when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_assetsync");

/// A running sandbox. Dropping it kills the process.
pub struct Sandbox {
    pub child: Child,
    /// `http://127.0.0.1:PORT/jsm/assets/workspace/<id>/v1`
    pub base: String,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
}

impl Sandbox {
    pub fn start(store: &Path, extra: &[&str]) -> Sandbox {
        let mut child = Command::new(BIN)
            .arg("sandbox")
            .arg("--store")
            .arg(store)
            .args(extra)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        let read =
            BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line);
        if read.unwrap_or(0) == 0 {
            let _ = child.kill();
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
            panic!("the sandbox printed no address: {stderr}");
        }
        let base = line.trim().to_string();
        let origin = base
            .split("/jsm/")
            .next()
            .expect("the base URL has an origin")
            .to_string();
        assert!(
            base.starts_with("http://127.0.0.1:") && base.contains("/jsm/assets/workspace/"),
            "{base}"
        );
        Sandbox {
            child,
            base,
            origin,
        }
    }

    /// Interrupts the sandbox as Ctrl-C does and waits for it to exit.
    pub fn stop(&mut self) -> ExitStatus {
        #[cfg(unix)]
        {
            let sent = Command::new("kill")
                .args(["-INT", &self.child.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(sent.success());
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .expect("the sandbox can be waited for")
            {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the sandbox did not stop when interrupted"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
