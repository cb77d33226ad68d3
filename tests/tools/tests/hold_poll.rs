//! The binary end to end, over a FIFO standing in for the device: ready file,
//! the revents line, waiting for the release file, exit codes.

mod common;

use common::{mkfifo, wait_for, Scratch};
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_hold_poll");

#[test]
fn holds_until_released() {
    let dir = Scratch::new("hold");
    let (fifo, ready, release) = (
        dir.0.join("fifo"),
        dir.0.join("ready"),
        dir.0.join("release"),
    );
    mkfifo(&fifo);
    fs::write(&ready, "left over").unwrap();
    let mut child = Command::new(BIN)
        .arg(&fifo)
        .arg("--ready")
        .arg(&ready)
        .arg("--release")
        .arg(&release)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The old ready file is replaced by an empty one once the poller is set up.
    wait_for("the ready file", || {
        fs::metadata(&ready).is_ok_and(|m| m.len() == 0)
    });

    // Data makes the poll return POLLIN.
    OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap()
        .write_all(b"x")
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "revents POLLIN\n");

    // It still holds the device until the release file appears.
    sleep(Duration::from_millis(100));
    assert!(child.try_wait().unwrap().is_none(), "exited before release");
    fs::write(&release, "").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn exit_codes() {
    let dir = Scratch::new("codes");
    let ready = dir.0.join("ready");
    let run = |args: &[&str]| Command::new(BIN).args(args).output().unwrap();

    let out = run(&[
        "/nonexistent/device",
        "--ready",
        ready.to_str().unwrap(),
        "--release",
        "/x",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent/device"));
    assert!(
        !ready.exists(),
        "ready file created although the open failed"
    );

    // Regular files and /dev/null do not support epoll (EPERM).
    let out = run(&[
        "/dev/null",
        "--ready",
        ready.to_str().unwrap(),
        "--release",
        "/x",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("epoll_ctl(EPOLL_CTL_ADD)"));

    let out = run(&["/dev/null", "--ready"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: hold_poll"));

    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: hold_poll DEVICE"));
}
