//! The server's log: `tracing` formatted as text or JSON lines ([`JsonLines`]), written to
//! standard output in batches by one thread ([`BatchedStdout`]). Under load, one `write` carries many lines
//! instead of one system call per request; when idle, a line is out within
//! [`BATCH_WINDOW`]. Nothing is dropped: a writer waits while [`MAX_PENDING`] bytes are
//! already waiting, as a direct write to a slow reader would. [`flush`] writes what is left
//! before the process exits.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde::ser::{SerializeMap, Serializer as _};
use tracing::{Event, Subscriber};
use tracing_serde::fields::AsMap;
use tracing_serde::AsSerde;
use tracing_subscriber::fmt::format::{Format, Json, JsonFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent};
use tracing_subscriber::registry::LookupSpan;

use crate::config::LogFormat;

/// How long the writing thread gathers lines after the first one of a batch arrives.
pub(crate) const BATCH_WINDOW: Duration = Duration::from_millis(2);

/// Bytes that may wait for the writing thread before a logging thread waits too.
pub(crate) const MAX_PENDING: usize = 1 << 20;

/// The lines waiting to be written, and the signals between the two sides.
#[derive(Default)]
struct Pending {
    lines: Mutex<Vec<u8>>,
    /// Held from taking a batch until it is written, so that [`flush`] waits for a batch
    /// the writing thread has taken and writes the rest after it, in order.
    writing: Mutex<()>,
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
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
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

/// Writes every line still waiting, after any batch the writing thread is writing (before
/// the process exits).
pub(crate) fn flush() {
    if let Some(pending) = PENDING.get() {
        pending.write_out(&mut Vec::new());
    }
}

/// tracing-subscriber's JSON lines, byte for byte, made faster: the stock formatter feeds
/// `serde_json` through an adaptor that checks UTF-8 on every small piece it writes, which
/// cost the request log line a fifth of a health request's instructions. This one writes
/// the line into a byte buffer and hands it over once. Events inside a span and events
/// forwarded from the `log` crate (which the stock one renames and decorates) go to the
/// stock formatter.
pub(crate) struct JsonLines<T = SystemTime> {
    timer: T,
    stock: Format<Json, T>,
}

impl JsonLines {
    /// With the stock formatter's clock.
    pub(crate) fn new() -> JsonLines {
        JsonLines::with_timer(SystemTime)
    }
}

impl<T: FormatTime + Clone> JsonLines<T> {
    fn with_timer(timer: T) -> JsonLines<T> {
        JsonLines {
            stock: Format::default().json().with_timer(timer.clone()),
            timer,
        }
    }
}

impl<S, T> FormatEvent<S, JsonFields> for JsonLines<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    T: FormatTime,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        let in_span = event.parent().is_some() || ctx.lookup_current().is_some();
        if in_span || meta.fields().field("log.target").is_some() {
            return self.stock.format_event(ctx, writer, event);
        }
        let mut timestamp = String::new();
        self.timer.format_time(&mut Writer::new(&mut timestamp))?;
        let mut line = Vec::with_capacity(256);
        let mut serializer = serde_json::Serializer::new(&mut line);
        let written = (|| {
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("timestamp", &timestamp)?;
            map.serialize_entry("level", &meta.level().as_serde())?;
            map.serialize_entry("fields", &event.field_map())?;
            map.serialize_entry("target", meta.target())?;
            map.end()
        })();
        written.map_err(|_| std::fmt::Error)?;
        writer.write_str(std::str::from_utf8(&line).map_err(|_| std::fmt::Error)?)?;
        writer.write_char('\n')
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
        LogFormat::Json => builder.json().event_format(JsonLines::new()).try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats events as the stock JSON formatter and as [`JsonLines`] would, on a frozen clock.
    #[test]
    fn json_lines_are_the_stock_formatters_bytes() {
        #[derive(Clone)]
        struct Frozen;
        impl FormatTime for Frozen {
            fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
                w.write_str("2026-06-08T12:00:00.000001Z")
            }
        }
        fn lines(fast: bool) -> String {
            let out = Arc::new(Mutex::new(Vec::<u8>::new()));
            let sink = out.clone();
            let make = move || Sink(sink.clone());
            let builder = tracing_subscriber::fmt().json().with_writer(make);
            let emit = || {
                tracing::info!(target: "dfns_mock::request", method = "GET", uri = %"/a?b=\"c\"", status = 200u16, latency_us = 7u64, "answered");
                tracing::warn!(error = ?std::io::Error::other("boom"), flag = true, ratio = 0.5f64, n = -3i64, "a \u{1F600} line\twith\nescapes");
                tracing::error!("no fields");
                let span = tracing::info_span!("outer", key = "value");
                span.in_scope(|| tracing::info!(inner = 1u64, "inside a span"));
            };
            match fast {
                true => tracing::subscriber::with_default(
                    builder.event_format(JsonLines::with_timer(Frozen)).finish(),
                    emit,
                ),
                false => {
                    tracing::subscriber::with_default(builder.with_timer(Frozen).finish(), emit)
                }
            }
            let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
            text
        }
        #[derive(Clone)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (stock, fast) = (lines(false), lines(true));
        assert_eq!(stock.lines().count(), 4, "{stock}");
        assert!(
            stock.contains("\"spans\""),
            "the span case is covered: {stock}"
        );
        assert_eq!(fast, stock);
    }

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
