//! The server's log: `tracing` formatted as text or JSON lines, written to standard output
//! in batches by one thread ([`BatchedStdout`]). Under load, one `write` carries many lines
//! instead of one system call per request; when idle, a line is out within
//! [`BATCH_WINDOW`]. Nothing is dropped: a writer waits while [`MAX_PENDING`] bytes are
//! already waiting, as a direct write to a slow reader would. [`flush`] writes what is left
//! before the process exits.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::config::LogFormat;

/// How long the writing thread gathers lines after the first one of a batch arrives.
pub(crate) const BATCH_WINDOW: Duration = Duration::from_millis(2);

/// Bytes that may wait for the writing thread before a logging thread waits too.
pub(crate) const MAX_PENDING: usize = 1 << 20;

/// The lines waiting to be written, and the signals between the two sides.
#[derive(Default)]
struct Pending {
    lines: Mutex<Vec<u8>>,
    /// Rung when lines arrive in an empty buffer.
    arrived: Condvar,
    /// Rung when the writing thread has taken the lines.
    taken: Condvar,
}

impl Pending {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes every waiting line and writes it to standard output.
    fn write_out(&self, spare: &mut Vec<u8>) {
        {
            let mut lines = self.lock();
            std::mem::swap(&mut *lines, spare);
        }
        self.taken.notify_all();
        if !spare.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(spare);
            let _ = out.flush();
            spare.clear();
        }
    }
}

/// The log writer shared by the subscriber and the writing thread.
static PENDING: OnceLock<Arc<Pending>> = OnceLock::new();

/// Standard output, written in batches by a thread of its own (started on first use).
#[derive(Clone)]
pub(crate) struct BatchedStdout(Arc<Pending>);

impl BatchedStdout {
    /// The process's batched standard output.
    pub(crate) fn get() -> BatchedStdout {
        let pending = PENDING.get_or_init(|| {
            let pending = Arc::new(Pending::default());
            let writer = pending.clone();
            std::thread::Builder::new()
                .name("dfns-mock-log".into())
                .spawn(move || {
                    let mut spare = Vec::new();
                    loop {
                        {
                            let mut lines = writer.lock();
                            while lines.is_empty() {
                                lines = writer
                                    .arrived
                                    .wait(lines)
                                    .unwrap_or_else(|e| e.into_inner());
                            }
                        }
                        std::thread::sleep(BATCH_WINDOW);
                        writer.write_out(&mut spare);
                    }
                })
                .expect("the log thread starts");
            pending
        });
        BatchedStdout(pending.clone())
    }
}

impl Write for BatchedStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut lines = self.0.lock();
        while lines.len() >= MAX_PENDING {
            lines = self.0.taken.wait(lines).unwrap_or_else(|e| e.into_inner());
        }
        let was_empty = lines.is_empty();
        lines.extend_from_slice(buf);
        drop(lines);
        if was_empty {
            self.0.arrived.notify_one();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BatchedStdout {
    type Writer = BatchedStdout;

    fn make_writer(&'a self) -> BatchedStdout {
        self.clone()
    }
}

/// Writes every line still waiting (before the process exits).
pub(crate) fn flush() {
    if let Some(pending) = PENDING.get() {
        pending.write_out(&mut Vec::new());
    }
}

/// Installs the log subscriber: `RUST_LOG` or `info`, text or JSON lines, ANSI colours when
/// standard output is a terminal.
pub(crate) fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(BatchedStdout::get());
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_written_from_many_threads_all_come_out_whole() {
        let pending = Arc::new(Pending::default());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut writer = BatchedStdout(pending.clone());
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        writer.write_all(format!("{t}:{i}\n").as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let lines = pending.lock().clone();
        let text = String::from_utf8(lines).unwrap();
        assert_eq!(text.lines().count(), 4000);
        for t in 0..4 {
            let mine: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t}:")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(
                mine,
                (0..1000).collect::<Vec<_>>(),
                "thread {t}'s lines in order"
            );
        }
    }
}
