//! The binary end to end, over a FIFO standing in for /dev/kmsg: a record
//! written later ends the wait, a count of records, a timeout, the end of
//! the log, exit codes.

mod common;

use common::{mkfifo, Scratch};
use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::io::Write;
use std::process::{Command, Output};
use std::thread::{sleep, spawn};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_klog_wait");

/// Runs klog_wait with `args` and waits for it.
fn run(args: &[&OsStr]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// Runs klog_wait on a new FIFO while `writer` writes to it (it gets the
/// FIFO open for writing, and closes it by returning).
fn run_with(
    tag: &str,
    args: &[&str],
    writer: impl FnOnce(&mut std::fs::File) + Send + 'static,
) -> (Output, Duration) {
    let dir = Scratch::new(tag);
    let fifo = dir.0.join("kmsg");
    mkfifo(&fifo);
    let path = fifo.clone();
    // O_RDWR keeps the FIFO open (no EOF) until the writer is done with it.
    let feeder = spawn(move || {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        writer(&mut f);
    });
    let start = Instant::now();
    let mut all: Vec<&OsStr> = vec!["--source".as_ref(), fifo.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    let out = run(&all);
    let took = start.elapsed();
    feeder.join().unwrap();
    (out, took)
}

#[test]
fn returns_once_the_line_is_written() {
    let (out, took) = run_with("late", &["--timeout", "10", "link up"], |f| {
        f.write_all(b"6,1,10,-;boot\n").unwrap();
        sleep(Duration::from_millis(300));
        f.write_all(b"6,2,20,-;remote: link up (first doorbell)\n")
            .unwrap();
        sleep(Duration::from_millis(500));
    });
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        took >= Duration::from_millis(250),
        "returned before the line: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn waits_for_the_count() {
    let (out, _) = run_with("count", &["--count", "2", "--timeout", "2", "chan"], |f| {
        f.write_all(b"6,1,10,-;chan one\n SUBSYSTEM=chan\n")
            .unwrap();
        sleep(Duration::from_millis(200));
        f.write_all(b"6,2,10,-;chan two\n").unwrap();
        sleep(Duration::from_millis(300));
    });
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn times_out_naming_what_it_saw() {
    let (out, took) = run_with(
        "timeout",
        &["--count", "2", "--timeout", "1", "chan"],
        |f| {
            f.write_all(b"6,1,10,-;chan one\n").unwrap();
            sleep(Duration::from_millis(1500));
        },
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 of 2 line(s) with 'chan' after 1 s"),
        "{err}"
    );
}

#[test]
fn fails_when_the_log_ends() {
    let dir = Scratch::new("end");
    let log = dir.0.join("log");
    std::fs::write(&log, b"6,1,10,-;something else\n").unwrap();
    let out = run(&["--source".as_ref(), log.as_os_str(), "link up".as_ref()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let none = dir.0.join("none");
    let out = run(&["--source".as_ref(), none.as_os_str(), "x".as_ref()]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let out = run(&["--count".as_ref(), "0".as_ref(), "x".as_ref()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
