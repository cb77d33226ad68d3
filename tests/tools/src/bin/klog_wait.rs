//! klog_wait: blocks until the kernel log has a line containing a text, so
//! that a scenario waiting for the driver or the remote sleeps instead of
//! polling `dmesg` (a fork and exec costs ~40 ms of the debug guest's one
//! CPU, which the work being waited for needs).
//!
//! `klog_wait [--count N] [--timeout SECONDS] TEXT` reads the kernel log
//! from `/dev/kmsg`, starting where `dmesg -c` last cleared it (as `dmesg`
//! shows it), and exits 0 once N lines (default 1) contain TEXT, a fixed
//! string; 1 if that has not happened after SECONDS (default 10).

use rig_tools::{poll, run_tool, unknown_option, Failure, EXIT_OPEN};
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const EXIT_TIMEOUT: i32 = 1;
const EXIT_READ: i32 = 4;

const USAGE: &str = "usage: klog_wait [--count N] [--timeout SECONDS] [--source FILE] TEXT
Reads the kernel log (/dev/kmsg, from where 'dmesg -c' last cleared it) until
N lines (default 1) contain TEXT, a fixed string; waits at most SECONDS
(default 10). --source reads records in /dev/kmsg's format from FILE instead.
Exit codes: 0 found, 1 not found in time (or FILE ended), 2 bad command line,
3 the log cannot be opened, 4 reading it failed.";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Options {
    text: String,
    count: u32,
    timeout: Duration,
    source: PathBuf,
}

/// Parses the arguments after the program name; `Ok(None)` for `--help`.
fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let (mut text, mut count, mut timeout, mut source) = (None, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |option: &str| {
            args.next()
                .ok_or(format!("{option} needs a value"))
                .map(String::as_str)
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--" => {
                let rest: Vec<&String> = args.by_ref().collect();
                match rest.as_slice() {
                    [t] if text.is_none() => text = Some(t.to_string()),
                    _ => return Err("one TEXT after --".into()),
                }
            }
            "--count" => count = Some(positive(value("--count")?, "--count")?),
            "--timeout" => timeout = Some(positive(value("--timeout")?, "--timeout")?),
            "--source" => source = Some(PathBuf::from(value("--source")?)),
            option if option.starts_with('-') => return Err(unknown_option(option)),
            t if text.is_none() => text = Some(t.to_string()),
            _ => return Err("TEXT given twice".into()),
        }
    }
    let text = text.ok_or("no TEXT given")?;
    if text.is_empty() {
        return Err("TEXT is empty".into());
    }
    Ok(Some(Options {
        text,
        count: count.unwrap_or(1),
        timeout: Duration::from_secs(timeout.unwrap_or(10).into()),
        source: source.unwrap_or_else(|| PathBuf::from("/dev/kmsg")),
    }))
}

fn positive(value: &str, option: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{option} needs a positive number, not '{value}'")),
    }
}

/// The text of one `/dev/kmsg` line, `PREFIX;MESSAGE`, with the kernel's
/// `\xNN` escapes undone: what `dmesg` shows of it. `None` for a dictionary
/// line (` KEY=VALUE`) or a line without a prefix.
fn record_text(line: &[u8]) -> Option<Vec<u8>> {
    if line.first() == Some(&b' ') {
        return None;
    }
    let start = line.iter().position(|b| *b == b';')? + 1;
    let message = &line[start..];
    let mut text = Vec::with_capacity(message.len());
    let mut i = 0;
    while i < message.len() {
        let escaped = message
            .get(i..i + 4)
            .filter(|s| s.starts_with(b"\\x"))
            .and_then(|s| std::str::from_utf8(&s[2..]).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                text.push(byte);
                i += 4;
            }
            None => {
                text.push(message[i]);
                i += 1;
            }
        }
    }
    Some(text)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Counts the records that contain a text, from bytes read in any pieces.
struct Matcher {
    needle: Vec<u8>,
    pending: Vec<u8>,
    found: u32,
}

impl Matcher {
    fn new(text: &str) -> Self {
        Matcher {
            needle: text.as_bytes().to_vec(),
            pending: Vec::new(),
            found: 0,
        }
    }

    /// Takes the next bytes of the log; returns the matches so far. A line
    /// counts once it is complete.
    fn feed(&mut self, bytes: &[u8]) -> u32 {
        self.pending.extend_from_slice(bytes);
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            if record_text(&line[..end]).is_some_and(|t| contains(&t, &self.needle)) {
                self.found += 1;
            }
        }
        self.found
    }
}

