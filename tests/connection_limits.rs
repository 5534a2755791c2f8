//! Connection limits over real sockets: a slowloris head, a never-ending chunked body and an
//! idle keep-alive connection are cut after their (short, configured) timeouts; the
//! connection cap makes extra clients wait; at the file-descriptor limit the accept loop
//! backs off instead of spinning; SIGTERM finishes in-flight requests within the grace period.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{config, Mock};
use dfns_mock::config::{Config, ConnectionsConfig};

fn limited(connections: ConnectionsConfig) -> Config {
    Config {
        connections,
        reload_interval_ms: 0,
        ..config()
    }
}

fn addr(mock: &Mock) -> SocketAddr {
    mock.server.as_ref().unwrap().addr
}

/// Reads until the peer closes; the bytes read, or `None` when `within` passed first.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Some(seen),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(seen),
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slowloris_head_is_cut_after_the_header_timeout() {
    let mock = Mock::start(limited(ConnectionsConfig {
        header_timeout_ms: 300,
        ..Default::default()
    }))
    .await;
    let addr = addr(&mock);
    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /__mock/health HTTP/1.1\r\nHost: localhost\r\n")
            .unwrap();
        let started = Instant::now();
        let writer = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut writer = writer;
            // One header line every 100 ms, never the blank line that ends the head.
            for i in 0.. {
                std::thread::sleep(Duration::from_millis(100));
                if writer
                    .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                    .is_err()
                {
                    break;
                }
            }
        });
        read_until_closed(&mut stream, Duration::from_secs(5)).map(|_| started.elapsed())
    })
    .await
    .unwrap();
    let closed = closed.expect("the connection is closed");
    assert!(closed < Duration::from_millis(1500), "open for {closed:?}");
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_never_ending_chunked_body_is_answered_408_and_cut() {
    let mock = Mock::start(limited(ConnectionsConfig {
        body_timeout_ms: 400,
        ..Default::default()
    }))
    .await;
    let addr = addr(&mock);
    let (answer, elapsed) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(
                b"POST /auth/registration/social HTTP/1.1\r\nHost: localhost\r\n\
                  Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            )
            .unwrap();
        let started = Instant::now();
        let writer = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut writer = writer;
            // A one-byte chunk every 50 ms, forever (until the socket is closed).
            while writer.write_all(b"1\r\n \r\n").is_ok() {
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let seen = read_until_closed(&mut stream, Duration::from_secs(5));
        (seen, started.elapsed())
    })
    .await
    .unwrap();
    let answer = String::from_utf8_lossy(&answer.expect("the connection was closed")).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"status\":408"), "a JSON error: {answer}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let mock = Mock::start(limited(ConnectionsConfig {
        idle_timeout_ms: 300,
        header_timeout_ms: 30_000,
        ..Default::default()
    }))
    .await;
    let addr = addr(&mock);
    let (first, closed_after) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /__mock/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        let answered = Instant::now();
        let rest = read_until_closed(&mut stream, Duration::from_secs(5));
        (
            String::from_utf8_lossy(&buf[..n]).to_string(),
            rest.map(|_| answered.elapsed()),
        )
    })
    .await
    .unwrap();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let closed_after = closed_after.expect("the idle connection is closed");
    assert!(
        closed_after >= Duration::from_millis(250) && closed_after < Duration::from_secs(2),
        "closed after {closed_after:?}"
    );
    mock.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn beyond_the_connection_cap_new_clients_wait_for_a_free_slot() {
    let mock = Mock::start(limited(ConnectionsConfig {
        max: 2,
        ..Default::default()
    }))
    .await;
    let addr = addr(&mock);
    let held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(
                b"GET /__mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let _ = tx.send(answer);
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "a third client is served while two connections are open"
    );
    drop(held);
    let answer = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("served once a slot is free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    mock.stop().await;
}

/// A free port on loopback (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The release-style binary on `port` under `sh -c 'ulimit -n NOFILE; exec …'`, with `env`.
fn spawn_binary(port: u16, nofile: Option<u32>, env: &[(&str, &str)]) -> Child {
    let bin = env!("CARGO_BIN_EXE_dfns-mock");
    let limit = nofile.map_or(String::new(), |n| format!("ulimit -n {n}; "));
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{limit}exec \"$0\" serve --port {port}"))
        .arg(bin)
        .env("DFNS_MOCK_RELOAD_INTERVAL_MS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the binary did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// User plus system CPU time of process `pid`, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

fn health(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    stream
        .write_all(b"GET /__mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn at_the_descriptor_limit_the_accept_loop_backs_off_and_recovers() {
    let port = free_port();
    let mut child = spawn_binary(port, Some(64), &[]);
    assert!(health(port).unwrap().starts_with("HTTP/1.1 200"));
    // More connections than descriptors: the kernel accepts them, `accept` fails with EMFILE.
    let held: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_time(child.id());
    std::thread::sleep(Duration::from_secs(2));
    let spent = cpu_time(child.id()) - before;
    drop(held);
    let recovered = (0..50).find_map(|_| {
        std::thread::sleep(Duration::from_millis(100));
        health(port).filter(|a| a.starts_with("HTTP/1.1 200"))
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        spent < Duration::from_millis(400),
        "{spent:?} of CPU in 2 s at the descriptor limit"
    );
    assert!(
        recovered.is_some(),
        "serves again once descriptors are free"
    );
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn exited_within(child: &mut Child, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if child.try_wait().unwrap().is_some() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn sigterm_lets_an_in_flight_request_finish_and_closes_idle_connections() {
    let port = free_port();
    let mut child = spawn_binary(port, None, &[]);
    let mut idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    idle.write_all(b"GET /__mock/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    assert!(idle.read(&mut buf).unwrap() > 0);
    let mut busy = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = br#"{"socialLoginProviderKind":"Oidc","idToken":"x"}"#;
    busy.write_all(
        format!(
            "POST /auth/registration/social HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    busy.write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    terminate(&child);
    // The idle connection is closed at once; the busy one still gets its answer.
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(2)).is_some(),
        "the idle connection stays open after SIGTERM"
    );
    std::thread::sleep(Duration::from_millis(200));
    busy.write_all(&body[10..]).unwrap();
    let answer = read_until_closed(&mut busy, Duration::from_secs(5)).expect("closed after");
    let answer = String::from_utf8_lossy(&answer).to_string();
    assert!(answer.starts_with("HTTP/1.1 4"), "answered: {answer}");
    assert!(answer.contains("\"error\""), "{answer}");
    let exited = exited_within(&mut child, Duration::from_secs(3));
    if exited.is_none() {
        child.kill().unwrap();
    }
    assert!(exited.is_some(), "still running after its last request");
}

#[test]
fn sigterm_exits_within_the_grace_period_when_a_request_never_finishes() {
    let port = free_port();
    let mut child = spawn_binary(
        port,
        None,
        &[
            ("DFNS_MOCK_CONNECTIONS__SHUTDOWN_GRACE_MS", "500"),
            ("DFNS_MOCK_CONNECTIONS__BODY_TIMEOUT_MS", "60000"),
        ],
    );
    let mut stuck = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stuck
        .write_all(
            b"POST /auth/registration/social HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    terminate(&child);
    let exited = exited_within(&mut child, Duration::from_secs(4));
    if exited.is_none() {
        child.kill().unwrap();
    }
    let exited = exited.expect("exits despite the stuck request");
    assert!(
        exited >= Duration::from_millis(400) && exited < Duration::from_millis(2500),
        "exited after {exited:?}"
    );
}
