//! hold_poll: holds a poll() and an epoll registration on a device while the
//! device goes away, and lets go only when the test says so.
//!
//! `hold_poll DEVICE --ready FILE --release FILE` opens DEVICE, registers it
//! in an epoll instance, creates the ready file, blocks in poll(2) for POLLIN
//! until the poll returns, prints `revents NAMES`, waits for the release
//! file, then closes the device and the epoll instance. That last close
//! removes the epoll entry from the wait queues the device's poll queued it
//! on: if the driver freed one of them meanwhile, the kernel touches freed
//! memory there (KASAN reports it).

use rig_tools::{
    create_ready_file, open_device, poll, remove_ready_file, required, revents_names, run_tool,
    set_once, unknown_option, CommandLine, Failure,
};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

const EXIT_POLL: i32 = 4;
const EXIT_READY_FILE: i32 = 5;

const USAGE: &str = "usage: hold_poll DEVICE --ready FILE --release FILE
Opens DEVICE read/write, registers it in an epoll instance (EPOLLIN|EPOLLOUT),
creates the ready FILE (removing an old one first), blocks in poll() for POLLIN
until it returns, prints 'revents NAMES', waits for the release FILE to exist,
then closes DEVICE and the epoll instance.
Exit codes: 0 done, 2 bad command line, 3 DEVICE cannot be opened,
4 an epoll or poll call failed, 5 the ready file cannot be created.";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Options {
    device: PathBuf,
    ready: PathBuf,
    release: PathBuf,
}

/// Parses the arguments after the program name; `Ok(None)` for `--help`.
fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut line = CommandLine::new(args);
    let (mut ready, mut release) = (None, None);
    while let Some(option) = line.next_option()? {
        let slot = match option {
            "-h" | "--help" => return Ok(None),
            "--ready" => &mut ready,
            "--release" => &mut release,
            _ => return Err(unknown_option(option)),
        };
        set_once(slot, option, line.value(option, "a file name")?)?;
    }
    Ok(Some(Options {
        device: line.device()?,
        ready: required(ready, "--ready")?,
        release: required(release, "--release")?,
    }))
}

/// An epoll instance with `file` registered for EPOLLIN|EPOLLOUT.
fn register_epoll(file: &File) -> Result<OwnedFd, Failure> {
    // SAFETY: epoll_create1() takes no pointers; a non-negative result is a
    // new descriptor that nothing else owns.
    let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if epfd < 0 {
        return Err(Failure::last_os_error(EXIT_POLL, "epoll_create1"));
    }
    // SAFETY: `epfd` was just created and is owned by nobody else.
    let ep = unsafe { OwnedFd::from_raw_fd(epfd) };
    let mut ev = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLOUT) as u32,
        u64: 0,
    };
    // SAFETY: both descriptors are open and `ev` is a valid epoll_event that
    // the kernel only reads during the call.
    let ret = unsafe {
        libc::epoll_ctl(
            ep.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            file.as_raw_fd(),
            &mut ev,
        )
    };
    if ret < 0 {
        return Err(Failure::last_os_error(
            EXIT_POLL,
            "epoll_ctl(EPOLL_CTL_ADD)",
        ));
    }
    Ok(ep)
}

fn run(opts: &Options) -> Result<(), Failure> {
    remove_ready_file(&opts.ready, EXIT_READY_FILE)?;
    let file = open_device(&opts.device, libc::O_CLOEXEC)?;
    // The epoll entry stays queued on the device's wait queues until the
    // close below; poll()'s own entries leave them when it returns.
    let ep = register_epoll(&file)?;
    create_ready_file(&opts.ready, EXIT_READY_FILE)?;

    let revents =
        poll(&file, libc::POLLIN, -1).map_err(|e| Failure(EXIT_POLL, format!("poll: {e}")))?;
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "revents {}", revents_names(revents));
    let _ = out.flush();

    while !opts.release.exists() {
        sleep(Duration::from_millis(10));
    }
    // The device's last close drops its epoll entry, then the instance goes.
    drop(file);
    drop(ep);
    Ok(())
}

fn main() {
    run_tool("hold_poll", USAGE, parse, run);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_any_order() {
        let want = || Options {
            device: "/dev/rpmsg0".into(),
            ready: "/tmp/r".into(),
            release: "/tmp/x".into(),
        };
        for line in [
            "/dev/rpmsg0 --ready /tmp/r --release /tmp/x",
            "--release /tmp/x /dev/rpmsg0 --ready /tmp/r",
            "--ready /tmp/r --release /tmp/x /dev/rpmsg0",
        ] {
            assert_eq!(parse(&args(line)), Ok(Some(want())), "{line}");
        }
        assert_eq!(parse(&args("--help")), Ok(None));
        assert_eq!(parse(&args("/dev/x -h")), Ok(None));
    }

    #[test]
    fn rejects_bad_lines() {
        for (line, err) in [
            ("", "no DEVICE given"),
            ("--ready /r --release /x", "no DEVICE given"),
            ("/dev/a --release /x", "--ready is required"),
            ("/dev/a --ready /r", "--release is required"),
            ("/dev/a --ready", "--ready needs a file name"),
            (
                "/dev/a /dev/b --ready /r --release /x",
                "DEVICE given twice",
            ),
            (
                "/dev/a --ready /r --ready /s --release /x",
                "--ready given twice",
            ),
            ("/dev/a --wait /r", "unknown option --wait"),
        ] {
            assert_eq!(parse(&args(line)), Err(err.to_string()), "{line:?}");
        }
    }
}