fn open_log(source: &PathBuf) -> Result<File, Failure> {
    let log = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(source)
        .map_err(|e| Failure(EXIT_OPEN, format!("cannot open {}: {e}", source.display())))?;
    // SEEK_DATA on /dev/kmsg moves to the first record after the last
    // 'dmesg -c'; a FIFO cannot seek (ESPIPE) and is read as it comes.
    // SAFETY: `log` is an open descriptor for the whole call.
    if unsafe { libc::lseek(log.as_raw_fd(), 0, libc::SEEK_DATA) } < 0
        && std::io::Error::last_os_error().raw_os_error() != Some(libc::ESPIPE)
    {
        return Err(Failure::last_os_error(EXIT_READ, "lseek(SEEK_DATA)"));
    }
    Ok(log)
}

fn wait(opts: &Options) -> Result<(), Failure> {
    let mut log = open_log(&opts.source)?;
    let deadline = Instant::now() + opts.timeout;
    let mut matcher = Matcher::new(&opts.text);
    // /dev/kmsg hands out one record per read; 16 KiB holds the longest.
    let mut buf = vec![0u8; 16 * 1024];
    let not_found = |found: u32, why: &str| {
        let msg = format!(
            "{found} of {} line(s) with '{}' {why}",
            opts.count, opts.text
        );
        Failure(EXIT_TIMEOUT, msg)
    };
    loop {
        match log.read(&mut buf) {
            Ok(0) => return Err(not_found(matcher.found, "before the log ended")),
            Ok(n) => {
                if matcher.feed(&buf[..n]) >= opts.count {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    let secs = opts.timeout.as_secs();
                    return Err(not_found(matcher.found, &format!("after {secs} s")));
                }
                let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX).max(1);
                poll(&log, libc::POLLIN, ms)
                    .map_err(|e| Failure(EXIT_READ, format!("poll: {e}")))?;
            }
            // Records overwritten before this reader got to them (EPIPE)
            // are gone; it reads on from the oldest one left.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure(EXIT_READ, format!("read: {e}"))),
        }
    }
}

fn main() {
    run_tool("klog_wait", USAGE, parse, wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_command_line() {
        let o = parse(&args(&["--count", "2", "--timeout", "5", "link up"]))
            .unwrap()
            .unwrap();
        assert_eq!(o.text, "link up");
        assert_eq!(o.count, 2);
        assert_eq!(o.timeout, Duration::from_secs(5));
        assert_eq!(o.source, PathBuf::from("/dev/kmsg"));
        let o = parse(&args(&["--", "-x-"])).unwrap().unwrap();
        assert_eq!((o.text.as_str(), o.count), ("-x-", 1));
        assert_eq!(parse(&args(&["--help"])).unwrap(), None);
        for bad in [
            &["--count", "0", "t"][..],
            &["--timeout", "x", "t"],
            &["--count"],
            &["a", "b"],
            &[],
            &[""],
            &["--bogus", "t"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reads_the_message_of_a_record() {
        assert_eq!(
            record_text(b"6,1234,5678901,-;rpmsg host is online").unwrap(),
            b"rpmsg host is online"
        );
        // Later semicolons belong to the message; escapes are undone.
        assert_eq!(
            record_text(b"4,1,2,-,caller=T1;a;b \\x5c \\x0a end").unwrap(),
            b"a;b \\ \n end"
        );
        // An incomplete escape stays as it is.
        assert_eq!(record_text(b"6,1,2,-;x\\x4").unwrap(), b"x\\x4");
        assert_eq!(record_text(b" DEVICE=+platform:x"), None);
        assert_eq!(record_text(b"no prefix"), None);
    }

    #[test]
    fn counts_whole_records_fed_in_pieces() {
        let mut m = Matcher::new("creating channel");
        assert_eq!(m.feed(b"6,1,2,-;virtio_rpmsg_bus: creating chan"), 0);
        assert_eq!(m.feed(b"nel rpmsg_chrdev\n SUBSYSTEM=virtio\n"), 1);
        // Only the message counts, not the dictionary.
        assert_eq!(m.feed(b"6,2,3,-;other\n SUBSYSTEM=creating channel\n"), 1);
        assert_eq!(m.feed(b"6,3,4,-;creating channel again\n"), 2);
    }
}
