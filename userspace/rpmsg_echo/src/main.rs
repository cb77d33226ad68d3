//! rpmsg_echo: create an rpmsg endpoint through `/dev/rpmsg_ctrlN`, send
//! messages to the remote core, check every echo, destroy the endpoint.
//! See `--help` for the options and the exit codes.

mod endpoint;
mod error;
mod exchange;
mod options;
mod signals;
mod stats;
mod uapi;

use std::io::{self, Write};

use endpoint::Endpoint;
use error::Error;
use exchange::{Event, Plan};
use options::{Command, OptError, Options, Payload};

/// Prints one line on stdout; a closed stdout is not worth failing a test for.
fn out(line: &str) {
    let mut o = io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

fn run(opts: &Options) -> Result<(), Error> {
    signals::install().map_err(|e| Error::Io(format!("cannot install signal handlers: {e}")))?;
    let mut ep = Endpoint::create(opts)?;
    let plan = Plan {
        count: opts.count,
        payload: opts.payload,
        window: opts.window,
        timeout_ms: opts.timeout_ms,
    };
    let verbose = !opts.quiet && !opts.bench;
    let kind = opts.payload;
    let result = exchange::run(&mut ep, &plan, |ev| {
        if !verbose {
            return;
        }
        match ev {
            Event::Sent { n, payload } => out(&exchange::sending_line(n, kind, payload)),
            Event::Received { n, payload } => out(&exchange::receiving_line(n, kind, payload)),
        }
    });
    // The endpoint goes away whatever happened, before anything else is reported.
    let destroyed = ep.destroy();
    let report = match (result, destroyed) {
        (Ok(r), Ok(())) => r,
        (Ok(_), Err(d)) => return Err(d),
        (Err(e), Ok(())) => return Err(e),
        (Err(e), Err(d)) => {
            eprintln!("rpmsg_echo: {d}");
            return Err(e);
        }
    };

    if opts.bench {
        let payload_bytes = match opts.payload {
            Payload::Pattern(n) => n,
            Payload::Hello => exchange::hello_text(0).len(),
        };
        let bench = stats::Bench {
            payload_bytes,
            messages: opts.count,
            window: opts.window,
            summary: stats::summarize(&report.rtts),
            elapsed: report.elapsed,
        };
        out(&bench.json());
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
