//! What the guest test tools in src/bin/ share: the command line (options
//! and one DEVICE operand), failures with their exit codes, the device open,
//! the ready file that tells the test a tool is in place, and poll().

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::slice;

/// Exit code for a bad command line.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when DEVICE cannot be opened.
pub const EXIT_OPEN: i32 = 3;

/// Why a tool stops, with the exit code it maps to.
pub struct Failure(pub i32, pub String);

impl Failure {
    /// The system call `what` just failed; its errno says why.
    pub fn last_os_error(exit_code: i32, what: &str) -> Self {
        Failure(exit_code, format!("{what}: {}", io::Error::last_os_error()))
    }
}

/// Runs a tool and exits: `parse` reads the arguments after the program
/// name (`Ok(None)` asks for `usage`), `run` does what they ask. Failures go
/// to stderr as `NAME: why`, a bad command line with the usage after it.
pub fn run_tool<T>(
    name: &str,
    usage: &str,
    parse: impl FnOnce(&[String]) -> Result<Option<T>, String>,
    run: impl FnOnce(&T) -> Result<(), Failure>,
) -> ! {
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let code = match args
        .map_err(|a| format!("argument {a:?} is not valid UTF-8"))
        .and_then(|a| parse(&a))
    {
        Ok(None) => {
            println!("{usage}");
            0
        }
        Ok(Some(opts)) => match run(&opts) {
            Ok(()) => 0,
            Err(Failure(code, msg)) => {
                eprintln!("{name}: {msg}");
                code
            }
        },
        Err(msg) => {
            eprintln!("{name}: {msg}\n{usage}");
            EXIT_USAGE
        }
    };
    // exit() skips the destructors, so nothing else flushes what is buffered.
    let _ = io::stdout().flush();
    std::process::exit(code);
}

/// Walks a command line of options and one DEVICE operand, in any order.
pub struct CommandLine<'a> {
    args: slice::Iter<'a, String>,
    device: Option<PathBuf>,
}

impl<'a> CommandLine<'a> {
    /// Walks `args`, the arguments after the program name.
    pub fn new(args: &'a [String]) -> Self {
        CommandLine {
            args: args.iter(),
            device: None,
        }
    }

    /// The next option (anything starting with `-`), taking the operands
    /// before it as DEVICE; `None` at the end of the line.
    pub fn next_option(&mut self) -> Result<Option<&'a str>, String> {
        for arg in self.args.by_ref() {
            if arg.starts_with('-') {
                return Ok(Some(arg));
            }
            set_once(&mut self.device, "DEVICE", arg)?;
        }
        Ok(None)
    }

    /// The argument after `option`, its value; `needs` says what that should
    /// be when it is missing ("a value", "a file name").
    pub fn value(&mut self, option: &str, needs: &str) -> Result<&'a str, String> {
        self.args
            .next()
            .map(String::as_str)
            .ok_or(format!("{option} needs {needs}"))
    }

    /// The DEVICE operand, once `next_option` has walked the whole line.
    pub fn device(&mut self) -> Result<PathBuf, String> {
        self.device.take().ok_or("no DEVICE given".into())
    }
}

/// Stores `value` for `name`, which the command line may give only once.
pub fn set_once(slot: &mut Option<PathBuf>, name: &str, value: &str) -> Result<(), String> {
    match slot.replace(PathBuf::from(value)) {
        Some(_) => Err(format!("{name} given twice")),
        None => Ok(()),
    }
}

/// The value of `option`, which the command line must give.
pub fn required(slot: Option<PathBuf>, option: &str) -> Result<PathBuf, String> {
    slot.ok_or(format!("{option} is required"))
}

/// The error for an option the tool does not know.
pub fn unknown_option(option: &str) -> String {
    format!("unknown option {option}")
}

/// Opens `device` read/write with `flags` (O_CLOEXEC and the like) added.
pub fn open_device(device: &Path, flags: libc::c_int) -> Result<File, Failure> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(flags)
        .open(device)
        .map_err(|e| Failure(EXIT_OPEN, format!("cannot open {}: {e}", device.display())))
}

fn ready_file_failed(path: &Path, exit_code: i32, e: io::Error) -> Failure {
    let msg = format!("cannot create ready file {}: {e}", path.display());
    Failure(exit_code, msg)
}

/// Removes the ready file an earlier run left: it would announce this run
/// before it is in place. A failure exits with `exit_code`.
pub fn remove_ready_file(path: &Path, exit_code: i32) -> Result<(), Failure> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(ready_file_failed(path, exit_code, e)),
        _ => Ok(()),
    }
}

/// Creates the (empty) ready file that tells the test the tool is in place.
/// A failure exits with `exit_code`.
pub fn create_ready_file(path: &Path, exit_code: i32) -> Result<(), Failure> {
    File::create(path)
        .map(drop)
        .map_err(|e| ready_file_failed(path, exit_code, e))
}

/// poll() on `file` for `events` for at most `timeout_ms` (-1: no limit),
/// again when a signal interrupts it; its revents, 0 on a timeout.
pub fn poll(file: &File, events: libc::c_short, timeout_ms: i32) -> io::Result<libc::c_short> {
    let mut pfd = libc::pollfd {
        fd: file.as_raw_fd(),
        events,
        revents: 0,
    };
    loop {
        // SAFETY: `pfd` is a valid array of one pollfd for the whole call.
        match unsafe { libc::poll(&mut pfd, 1, timeout_ms) } {
            n if n >= 0 => return Ok(pfd.revents),
            _ if io::Error::last_os_error().kind() == ErrorKind::Interrupted => {}
            _ => return Err(io::Error::last_os_error()),
        }
    }
}

/// `POLLIN|POLLERR`-style names of the bits in `revents`; bits without a
/// name are shown in hex, no bits as `0`.
pub fn revents_names(revents: libc::c_short) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            revents_names(libc::POLLOUT | libc::POLLERR),
            "POLLOUT|POLLERR"
        );
        assert_eq!(revents_names(0), "0");
        assert_eq!(revents_names(libc::POLLOUT | 0x4000), "POLLOUT|0x4000");
    }
}
