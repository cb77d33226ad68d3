//! Command-line options: a small hand-written parser (no dependencies).
//!
//! Accepted forms: `--opt VALUE` and `--opt=VALUE`. Numbers are decimal or
//! hexadecimal with a `0x`/`0X` prefix.

use std::fmt;
use std::path::PathBuf;

use crate::stats::{HIST_BINS, HIST_MAX_BINS};

/// Largest payload one RPMsg buffer carries: 512-byte buffer minus the 16-byte header.
pub const MAX_PAYLOAD: usize = 496;
/// Most messages kept in flight: the Linux side has 64 transmit buffers per vring.
pub const MAX_WINDOW: usize = 64;
/// Longest endpoint name: `char name[32]`, NUL-terminated.
pub const MAX_NAME: usize = 31;
/// Longest accepted per-echo timeout (one day), in milliseconds.
pub const MAX_TIMEOUT_MS: u32 = 86_400_000;

pub const DEFAULT_NAME: &str = "rpmsg_chrdev";
pub const DEFAULT_SRC: u32 = 0x1000;
pub const DEFAULT_DST: u32 = 0x3000;
pub const DEFAULT_COUNT: u32 = 10;
pub const DEFAULT_BENCH_COUNT: u32 = 1000;
pub const DEFAULT_BENCH_SIZE: usize = MAX_PAYLOAD;
pub const DEFAULT_TIMEOUT_MS: u32 = 2000;

/// What each message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// `hello there N!` (the vendor example's text).
    Hello,
    /// A pattern of this many bytes, different for every message.
    Pattern(usize),
}

/// What the run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Send, wait for the echo, compare (the default).
    Echo,
    /// `--bench --oneway`: Linux to remote only, no reads.
    Oneway,
    /// `--bench --sink`: remote to Linux only, no writes.
    Sink,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub count: u32,
    pub payload: Payload,
    pub timeout_ms: u32,
    /// Control device; `None` means the lowest `/dev/rpmsg_ctrlN`.
    pub ctrl: Option<PathBuf>,
    pub name: String,
    pub src: u32,
    pub dst: u32,
    pub quiet: bool,
    pub bench: bool,
    pub window: usize,
    pub mode: Mode,
    /// Created once the endpoint is open, before the first write or read.
    pub ready_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Run(Options),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptError {
    /// Bad command line; the text says what is wrong.
    Usage(String),
    /// `--size` above [`MAX_PAYLOAD`].
    TooLarge(u64),
}

impl fmt::Display for OptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptError::Usage(s) => f.write_str(s),
            OptError::TooLarge(n) => write!(
                f,
                "message too large: --size {n} exceeds the RPMsg payload limit of {MAX_PAYLOAD} bytes"
            ),
        }
    }
}

fn usage(msg: impl Into<String>) -> OptError {
    OptError::Usage(msg.into())
}

/// Parses a number: decimal, or hexadecimal with a `0x` prefix.
pub fn parse_number(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => (h, 16),
        None => (t, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!(
            "'{s}' is not a number (decimal or 0x-prefixed hex)"
        ));
    }
    u64::from_str_radix(digits, radix).map_err(|_| format!("'{s}' is out of range"))
}

fn number_in(opt: &str, s: &str, min: u64, max: u64) -> Result<u64, OptError> {
    let v = parse_number(s).map_err(|e| usage(format!("{opt}: {e}")))?;
    if v < min || v > max {
        return Err(usage(format!("{opt}: {v} is out of range {min}..{max}")));
    }
    Ok(v)
}

