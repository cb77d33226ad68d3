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

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

const EXIT_USAGE: i32 = 2;
const EXIT_OPEN: i32 = 3;
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
    let (mut device, mut ready, mut release) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (slot, name, value) = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--ready" | "--release" => {
                let value = it.next().ok_or(format!("{arg} needs a file name"))?;
                let slot = if arg == "--ready" {
                    &mut ready
                } else {
                    &mut release
                };
                (slot, arg.as_str(), value)
            }
            opt if opt.starts_with('-') => return Err(format!("unknown option {opt}")),
            _ => (&mut device, "DEVICE", arg),
        };
        if slot.replace(PathBuf::from(value)).is_some() {
            return Err(format!("{name} given twice"));
        }
    }
    Ok(Some(Options {
        device: device.ok_or("no DEVICE given")?,
        ready: ready.ok_or("--ready is required")?,
        release: release.ok_or("--release is required")?,
    }))
}

/// `POLLIN|POLLERR`-style names of the bits in `revents`; bits without a
/// name are shown in hex, no bits as `0`.
fn revents_names(revents: libc::c_short) -> String {
    const NAMES: [(libc::c_short, &str); 10] = [
        (libc::POLLIN, "POLLIN"),
        (libc::POLLPRI, "POLLPRI"),
        (libc::POLLOUT, "POLLOUT"),
        (libc::POLLERR, "POLLERR"),
        (libc::POLLHUP, "POLLHUP"),
        (libc::POLLNVAL, "POLLNVAL"),
        (libc::POLLRDNORM, "POLLRDNORM"),
        (libc::POLLRDBAND, "POLLRDBAND"),
        (libc::POLLWRNORM, "POLLWRNORM"),
        (libc::POLLWRBAND, "POLLWRBAND"),
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut rest = revents;
    for (bit, name) in NAMES {
        if revents & bit != 0 {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("{:#x}", rest as u16));
    }
    if parts.is_empty() {
        parts.push("0".to_string());
    }
    parts.join("|")
}

/// A failed system call, with the exit code it maps to.
struct Failure(i32, String);

fn syscall_failed(what: &str) -> Failure {
    Failure(EXIT_POLL, format!("{what}: {}", io::Error::last_os_error()))
}

/// An epoll instance with `file` registered for EPOLLIN|EPOLLOUT.
fn register_epoll(file: &File) -> Result<OwnedFd, Failure> {
    // SAFETY: epoll_create1() takes no pointers; a non-negative result is a
    // new descriptor that nothing else owns.
    let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if epfd < 0 {
        return Err(syscall_failed("epoll_create1"));
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
        return Err(syscall_failed("epoll_ctl(EPOLL_CTL_ADD)"));
    }
    Ok(ep)
}

/// Blocks in poll() for POLLIN on `file` until it returns; its revents.
fn poll_once(file: &File) -> Result<libc::c_short, Failure> {
    let mut pfd = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: `pfd` is a valid array of one pollfd for the whole call.
        let n = unsafe { libc::poll(&mut pfd, 1, -1) };
        if n > 0 {
            return Ok(pfd.revents);
        }
        if n < 0 && io::Error::last_os_error().kind() != ErrorKind::Interrupted {
            return Err(syscall_failed("poll"));
        }
    }
}

fn run(opts: &Options) -> Result<(), Failure> {
    let ready_failed = |e: io::Error| {
        let msg = format!("cannot create ready file {}: {e}", opts.ready.display());
        Failure(EXIT_READY_FILE, msg)
    };
    // An old ready file would announce this run before it is registered.
    if let Err(e) = fs::remove_file(&opts.ready) {
        if e.kind() != ErrorKind::NotFound {
            return Err(ready_failed(e));
        }
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(&opts.device)
        .map_err(|e| {
            Failure(
                EXIT_OPEN,
                format!("cannot open {}: {e}", opts.device.display()),
            )
        })?;
    // The epoll entry stays queued on the device's wait queues until the
    // close below; poll()'s own entries leave them when it returns.
    let ep = register_epoll(&file)?;
    File::create(&opts.ready).map_err(ready_failed)?;

    let revents = poll_once(&file)?;
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
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect()
    {
        Ok(args) => args,
        Err(a) => {
            eprintln!("hold_poll: argument {a:?} is not valid UTF-8\n{USAGE}");
            std::process::exit(EXIT_USAGE);
        }
    };
    let code = match parse(&args) {
        Ok(None) => {
            println!("{USAGE}");
            0
        }
        Ok(Some(opts)) => match run(&opts) {
            Ok(()) => 0,
            Err(Failure(code, msg)) => {
                eprintln!("hold_poll: {msg}");
                code
            }
        },
        Err(msg) => {
            eprintln!("hold_poll: {msg}\n{USAGE}");
            EXIT_USAGE
        }
    };
    std::process::exit(code);
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

    #[test]
    fn names_revents() {
        assert_eq!(revents_names(libc::POLLERR), "POLLERR");
        assert_eq!(
            revents_names(libc::POLLIN | libc::POLLERR),
            "POLLIN|POLLERR"
        );
        assert_eq!(
            revents_names(libc::POLLERR | libc::POLLHUP),
            "POLLERR|POLLHUP"
        );
        assert_eq!(revents_names(0), "0");
        assert_eq!(revents_names(libc::POLLOUT | 0x4000), "POLLOUT|0x4000");
    }
}
