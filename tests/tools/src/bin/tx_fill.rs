//! tx_fill: fills an endpoint's transmit ring while the remote takes
//! nothing, then waits for space in poll() and in a blocking write() at once.
//!
//! `tx_fill DEVICE --ready FILE --unstalled FILE [--size N] [--check-echoes]`
//! opens DEVICE non-blocking and writes numbered messages until a write fails
//! (`filled COUNT errno NAME`; rpmsg_char turns virtio_rpmsg_bus's ENOMEM for
//! "no free transmit buffer" into EAGAIN). With the ring full, poll() must not
//! report POLLOUT. Then one thread blocks in poll(POLLOUT) and, once it
//! sleeps, another in a write() without O_NONBLOCK; once both sleep, the
//! ready file appears. The test creates the unstalled file and lets the
//! remote run: both calls must return only after that file exists, the poll
//! with POLLOUT and the write with the whole message. Each return is printed
//! with its time since the start, in the order they happen. rpmsg gives up a
//! blocking write after 15 s: the test must let the remote run before that.

use rig_tools::{
    create_ready_file, open_device, poll, remove_ready_file, required, revents_names, run_tool,
    set_once, unknown_option, CommandLine, Failure,
};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

const EXIT_FILL: i32 = 4;
const EXIT_EARLY: i32 = 5;
const EXIT_POLL: i32 = 6;
const EXIT_WRITE: i32 = 7;
const EXIT_NOT_BLOCKED: i32 = 8;
const EXIT_ECHO: i32 = 9;
const EXIT_READY_FILE: i32 = 10;

const USAGE: &str =
    "usage: tx_fill DEVICE --ready FILE --unstalled FILE [--size N] [--check-echoes]
Opens DEVICE non-blocking, writes numbered N-byte messages (default 64, 16..496)
until a write fails and prints 'filled COUNT errno NAME'. With the ring full,
poll() must not report POLLOUT. Then blocks one thread in poll(POLLOUT) and
another in a blocking write(), creates the ready FILE once both sleep, and
prints 'poll REVENTS after MS ms' and 'blocking write done (N bytes) after
MS ms' as they return; both must return after the unstalled FILE exists.
--check-echoes: then reads COUNT+1 echoes and checks each, in order, printing
'echoes COUNT+1 in order'.
Exit codes: 0 all as described, 2 bad command line, 3 DEVICE cannot be opened,
4 the fill did not end in EAGAIN within 4096 messages or poll reports POLLOUT on
the full ring, 5 poll or write returned before the unstalled file existed,
6 poll failed or returned without POLLOUT, 7 the blocking write failed,
8 poll or write did not go to sleep within 10 s, 9 an echo is missing or wrong,
10 the ready file cannot be created.";

/// Longest rpmsg payload (512-byte buffers less the 16-byte header).
const MAX_SIZE: usize = 496;
/// Shortest message: the number must fit (`payload`).
const MIN_SIZE: usize = 16;
/// Most messages the fill writes before it gives up on the ring filling.
const MAX_FILL: usize = 4096;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Options {
    device: PathBuf,
    ready: PathBuf,
    unstalled: PathBuf,
    size: usize,
    check_echoes: bool,
}

/// Parses the arguments after the program name; `Ok(None)` for `--help`.
fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut line = CommandLine::new(args);
    let (mut ready, mut unstalled) = (None, None);
    let (mut size, mut check_echoes) = (64, false);
    while let Some(option) = line.next_option()? {
        match option {
            "-h" | "--help" => return Ok(None),
            "--ready" => set_once(&mut ready, option, line.value(option, "a value")?)?,
            "--unstalled" => set_once(&mut unstalled, option, line.value(option, "a value")?)?,
            "--size" => {
                let v = line.value(option, "a value")?;
                size = v.parse().unwrap_or(0);
                if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
                    return Err(format!("--size must be {MIN_SIZE}..={MAX_SIZE}, not {v}"));
                }
            }
            "--check-echoes" => check_echoes = true,
            _ => return Err(unknown_option(option)),
        }
    }
    Ok(Some(Options {
        device: line.device()?,
        ready: required(ready, "--ready")?,
        unstalled: required(unstalled, "--unstalled")?,
        size,
        check_echoes,
    }))
}

/// Message `i`: its number in text, then dots up to `size` bytes.
fn payload(i: usize, size: usize) -> Vec<u8> {
    let mut msg = format!("tx_fill {i:06} ").into_bytes();
    msg.resize(size, b'.');
    msg
}

/// The name of an errno a write or poll here can end with.
fn errno_name(errno: i32) -> String {
    match errno {
        libc::EAGAIN => "EAGAIN".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::EPIPE => "EPIPE".into(),
        libc::EINTR => "EINTR".into(),
        libc::EMSGSIZE => "EMSGSIZE".into(),
        // The kernel-internal code rpmsg returns when its 15 s wait expires.
        512 => "ERESTARTSYS".into(),
        n => format!("errno{n}"),
    }
}

