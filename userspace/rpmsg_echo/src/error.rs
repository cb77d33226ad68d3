//! Every way a run can fail, with its one-line message and its exit code.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::exchange::Mismatch;
use crate::options::MAX_PAYLOAD;

pub const EXIT_OK: i32 = 0;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_NO_CTRL: i32 = 3;
pub const EXIT_IOCTL: i32 = 4;
pub const EXIT_NO_EPTDEV: i32 = 5;
pub const EXIT_TIMEOUT: i32 = 6;
pub const EXIT_MISMATCH: i32 = 7;
pub const EXIT_TOO_LARGE: i32 = 8;
pub const EXIT_IO: i32 = 9;
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug)]
pub enum Error {
    Usage(String),
    /// No control device was found (`None`), or the given one cannot be opened.
    NoCtrl {
        path: Option<PathBuf>,
        err: Option<io::Error>,
    },
    Ioctl {
        what: &'static str,
        path: PathBuf,
        err: io::Error,
    },
    EptDev(String),
    Timeout {
        msg: u32,
        ms: u32,
        sending: bool,
    },
    /// `--sink`: message `msg` did not arrive within `ms`.
    NoMessage {
        msg: u32,
        ms: u32,
    },
    Mismatch {
        msg: u32,
        m: Mismatch,
    },
    TooLarge(u64),
    Io(String),
    Interrupted,
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::NoCtrl { .. } => EXIT_NO_CTRL,
            Error::Ioctl { .. } => EXIT_IOCTL,
            Error::EptDev(_) => EXIT_NO_EPTDEV,
            Error::Timeout { .. } | Error::NoMessage { .. } => EXIT_TIMEOUT,
            Error::Mismatch { .. } => EXIT_MISMATCH,
            Error::TooLarge(_) => EXIT_TOO_LARGE,
            Error::Io(_) => EXIT_IO,
            Error::Interrupted => EXIT_INTERRUPTED,
        }
    }
}

const LOAD_HINT: &str =
    "load rpmsg_ctrl and rpmsg_char and the transport module (e.g. rockchip_rpmsg), and check that the remote core is up";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(s) => write!(f, "{s} (see --help)"),
            Error::NoCtrl { path: None, .. } => {
                write!(f, "no rpmsg control device /dev/rpmsg_ctrlN found: {LOAD_HINT}")
            }
            Error::NoCtrl { path: Some(p), err: Some(e) } if e.kind() == io::ErrorKind::NotFound => {
                write!(f, "control device {} does not exist: {LOAD_HINT}", p.display())
            }
            Error::NoCtrl { path: Some(p), err } => match err {
                Some(e) => write!(f, "cannot open control device {}: {e}", p.display()),
                None => write!(f, "cannot use control device {}", p.display()),
            },
            Error::Ioctl { what, path, err } => write!(f, "{what} refused by {}: {err}", path.display()),
            Error::EptDev(s) => f.write_str(s),
            Error::Timeout { msg, ms, sending: false } => {
                write!(f, "timeout: no echo for message #{msg} after {ms} ms")
            }
            Error::Timeout { msg, ms, sending: true } => {
                write!(f, "timeout: could not send message #{msg} within {ms} ms (no free transmit buffer)")
            }
            Error::NoMessage { msg, ms } => {
                write!(f, "timeout: message #{msg} did not arrive within {ms} ms")
            }
            Error::Mismatch { msg, m } => write!(f, "payload mismatch in message #{msg}: {m}"),
            Error::TooLarge(n) => write!(
                f,
                "message too large: {n} bytes exceeds the RPMsg payload limit of {MAX_PAYLOAD} bytes"
            ),
            Error::Io(s) => f.write_str(s),
            Error::Interrupted => f.write_str("interrupted by signal"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let errs = [
            Error::Usage(String::new()),
            Error::NoCtrl {
                path: None,
                err: None,
            },
            Error::Ioctl {
                what: "x",
                path: PathBuf::new(),
                err: io::Error::from_raw_os_error(22),
            },
            Error::EptDev(String::new()),
            Error::Timeout {
                msg: 0,
                ms: 1,
                sending: false,
            },
            Error::Mismatch {
                msg: 0,
                m: Mismatch {
                    offset: 0,
                    expected: None,
                    got: None,
                    expected_len: 0,
                    got_len: 0,
                },
            },
            Error::TooLarge(497),
            Error::Io(String::new()),
            Error::Interrupted,
        ];
        let mut codes: Vec<i32> = errs.iter().map(Error::exit_code).collect();
        assert!(codes.iter().all(|&c| c != EXIT_OK));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), errs.len());
    }

    #[test]
    fn messages() {
        let e = Error::NoCtrl {
            path: None,
            err: None,
        };
        assert!(e.to_string().contains("rpmsg_char"));
        assert!(e.to_string().contains("rockchip_rpmsg"));
        let e = Error::Ioctl {
            what: "RPMSG_CREATE_EPT_IOCTL",
            path: "/dev/rpmsg_ctrl0".into(),
            err: io::Error::from_raw_os_error(libc::EINVAL),
        };
        assert!(e.to_string().contains("Invalid argument"), "{e}");
        let e = Error::Timeout {
            msg: 3,
            ms: 2000,
            sending: false,
        };
        assert_eq!(
            e.to_string(),
            "timeout: no echo for message #3 after 2000 ms"
        );
        let e = Error::NoMessage { msg: 0, ms: 5000 };
        assert_eq!(e.exit_code(), EXIT_TIMEOUT);
        assert_eq!(
            e.to_string(),
            "timeout: message #0 did not arrive within 5000 ms"
        );
    }
}
