//! The floor under the mock's CPU figures: a bare hyper server on the same runtime (tokio,
//! two workers) that answers every request with a fixed 2 KB body after spinning for
//! `WORK_US` microseconds of user time. `bench/floor.sh` drives it with wrk as
//! `bench/throughput.sh` drives the mock, to show what the machine's kernel adds to a
//! request that costs that much (loopback TCP, wake-ups, context switches).
//!
//! Usage: `cargo run --release --example floor -- PORT` (with `WORK_US` in the environment).

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

static BODY: [u8; 2048] = [b'x'; 2048];

#[tokio::main(worker_threads = 2)]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: floor PORT");
    let work = Duration::from_micros(
        std::env::var("WORK_US")
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(0),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let answer = hyper::service::service_fn(move |_: Request<hyper::body::Incoming>| {
                let start = Instant::now();
                while start.elapsed() < work {
                    std::hint::spin_loop();
                }
                async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(&BODY)))) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), answer)
                .await;
        });
    }
}