/// Options that take a value.
const VALUED: &[&str] = &[
    "--count",
    "--size",
    "--timeout",
    "--ctrl",
    "--name",
    "--src",
    "--dst",
    "--window",
    "--ready-file",
];
/// Options that are plain flags.
const FLAGS: &[&str] = &["--quiet", "--bench", "--oneway", "--sink", "--help"];

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Command, OptError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Command::Help);
    }

    let mut count: Option<u32> = None;
    let mut size: Option<usize> = None;
    let mut timeout_ms = DEFAULT_TIMEOUT_MS;
    let mut ctrl = None;
    let mut name = DEFAULT_NAME.to_string();
    let mut src = DEFAULT_SRC;
    let mut dst = DEFAULT_DST;
    let mut quiet = false;
    let mut bench = false;
    let mut window: Option<usize> = None;
    let mut oneway = false;
    let mut sink = false;
    let mut ready_file = None;

    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (opt, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if FLAGS.contains(&opt.as_str()) {
            if inline.is_some() {
                return Err(usage(format!("{opt} takes no value")));
            }
            match opt.as_str() {
                "--quiet" => quiet = true,
                "--bench" => bench = true,
                "--oneway" => oneway = true,
                "--sink" => sink = true,
                _ => unreachable!("--help is handled above"),
            }
            continue;
        }
        if !VALUED.contains(&opt.as_str()) {
            return Err(if opt.starts_with('-') {
                usage(format!("unknown option '{opt}'"))
            } else {
                usage(format!("unexpected argument '{arg}'"))
            });
        }
        let val = match inline {
            Some(v) => v,
            None => it
                .next()
                .ok_or_else(|| usage(format!("{opt} needs a value")))?,
        };
        match opt.as_str() {
            "--count" => count = Some(number_in(&opt, &val, 1, u32::MAX as u64)? as u32),
            "--size" => {
                let v = parse_number(&val).map_err(|e| usage(format!("{opt}: {e}")))?;
                if v == 0 {
                    return Err(usage(format!("{opt}: must be 1..{MAX_PAYLOAD}")));
                }
                if v > MAX_PAYLOAD as u64 {
                    return Err(OptError::TooLarge(v));
                }
                size = Some(v as usize);
            }
            "--timeout" => timeout_ms = number_in(&opt, &val, 1, MAX_TIMEOUT_MS as u64)? as u32,
            "--ctrl" => {
                if val.is_empty() {
                    return Err(usage("--ctrl: empty path"));
                }
                ctrl = Some(PathBuf::from(val));
            }
            "--name" => {
                if val.is_empty() || val.len() > MAX_NAME || val.contains('\0') {
                    return Err(usage(format!("--name: must be 1..{MAX_NAME} bytes")));
                }
                name = val;
            }
            "--src" => src = number_in(&opt, &val, 0, u32::MAX as u64)? as u32,
            "--dst" => dst = number_in(&opt, &val, 0, u32::MAX as u64)? as u32,
            "--window" => window = Some(number_in(&opt, &val, 1, MAX_WINDOW as u64)? as usize),
            "--ready-file" => {
                if val.is_empty() {
                    return Err(usage("--ready-file: empty path"));
                }
                ready_file = Some(PathBuf::from(val));
            }
            _ => unreachable!("every valued option is matched"),
        }
    }

    let mode = match (oneway, sink) {
        (true, true) => return Err(usage("--oneway and --sink are mutually exclusive")),
        (true, false) => Mode::Oneway,
        (false, true) => Mode::Sink,
        (false, false) => Mode::Echo,
    };
    if mode != Mode::Echo {
        let flag = if mode == Mode::Oneway {
            "--oneway"
        } else {
            "--sink"
        };
        if !bench {
            return Err(usage(format!("{flag} requires --bench")));
        }
        if window.is_some() {
            return Err(usage(format!("--window does not apply to {flag}")));
        }
        if mode == Mode::Sink && size.is_some() {
            return Err(usage(
                "--size does not apply to --sink (the remote chooses the payload)",
            ));
        }
    }

    let count = count.unwrap_or(if bench {
        DEFAULT_BENCH_COUNT
    } else {
        DEFAULT_COUNT
    });
    let payload = match size {
        Some(n) => Payload::Pattern(n),
        None if bench => Payload::Pattern(DEFAULT_BENCH_SIZE),
        None => Payload::Hello,
    };
    Ok(Command::Run(Options {
        count,
        payload,
        timeout_ms,
        ctrl,
        name,
        src,
        dst,
        quiet,
        bench,
        window: window.unwrap_or(1),
        mode,
        ready_file,
    }))
}

