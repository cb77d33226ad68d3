//! The binary end to end, over a FIFO standing in for the endpoint: a full
//! pipe refuses a non-blocking write with EAGAIN and wakes poll(POLLOUT) and
//! a blocked write once a reader (the "remote") drains it.

mod common;

use common::{mkfifo, wait_for, Scratch};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Lines, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tx_fill");

/// Starts tx_fill on a new FIFO with 64-byte messages and waits until both
/// its calls are blocked; the FIFO, tx_fill, its stdout lines, the fill count.
fn start_blocked(dir: &Scratch) -> (PathBuf, Child, Lines<BufReader<ChildStdout>>, usize) {
    let (fifo, ready) = (dir.0.join("fifo"), dir.0.join("ready"));
    mkfifo(&fifo);
    fs::write(&ready, "left over").unwrap();
    let mut child = Command::new(BIN)
        .arg(&fifo)
        .args(["--size", "64", "--ready"])
        .arg(&ready)
        .arg("--unstalled")
        .arg(dir.0.join("unstalled"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the ready file", || {
        fs::metadata(&ready).is_ok_and(|m| m.len() == 0)
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().unwrap().unwrap();
    let filled: usize = next()
        .strip_prefix("filled ")
        .and_then(|l| l.strip_suffix(" errno EAGAIN"))
        .expect("a filled line ending in EAGAIN")
        .parse()
        .unwrap();
    assert!(filled > 0);
    assert_eq!(next(), "full: poll reports 0");
    assert!(next().starts_with("blocked: poll in "));
    assert!(child.try_wait().unwrap().is_none(), "exited while blocked");
    (fifo, child, lines, filled)
}

/// Reads the FIFO until `want` bytes came or 10 s passed.
fn drain(fifo: &Path, want: usize) -> Vec<u8> {
    let mut reader: File = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo)
        .unwrap();
    let (mut got, mut buf) = (Vec::new(), [0; 4096]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.len() < want && Instant::now() < deadline {
        match reader.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => sleep(Duration::from_millis(1)),
            Err(e) => panic!("read: {e}"),
        }
    }
    got
}

#[test]
fn wakes_poll_and_write_once_drained() {
    let dir = Scratch::new("wake");
    let (fifo, mut child, lines, filled) = start_blocked(&dir);
    fs::write(dir.0.join("unstalled"), "").unwrap();
    // The blocked write adds message number `filled` once there is room.
    let got = drain(&fifo, (filled + 1) * 64);
    let want: Vec<u8> = (0..=filled)
        .flat_map(|i| {
            let mut m = format!("tx_fill {i:06} ").into_bytes();
            m.resize(64, b'.');
            m
        })
        .collect();
    assert!(got == want, "nothing lost, nothing reordered");

    assert_eq!(child.wait().unwrap().code(), Some(0));
    let mut rest: Vec<String> = lines.map(Result::unwrap).collect();
    rest.sort();
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert!(
        rest[0].starts_with("blocking write done (64 bytes) after "),
        "{rest:?}"
    );
    assert!(rest[1].starts_with("poll POLLOUT after "), "{rest:?}");
}

#[test]
fn space_before_the_remote_runs_fails() {
    let dir = Scratch::new("early");
    let (fifo, mut child, _lines, _) = start_blocked(&dir);
    // Room appears without the unstalled file: the remote was "stalled".
    drain(&fifo, 64);
    assert_eq!(child.wait().unwrap().code(), Some(5));
}

#[test]
fn exit_codes() {
    let dir = Scratch::new("codes");
    let ready = dir.0.join("ready");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .args(["--ready", ready.to_str().unwrap(), "--unstalled", "/x"])
            .output()
            .unwrap()
    };
    let out = run(&["/nonexistent/device"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent/device"));

    // Writes to /dev/null never run out of room.
    let out = run(&["/dev/null"]);
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4096 messages written, the ring never filled"));
    assert!(
        !ready.exists(),
        "ready file created although the fill failed"
    );

    let out = run(&["/dev/null", "--size", "8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: tx_fill"));

    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: tx_fill DEVICE"));
}