/// Writes messages 0, 1, ... until a write fails: how many fit, and the errno.
fn fill(mut file: &File, opts: &Options) -> Result<(usize, i32), Failure> {
    for i in 0..MAX_FILL {
        match file.write(&payload(i, opts.size)) {
            Ok(n) if n == opts.size => {}
            Ok(n) => {
                return Err(Failure(
                    EXIT_FILL,
                    format!("message {i}: short write ({n})"),
                ))
            }
            Err(e) => return Ok((i, e.raw_os_error().unwrap_or(0))),
        }
    }
    let msg = format!("{MAX_FILL} messages written, the ring never filled");
    Err(Failure(EXIT_FILL, msg))
}

/// The calling thread's id, for /proc/self/task.
fn gettid() -> libc::c_long {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

/// Waits up to 10 s until thread `tid` of this process sleeps; returns
/// where (its wchan). The state turns S when a wait begins, before the task
/// has checked the wait's condition and left the CPU; the wchan is "0" until
/// it has.
fn wait_sleeping(tid: libc::c_long, what: &str) -> Result<String, Failure> {
    let task = PathBuf::from(format!("/proc/self/task/{tid}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stat = fs::read_to_string(task.join("stat")).unwrap_or_default();
        let wchan = fs::read_to_string(task.join("wchan")).unwrap_or_default();
        // The state follows the command name, which is in parentheses.
        let state = stat.rsplit_once(") ").and_then(|(_, s)| s.chars().next());
        if state == Some('S') && !matches!(wchan.as_str(), "" | "0") {
            return Ok(wchan);
        }
        if Instant::now() > deadline {
            let msg = format!("{what} never slept (state {state:?}, wchan {wchan:?})");
            return Err(Failure(EXIT_NOT_BLOCKED, msg));
        }
        sleep(Duration::from_millis(1));
    }
}

/// What a blocked call came back with.
enum Outcome {
    Poll(io::Result<libc::c_short>),
    Write(io::Result<usize>),
}

fn run(opts: &Options) -> Result<(), Failure> {
    let start = Instant::now();
    remove_ready_file(&opts.ready, EXIT_READY_FILE)?;
    let file = open_device(&opts.device, libc::O_NONBLOCK | libc::O_CLOEXEC)?;
    let (filled, errno) = fill(&file, opts)?;
    println!("filled {filled} errno {}", errno_name(errno));
    if filled == 0 || errno != libc::EAGAIN {
        return Err(Failure(EXIT_FILL, "the fill must end in EAGAIN".into()));
    }
    let revents = poll(&file, libc::POLLOUT, 0).map_err(|e| Failure(EXIT_POLL, e.to_string()))?;
    if revents & libc::POLLOUT != 0 {
        let msg = format!("the full ring polls {}", revents_names(revents));
        return Err(Failure(EXIT_FILL, msg));
    }
    println!("full: poll reports {}", revents_names(revents));

    let file = Arc::new(file);
    let unstalled: Arc<Path> = opts.unstalled.clone().into();
    let (tx, events) = mpsc::channel();
    // spawn(CALL): runs CALL in a new thread, sends its outcome with the time
    // and whether the remote ran by then; returns the thread's id.
    let spawn = |call: Box<dyn FnOnce(&File) -> Outcome + Send>| {
        let (file, unstalled, tx) = (file.clone(), unstalled.clone(), tx.clone());
        let (tid_tx, tid) = mpsc::channel();
        thread::spawn(move || {
            let _ = tid_tx.send(gettid());
            let outcome = call(&file);
            let _ = tx.send((outcome, start.elapsed(), unstalled.exists()));
        });
        tid.recv().unwrap_or(0)
    };
    let tid = spawn(Box::new(|f| Outcome::Poll(poll(f, libc::POLLOUT, -1))));
    let poll_wchan = wait_sleeping(tid, "poll()")?;
    // The endpoint opens only once; clearing O_NONBLOCK on the open file
    // description makes the next write block (the poll does not care).
    // SAFETY: fcntl on an open descriptor, with integer arguments only.
    let cleared = unsafe {
        let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
        flags >= 0 && libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) == 0
    };
    if !cleared {
        return Err(Failure::last_os_error(EXIT_WRITE, "fcntl"));
    }
    let msg = payload(filled, opts.size);
    let tid = spawn(Box::new(move |mut f| Outcome::Write(f.write(&msg))));
    let write_wchan = wait_sleeping(tid, "write()")?;
    create_ready_file(&opts.ready, EXIT_READY_FILE)?;
    println!("blocked: poll in {poll_wchan}, write in {write_wchan}");

    for (outcome, at, remote_ran) in events.iter().take(2) {
        let ms = at.as_millis();
        let line = match &outcome {
            Outcome::Poll(Ok(r)) => format!("poll {} after {ms} ms", revents_names(*r)),
            Outcome::Poll(Err(e)) => format!("poll failed ({e}) after {ms} ms"),
            Outcome::Write(Ok(n)) => format!("blocking write done ({n} bytes) after {ms} ms"),
            Outcome::Write(Err(e)) => format!(
                "blocking write failed errno {} after {ms} ms",
                errno_name(e.raw_os_error().unwrap_or(0))
            ),
        };
        println!("{line}");
        match outcome {
            _ if !remote_ran => return Err(Failure(EXIT_EARLY, format!("stalled, yet {line}"))),
            Outcome::Poll(Ok(r)) if r & libc::POLLOUT != 0 => {}
            Outcome::Poll(_) => return Err(Failure(EXIT_POLL, line)),
            Outcome::Write(Ok(n)) if n == opts.size => {}
            Outcome::Write(_) => return Err(Failure(EXIT_WRITE, line)),
        }
    }
    if opts.check_echoes {
        check_echoes(&file, filled + 1, opts.size)?;
        println!("echoes {} in order", filled + 1);
    }
    Ok(())
}

/// Reads `count` messages, each within 10 s, and checks they are messages
/// 0..count in order.
fn check_echoes(mut file: &File, count: usize, size: usize) -> Result<(), Failure> {
    let mut buf = vec![0; MAX_SIZE];
    for i in 0..count {
        let fail = |why: String| Failure(EXIT_ECHO, format!("echo {i} of {count}: {why}"));
        match poll(file, libc::POLLIN, 10_000) {
            Ok(r) if r & libc::POLLIN != 0 => {}
            Ok(r) => return Err(fail(format!("poll {}", revents_names(r)))),
            Err(e) => return Err(fail(e.to_string())),
        }
        let n = file.read(&mut buf).map_err(|e| fail(e.to_string()))?;
        if buf[..n] != payload(i, size) {
            let got = String::from_utf8_lossy(&buf[..n.min(14)]).into_owned();
            return Err(fail(format!("got {n} bytes, '{got}...'")));
        }
    }
    Ok(())
}

fn main() {
    run_tool("tx_fill", USAGE, parse, run);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_any_order_with_defaults() {
        let want = |size, check_echoes| Options {
            device: "/dev/rpmsg0".into(),
            ready: "/tmp/r".into(),
            unstalled: "/tmp/u".into(),
            size,
            check_echoes,
        };
        let line = "/dev/rpmsg0 --ready /tmp/r --unstalled /tmp/u";
        assert_eq!(parse(&args(line)), Ok(Some(want(64, false))));
        let line = "--size 496 --unstalled /tmp/u --check-echoes --ready /tmp/r /dev/rpmsg0";
        assert_eq!(parse(&args(line)), Ok(Some(want(496, true))));
        assert_eq!(parse(&args("/dev/x -h")), Ok(None));
    }

    #[test]
    fn rejects_bad_lines() {
        for (line, err) in [
            ("--ready /r --unstalled /u", "no DEVICE given"),
            ("/d --unstalled /u", "--ready is required"),
            ("/d --ready /r", "--unstalled is required"),
            ("/d --ready", "--ready needs a value"),
            ("/d /e --ready /r --unstalled /u", "DEVICE given twice"),
            ("/d --ready /r --ready /s", "--ready given twice"),
            ("/d --size 15", "--size must be 16..=496, not 15"),
            ("/d --size 497", "--size must be 16..=496, not 497"),
            ("/d --size x", "--size must be 16..=496, not x"),
            ("/d --release /r", "unknown option --release"),
        ] {
            assert_eq!(parse(&args(line)), Err(err.to_string()), "{line:?}");
        }
    }

    #[test]
    fn payloads_are_numbered_and_sized() {
        assert_eq!(payload(42, 16), b"tx_fill 000042 .");
        assert_eq!(payload(7, 496).len(), 496);
        assert_ne!(payload(1, 64), payload(2, 64));
    }

    /// Two ends of a SOCK_SEQPACKET pair: messages keep their boundaries,
    /// as on an endpoint device.
    fn seqpacket_pair() -> (File, File) {
        use std::os::fd::FromRawFd;
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors socketpair() writes.
        let ret =
            unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0, fds.as_mut_ptr()) };
        assert_eq!(ret, 0);
        // SAFETY: both descriptors were just created and are owned by nobody else.
        unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
    }

    #[test]
    fn checks_echoes_in_order() {
        let (mut remote, file) = seqpacket_pair();
        for i in [0, 1, 2] {
            remote.write_all(&payload(i, 32)).unwrap();
        }
        assert!(check_echoes(&file, 3, 32).is_ok());

        for i in [0, 2] {
            remote.write_all(&payload(i, 32)).unwrap();
        }
        let Err(Failure(code, msg)) = check_echoes(&file, 2, 32) else {
            panic!("a missing echo passed")
        };
        assert_eq!(code, EXIT_ECHO);
        assert_eq!(msg, "echo 1 of 2: got 32 bytes, 'tx_fill 000002...'");
    }

    #[test]
    fn names_errnos() {
        assert_eq!(errno_name(libc::EAGAIN), "EAGAIN");
        assert_eq!(errno_name(libc::ENOMEM), "ENOMEM");
        assert_eq!(errno_name(512), "ERESTARTSYS");
        assert_eq!(errno_name(999), "errno999");
    }
}
