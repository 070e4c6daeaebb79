//! One run at a time on a store.
//!
//! `apply` reads the store, plans against it and writes the plan; a second `apply` that read the
//! store before the first committed would plan against a store that is no longer there (and
//! create the same object types again). So a run holds a lock on the store file from before it
//! reads until after it writes: `apply` an exclusive one, `plan` a shared one, so that a plan
//! never reads half of another run's work. The lock is the operating system's advisory file
//! lock on the database file itself (`flock`), which SQLite's own byte-range locks do not touch,
//! and which goes away with the process however it ends.

use super::StoreError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a run does with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads it (`plan`): other readers may read at the same time.
    Read,
    /// Reads and writes it (`apply`): alone.
    Write,
}

/// A run's hold on a store; let go when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    /// Set when taking the lock created the store file, which is removed again if the run
    /// writes nothing into it.
    created: Option<PathBuf>,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some(path) = &self.created {
            if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Takes the store for a run, waiting up to `wait` while another run holds it; `waiting` is
/// called once if it has to wait. Reading a store that does not exist takes nothing (and
/// creates nothing). Writing checks first that the store's directory exists and opens (or
/// creates) the store file, so that a run that could not write fails before it reads its source,
/// naming the directory or the file.
pub fn lock(
    path: &Path,
    access: Access,
    wait: Duration,
    waiting: &dyn Fn(),
) -> Result<Option<RunLock>, StoreError> {
    let failed = |error: std::io::Error| StoreError::Open {
        path: path.to_path_buf(),
        error,
    };
    let started = Instant::now();
    let mut told = false;
    loop {
        let (file, created) = match access {
            Access::Read => match File::open(path) {
                Ok(file) => (file, None),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    check_directory(path)?;
                    return Ok(None);
                }
                Err(e) => return Err(failed(e)),
            },
            Access::Write => {
                check_directory(path)?;
                let existed = path.exists();
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)
                    .map_err(failed)?;
                (file, (!existed).then(|| path.to_path_buf()))
            }
        };
        loop {
            let attempt = match access {
                Access::Read => file.try_lock_shared(),
                Access::Write => file.try_lock(),
            };
            match attempt {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(failed(e)),
            }
            if started.elapsed() >= wait {
                return Err(StoreError::Busy {
                    path: path.to_path_buf(),
                    waited: wait.as_secs(),
                });
            }
            if !told {
                waiting();
                told = true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The run before may have removed the empty file it had created while this one waited:
        // the lock then holds a file that is no longer the store, so take the store anew.
        if still_the_store(path, &file) {
            return Ok(Some(RunLock {
                _file: file,
                created,
            }));
        }
    }
}

#[cfg(unix)]
fn still_the_store(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(at_path), Ok(held)) => at_path.dev() == held.dev() && at_path.ino() == held.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_the_store(path: &Path, _file: &File) -> bool {
    path.exists()
}

/// The store's directory must exist: SQLite would say only "unable to open database file".
fn check_directory(path: &Path) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(StoreError::NoDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        })
    }
}
