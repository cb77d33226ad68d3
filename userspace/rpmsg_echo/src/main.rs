//! rpmsg_echo: create an rpmsg endpoint through `/dev/rpmsg_ctrlN`, send
//! messages to the remote core, check every echo, destroy the endpoint
//! (`--bench --oneway` / `--bench --sink`: one direction only, timed).
//! See `--help` for the options and the exit codes.

mod endpoint;
mod error;
mod exchange;
mod options;
mod signals;
mod stats;
mod uapi;

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

use endpoint::Endpoint;
use error::Error;
use exchange::{Event, Plan};
use options::{Command, Mode, OptError, Options, Payload};

/// Prints one line on stdout; a closed stdout is not worth failing a test for.
fn out(line: &str) {
    let mut o = io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

/// What a run measured, before it is reported.
enum Outcome {
    Echo(exchange::Report),
    Oneway(std::time::Duration),
    Sink(exchange::SinkReport),
}

/// Removes a `--ready-file` left by an earlier run, so that its appearance
/// means this run's endpoint is open.
fn clear_ready_file(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io(format!(
            "cannot remove old ready file {}: {e}",
            path.display()
        ))),
    }
}

/// Creates the (empty) `--ready-file`.
fn create_ready_file(path: &Path) -> Result<(), Error> {
    fs::File::create(path)
        .map(drop)
        .map_err(|e| Error::Io(format!("cannot create ready file {}: {e}", path.display())))
}

/// Everything between opening the endpoint and destroying it.
fn measure(ep: &mut Endpoint, opts: &Options) -> Result<Outcome, Error> {
    if let Some(path) = &opts.ready_file {
        create_ready_file(path)?;
    }
    let plan = Plan {
        count: opts.count,
        payload: opts.payload,
        window: opts.window,
        timeout_ms: opts.timeout_ms,
    };
    match opts.mode {
        Mode::Oneway => exchange::send_only(ep, &plan).map(Outcome::Oneway),
        Mode::Sink => exchange::receive_only(ep, opts.count, opts.timeout_ms).map(Outcome::Sink),
        Mode::Echo => {
            let verbose = !opts.quiet && !opts.bench;
            let kind = opts.payload;
            exchange::run(ep, &plan, |ev| {
                if !verbose {
                    return;
                }
                match ev {
                    Event::Sent { n, payload } => out(&exchange::sending_line(n, kind, payload)),
                    Event::Received { n, payload } => {
                        out(&exchange::receiving_line(n, kind, payload))
                    }
                }
            })
            .map(Outcome::Echo)
        }
    }
}

/// Each CPU's busy ticks now, from `/proc/stat` (`None` if unreadable).
fn read_busy_ticks() -> Option<Vec<u64>> {
    fs::read_to_string("/proc/stat")
        .ok()
        .map(|text| stats::busy_ticks(&text))
}

/// The unit of `/proc/stat` (100 if sysconf does not say).
fn user_hz() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz as u64
    } else {
        100
    }
}

fn payload_bytes(kind: Payload) -> usize {
    match kind {
        Payload::Pattern(n) => n,
        Payload::Hello => exchange::hello_text(0).len(),
    }
}

fn run(opts: &Options) -> Result<(), Error> {
    signals::install().map_err(|e| Error::Io(format!("cannot install signal handlers: {e}")))?;
    if let Some(path) = &opts.ready_file {
        clear_ready_file(path)?;
    }
    let mut ep = Endpoint::create(opts)?;
    // The CPUs' busy time over the timed part (`--bench`): the endpoint is
    // open, the process started and the endpoint's teardown not counted.
    let cpu_before = opts.bench.then(read_busy_ticks).flatten();
    let t0 = Instant::now();
    let result = measure(&mut ep, opts);
    let cpu = cpu_before.and_then(|before| {
        let window = t0.elapsed();
        read_busy_ticks().map(|after| stats::CpuBusy::between(&before, &after, window, user_hz()))
    });
    // The endpoint goes away whatever happened, before anything else is reported.
    let destroyed = ep.destroy();
    let outcome = match (result, destroyed) {
        (Ok(r), Ok(())) => r,
        (Ok(_), Err(d)) => return Err(d),
        (Err(e), Ok(())) => return Err(e),
        (Err(e), Err(d)) => {
            eprintln!("rpmsg_echo: {d}");
            return Err(e);
        }
    };

    match outcome {
        Outcome::Echo(report) if opts.bench => {
            let bench = stats::Bench {
                payload_bytes: payload_bytes(opts.payload),
                messages: opts.count,
                window: opts.window,
                summary: stats::summarize(&report.rtts),
                histogram: stats::histogram(&report.rtts),
                elapsed: report.elapsed,
                cpu,
            };
            out(&bench.json());
        }
        Outcome::Echo(_) => {}
        Outcome::Oneway(elapsed) => out(&stats::OneWay {
            cpu,
            ..stats::OneWay::tx(payload_bytes(opts.payload), opts.count, elapsed)
        }
        .json()),
        Outcome::Sink(r) => out(&stats::OneWay {
            cpu,
            ..stats::OneWay::rx(r.first_len, r.messages, r.total_bytes, r.elapsed)
        }
        .json()),
    }
    Ok(())
}

fn main() {
    let mut args = Vec::new();
    for a in std::env::args_os().skip(1) {
        match a.into_string() {
            Ok(s) => args.push(s),
            Err(a) => {
                let e = Error::Usage(format!("argument {a:?} is not valid UTF-8"));
                eprintln!("rpmsg_echo: {e}");
                std::process::exit(e.exit_code());
            }
        }
    }
    let result = match options::parse(args) {
        Ok(Command::Help) => {
            print!("{}", options::help_text());
            Ok(())
        }
        Ok(Command::Run(opts)) => run(&opts),
        Err(OptError::TooLarge(n)) => Err(Error::TooLarge(n)),
        Err(OptError::Usage(s)) => Err(Error::Usage(s)),
    };
    let code = match result {
        Ok(()) => error::EXIT_OK,
        Err(e) => {
            eprintln!("rpmsg_echo: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