/// The `--help` text, exit codes included.
pub fn help_text() -> String {
    format!(
        "\
rpmsg_echo - send messages to an RPMsg remote endpoint and check its echoes

Usage: rpmsg_echo [OPTIONS]

With no options: open the lowest /dev/rpmsg_ctrlN, create endpoint '{DEFAULT_NAME}'
(src {DEFAULT_SRC:#x}, dst {DEFAULT_DST:#x}), send 'hello there N!' for N = 0..9, check each
echo byte for byte, destroy the endpoint and exit 0.

Options:
  --count N       messages to exchange (default {DEFAULT_COUNT}; {DEFAULT_BENCH_COUNT} with --bench)
  --size N        send an N-byte pattern (1..{MAX_PAYLOAD}) instead of the hello text
                  (default with --bench: {DEFAULT_BENCH_SIZE})
  --timeout MS    wait at most MS milliseconds per echo (default {DEFAULT_TIMEOUT_MS})
  --ctrl PATH     control device (default: lowest /dev/rpmsg_ctrlN)
  --name NAME     endpoint name, 1..{MAX_NAME} bytes (default {DEFAULT_NAME})
  --src ADDR      local address (default {DEFAULT_SRC:#x})
  --dst ADDR      remote address (default {DEFAULT_DST:#x})
  --window K      keep K messages in flight, 1..{MAX_WINDOW} (default 1)
  --bench         timed exchange; print one JSON line instead of per-message lines:
                  {{\"payload_bytes\":..,\"messages\":..,\"window\":..,
                   \"rtt_us\":{{\"p50\":..,\"p99\":..,\"max\":..}},\"msgs_per_s\":..,\"mb_per_s\":..,
                   \"rtt_hist_us\":{{\"lo\":L,\"width\":W,\"counts\":[..]}}}}
                  (rtt: send to echo; mb_per_s: echoed payload, one direction, 10^6 B/s;
                  rtt_hist_us: the round trips in linear bins of W whole µs from L,
                  the smallest rounded down to a whole µs: counts[i] holds those with
                  L+i*W <= rtt < L+(i+1)*W; W is the least with which {HIST_BINS} bins
                  reach past p99, and the bins go on to the largest (first and last
                  bin never empty; W grows if that needs more than {HIST_MAX_BINS} bins))
                  This line and those of --oneway and --sink end with
                  ,\"cpu\":{{\"window_us\":..,\"user_hz\":..,\"busy_ticks\":[..]}}: each CPU's
                  busy time (index = CPU number; user+nice+system+irq+softirq+steal
                  in /proc/stat, USER_HZ ticks) from the endpoint open, just before
                  the first write or read, to the last message (left out if
                  /proc/stat cannot be read)
  --oneway        with --bench: Linux to remote only (e.g. --dst 0x3003, an endpoint
                  that consumes without replying); write --count messages of --size
                  bytes as fast as the transmit ring allows (--timeout per message),
                  no reads; print one JSON line:
                  {{\"mode\":\"oneway-tx\",\"payload_bytes\":..,\"messages\":..,
                   \"elapsed_us\":..,\"msgs_per_s\":..,\"mb_per_s\":..}}
                  (elapsed: first write to last write)
  --sink          with --bench: remote to Linux only; read --count messages of any
                  size (--timeout per message, the first included), no writes; print
                  one JSON line (and nothing on stdout before it):
                  {{\"mode\":\"oneway-rx\",\"payload_bytes\":<first message's size>,
                   \"messages\":..,\"elapsed_us\":..,\"msgs_per_s\":..,\"mb_per_s\":..}}
                  (elapsed: first message to last; the rates count the messages
                  and bytes after the first, which starts the clock)
                  --oneway and --sink exclude each other and --window; --sink
                  also excludes --size
  --ready-file PATH  remove PATH at start; create it (empty) once the endpoint is
                  open, before the first write or read, so a script knows when
                  to trigger the remote
  --quiet         no per-message lines
  --help, -h      this text
Numbers are decimal or 0x-prefixed hex; '--opt=VALUE' works too.
SIGINT/SIGTERM: the endpoint is destroyed, then exit 130.

Exit codes:
  0    success: every echo arrived and matched (--oneway: every message was
       sent; --sink: --count messages arrived)
  2    bad command line
  3    no rpmsg control device (load rpmsg_ctrl, rpmsg_char and the transport,
       e.g. rockchip_rpmsg), or it cannot be opened
  4    an ioctl was refused (create or destroy endpoint)
  5    the endpoint device /dev/rpmsgM did not appear or cannot be opened
  6    timeout waiting for an echo (or for a free transmit buffer; --sink:
       for a message)
  7    payload mismatch (message number, byte offset, expected vs got)
  8    message too large (payload > {MAX_PAYLOAD} bytes)
  9    I/O error on the endpoint (read/write/poll failed, endpoint gone),
       or the --ready-file cannot be removed or created
  130  interrupted by SIGINT/SIGTERM (endpoint destroyed first)
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Options {
        match parse(args.iter().copied()) {
            Ok(Command::Run(o)) => o,
            other => panic!("expected options for {args:?}, got {other:?}"),
        }
    }

    fn err(args: &[&str]) -> OptError {
        match parse(args.iter().copied()) {
            Err(e) => e,
            Ok(c) => panic!("expected an error for {args:?}, got {c:?}"),
        }
    }

    fn is_usage(args: &[&str]) -> bool {
        matches!(err(args), OptError::Usage(_))
    }

    #[test]
    fn defaults() {
        let o = run(&[]);
        assert_eq!(
            o,
            Options {
                count: 10,
                payload: Payload::Hello,
                timeout_ms: 2000,
                ctrl: None,
                name: "rpmsg_chrdev".into(),
                src: 0x1000,
                dst: 0x3000,
                quiet: false,
                bench: false,
                window: 1,
                mode: Mode::Echo,
                ready_file: None,
            }
        );
    }

    #[test]
    fn every_option_separate_value() {
        let o = run(&[
            "--count",
            "5",
            "--size",
            "100",
            "--timeout",
            "250",
            "--ctrl",
            "/dev/rpmsg_ctrl3",
            "--name",
            "ep",
            "--src",
            "0x400",
            "--dst",
            "1024",
            "--quiet",
            "--window",
            "8",
        ]);
        assert_eq!(o.count, 5);
        assert_eq!(o.payload, Payload::Pattern(100));
        assert_eq!(o.timeout_ms, 250);
        assert_eq!(o.ctrl, Some(PathBuf::from("/dev/rpmsg_ctrl3")));
        assert_eq!(o.name, "ep");
        assert_eq!(o.src, 0x400);
        assert_eq!(o.dst, 1024);
        assert!(o.quiet);
        assert!(!o.bench);
        assert_eq!(o.window, 8);
    }

    #[test]
    fn every_option_inline_value() {
        let o = run(&[
            "--count=7",
            "--size=0x10",
            "--timeout=0x64",
            "--ctrl=/dev/x",
            "--name=a=b",
            "--src=0XfFfF",
            "--dst=0",
            "--window=64",
        ]);
        assert_eq!(o.count, 7);
        assert_eq!(o.payload, Payload::Pattern(16));
        assert_eq!(o.timeout_ms, 100);
        assert_eq!(o.ctrl, Some(PathBuf::from("/dev/x")));
        assert_eq!(o.name, "a=b");
        assert_eq!(o.src, 0xffff);
        assert_eq!(o.dst, 0);
        assert_eq!(o.window, 64);
    }

    #[test]
    fn bench_defaults_and_overrides() {
        let o = run(&["--bench"]);
        assert!(o.bench);
        assert_eq!(o.count, DEFAULT_BENCH_COUNT);
        assert_eq!(o.payload, Payload::Pattern(MAX_PAYLOAD));
        assert_eq!(o.window, 1);
        let o = run(&["--bench", "--count", "20", "--size", "32", "--window", "4"]);
        assert_eq!(
            (o.count, o.payload, o.window),
            (20, Payload::Pattern(32), 4)
        );
    }

    #[test]
    fn help_wins() {
        assert_eq!(parse(["--help"]), Ok(Command::Help));
        assert_eq!(parse(["-h"]), Ok(Command::Help));
        assert_eq!(parse(["--bogus", "--help"]), Ok(Command::Help));
        assert!(help_text().contains("Exit codes"));
    }

    #[test]
    fn size_range() {
        assert_eq!(run(&["--size", "1"]).payload, Payload::Pattern(1));
        assert_eq!(run(&["--size", "496"]).payload, Payload::Pattern(496));
        assert_eq!(err(&["--size", "497"]), OptError::TooLarge(497));
        assert_eq!(err(&["--size", "0x1000"]), OptError::TooLarge(4096));
        assert!(is_usage(&["--size", "0"]));
        assert!(is_usage(&["--size", "-1"]));
    }

    #[test]
    fn ranges() {
        assert!(is_usage(&["--count", "0"]));
        assert_eq!(run(&["--count", "4294967295"]).count, u32::MAX);
        assert!(is_usage(&["--count", "4294967296"]));
        assert!(is_usage(&["--timeout", "0"]));
        assert_eq!(run(&["--timeout", "86400000"]).timeout_ms, MAX_TIMEOUT_MS);
        assert!(is_usage(&["--timeout", "86400001"]));
        assert!(is_usage(&["--window", "0"]));
        assert!(is_usage(&["--window", "65"]));
        assert_eq!(run(&["--src", "0xffffffff"]).src, u32::MAX);
        assert!(is_usage(&["--src", "0x100000000"]));
        assert!(is_usage(&["--dst", "4294967296"]));
    }

    #[test]
    fn name_limits() {
        let n31 = "n".repeat(31);
        assert_eq!(run(&["--name", &n31]).name, n31);
        assert!(is_usage(&["--name", &"n".repeat(32)]));
        assert!(is_usage(&["--name", ""]));
        assert!(is_usage(&["--name=a\0b"]));
    }

    #[test]
    fn usage_errors() {
        assert!(is_usage(&["--count"]));
        assert!(is_usage(&["--bogus"]));
        assert!(is_usage(&["-q"]));
        assert!(is_usage(&["extra"]));
        assert!(is_usage(&["--quiet=1"]));
        assert!(is_usage(&["--bench=yes"]));
        assert!(is_usage(&["--count", "ten"]));
        assert!(is_usage(&["--count", ""]));
        assert!(is_usage(&["--ctrl", ""]));
        assert!(is_usage(&["--src", "0x"]));
        assert!(is_usage(&["--src", "0xg1"]));
        assert!(is_usage(&["--dst", "+5"]));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("0"), Ok(0));
        assert_eq!(parse_number("12288"), Ok(12288));
        assert_eq!(parse_number("0x3000"), Ok(0x3000));
        assert_eq!(parse_number("0X3000"), Ok(0x3000));
        assert_eq!(parse_number("0xDeadBeef"), Ok(0xdead_beef));
        assert_eq!(parse_number("010"), Ok(10));
        assert!(parse_number("").is_err());
        assert!(parse_number("0x").is_err());
        assert!(parse_number("1.5").is_err());
        assert!(parse_number("-3").is_err());
        assert!(parse_number("99999999999999999999999").is_err());
    }

    #[test]
    fn oneway_and_sink_modes() {
        let o = run(&["--bench", "--oneway", "--dst", "0x3003"]);
        assert_eq!(o.mode, Mode::Oneway);
        assert_eq!(o.dst, 0x3003);
        assert_eq!(o.count, DEFAULT_BENCH_COUNT);
        assert_eq!(o.payload, Payload::Pattern(MAX_PAYLOAD));
        assert_eq!(o.window, 1);
        let o = run(&["--oneway", "--size=64", "--count", "5", "--bench"]);
        assert_eq!(
            (o.mode, o.payload, o.count),
            (Mode::Oneway, Payload::Pattern(64), 5)
        );
        let o = run(&["--sink", "--bench", "--src", "0x1001", "--dst=0x3003"]);
        assert_eq!(o.mode, Mode::Sink);
        assert_eq!((o.src, o.dst), (0x1001, 0x3003));
        assert_eq!(o.count, DEFAULT_BENCH_COUNT);
        assert_eq!(run(&["--bench"]).mode, Mode::Echo);
        assert_eq!(run(&[]).mode, Mode::Echo);
    }

    #[test]
    fn mode_combinations_rejected() {
        // Mutually exclusive.
        assert!(is_usage(&["--bench", "--oneway", "--sink"]));
        assert!(is_usage(&["--sink", "--oneway", "--bench"]));
        // Need --bench.
        assert!(is_usage(&["--oneway"]));
        assert!(is_usage(&["--sink"]));
        assert!(is_usage(&["--oneway", "--quiet"]));
        // --window does not apply, not even its default value.
        assert!(is_usage(&["--bench", "--oneway", "--window", "4"]));
        assert!(is_usage(&["--bench", "--sink", "--window=1"]));
        // The remote chooses the size of what it sends.
        assert!(is_usage(&["--bench", "--sink", "--size", "16"]));
        // Flags take no value.
        assert!(is_usage(&["--bench", "--oneway=1"]));
        assert!(is_usage(&["--bench", "--sink=yes"]));
        // --size limits still apply to --oneway.
        assert_eq!(
            err(&["--bench", "--oneway", "--size", "497"]),
            OptError::TooLarge(497)
        );
        match err(&["--sink"]) {
            OptError::Usage(s) => assert_eq!(s, "--sink requires --bench"),
            other => panic!("{other:?}"),
        }
        match err(&["--bench", "--oneway", "--window", "2"]) {
            OptError::Usage(s) => assert_eq!(s, "--window does not apply to --oneway"),
            other => panic!("{other:?}"),
        }
        match err(&["--bench", "--oneway", "--sink"]) {
            OptError::Usage(s) => assert_eq!(s, "--oneway and --sink are mutually exclusive"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ready_file() {
        assert_eq!(run(&[]).ready_file, None);
        let o = run(&["--bench", "--sink", "--ready-file", "/tmp/r"]);
        assert_eq!(o.ready_file, Some(PathBuf::from("/tmp/r")));
        let o = run(&["--bench", "--oneway", "--ready-file=/run/x=y"]);
        assert_eq!(o.ready_file, Some(PathBuf::from("/run/x=y")));
        // Allowed in echo mode too.
        assert_eq!(
            run(&["--ready-file", "r"]).ready_file,
            Some(PathBuf::from("r"))
        );
        assert!(is_usage(&["--ready-file"]));
        assert!(is_usage(&["--ready-file", ""]));
        assert!(is_usage(&["--ready-file="]));
    }

    #[test]
    fn help_lists_new_options() {
        let h = help_text();
        for needle in [
            "--oneway",
            "--sink",
            "--ready-file PATH",
            "\"mode\":\"oneway-tx\"",
            "\"mode\":\"oneway-rx\"",
            "\"elapsed_us\"",
            "\"rtt_hist_us\":{\"lo\":L,\"width\":W,\"counts\":[..]}",
            "W is the least with which 40 bins",
            "\"cpu\":{\"window_us\":..,\"user_hz\":..,\"busy_ticks\":[..]}",
        ] {
            assert!(h.contains(needle), "--help lacks {needle}");
        }
    }

    #[test]
    fn value_looks_like_option() {
        // A value is taken as given, even if it starts with dashes.
        assert_eq!(run(&["--name", "--x"]).name, "--x");
    }
}
