//! Endpoint lifecycle: find the control device, create the endpoint, find and
//! open its `/dev/rpmsgM`, move messages through it, destroy it.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::exchange::{from_io, ChanError, Channel};
use crate::options::Options;
use crate::signals;
use crate::uapi::{self, EndpointInfo};

pub const DEV_DIR: &str = "/dev";
pub const CLASS_DIR: &str = "/sys/class/rpmsg";
/// How long to wait for the endpoint device to show up after the create ioctl.
pub const APPEAR_TIMEOUT: Duration = Duration::from_millis(2000);
/// Longest single poll(), so a signal is noticed quickly even if EINTR is missed.
const POLL_SLICE_MS: u64 = 100;

/// `prefix` followed by a decimal number, e.g. `rpmsg_ctrl0` → 0.
fn numbered(name: &str, prefix: &str) -> Option<u32> {
    let digits = name.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn dir_names(dir: &Path) -> Vec<String> {
    match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The control device with the lowest N in `dev_dir`.
pub fn find_ctrl(dev_dir: &Path) -> Option<PathBuf> {
    dir_names(dev_dir)
        .iter()
        .filter_map(|n| numbered(n, "rpmsg_ctrl").map(|k| (k, n)))
        .min()
        .map(|(_, n)| dev_dir.join(n))
}

/// Endpoint devices (`rpmsgM`) listed under `class_dir`.
pub fn eptdev_names(class_dir: &Path) -> Vec<String> {
    let mut v: Vec<(u32, String)> = dir_names(class_dir)
        .into_iter()
        .filter_map(|n| numbered(&n, "rpmsg").map(|k| (k, n)))
        .collect();
    v.sort();
    v.into_iter().map(|(_, n)| n).collect()
}

/// Parses a `src`/`dst` sysfs attribute. The kernel prints them with `%d`, so
/// RPMSG_ADDR_ANY reads as `-1`; hex is accepted too.
pub fn parse_addr(s: &str) -> Option<u32> {
    let t = s.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u32::from_str_radix(h, 16).ok();
    }
    let v: i64 = t.parse().ok()?;
    if (i32::MIN as i64..=u32::MAX as i64).contains(&v) {
        Some(v as u32)
    } else {
        None
    }
}

fn attr(class_dir: &Path, dev: &str, name: &str) -> Option<String> {
    fs::read_to_string(class_dir.join(dev).join(name))
        .ok()
        .map(|s| s.trim_end_matches('\n').to_string())
}

/// Whether `dev`'s name/src/dst attributes are the ones asked for.
pub fn attrs_match(class_dir: &Path, dev: &str, name: &str, src: u32, dst: u32) -> bool {
    attr(class_dir, dev, "name").as_deref() == Some(name)
        && attr(class_dir, dev, "src").and_then(|s| parse_addr(&s)) == Some(src)
        && attr(class_dir, dev, "dst").and_then(|s| parse_addr(&s)) == Some(dst)
}

/// Name of the parent device (for an endpoint device made through a control
/// device: that `rpmsg_ctrlN`).
fn parent_name(class_dir: &Path, dev: &str) -> Option<String> {
    let link = fs::read_link(class_dir.join(dev).join("device")).ok()?;
    link.file_name()?.to_str().map(str::to_string)
}

/// The endpoint device that the create ioctl just added: not in `before`, with
/// matching attributes; one whose parent is `ctrl_name` is preferred.
pub fn pick_new(
    class_dir: &Path,
    before: &HashSet<String>,
    name: &str,
    src: u32,
    dst: u32,
    ctrl_name: Option<&str>,
) -> Option<String> {
    let candidates: Vec<String> = eptdev_names(class_dir)
        .into_iter()
        .filter(|d| !before.contains(d) && attrs_match(class_dir, d, name, src, dst))
        .collect();
    if let Some(ctrl) = ctrl_name {
        if let Some(d) = candidates
            .iter()
            .find(|d| parent_name(class_dir, d).as_deref() == Some(ctrl))
        {
            return Some(d.clone());
        }
    }
    candidates.into_iter().next()
}

/// An open endpoint device. Dropping it without [`Endpoint::destroy`] still
/// destroys the endpoint (errors ignored).
pub struct Endpoint {
    file: File,
    path: PathBuf,
    destroyed: bool,
}

impl Endpoint {
    /// Creates the endpoint described by `opts` and opens its device.
    pub fn create(opts: &Options) -> Result<Endpoint, Error> {
        let ctrl_path = match &opts.ctrl {
            Some(p) => p.clone(),
            None => find_ctrl(Path::new(DEV_DIR)).ok_or(Error::NoCtrl {
                path: None,
                err: None,
            })?,
        };
        let ctrl = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&ctrl_path)
            .map_err(|e| Error::NoCtrl {
                path: Some(ctrl_path.clone()),
                err: Some(e),
            })?;
        let ctrl_name = fs::canonicalize(&ctrl_path)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string));

        let class_dir = Path::new(CLASS_DIR);
        let before: HashSet<String> = eptdev_names(class_dir).into_iter().collect();
        let info = EndpointInfo::new(&opts.name, opts.src, opts.dst);
        uapi::create_endpoint(ctrl.as_fd(), &info).map_err(|err| Error::Ioctl {
            what: "RPMSG_CREATE_EPT_IOCTL",
            path: ctrl_path.clone(),
            err,
        })?;
        drop(ctrl);

        let what = format!(
            "endpoint '{}' (src {:#x}, dst {:#x})",
            opts.name, opts.src, opts.dst
        );
        let deadline = Instant::now() + APPEAR_TIMEOUT;
        let ms = APPEAR_TIMEOUT.as_millis();
        loop {
            let expired = Instant::now() >= deadline;
            match pick_new(
                class_dir,
                &before,
                &opts.name,
                opts.src,
                opts.dst,
                ctrl_name.as_deref(),
            ) {
                Some(dev) => {
                    let node = Path::new(DEV_DIR).join(&dev);
                    match OpenOptions::new()
                        .read(true)
                        .write(true)
                        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
                        .open(&node)
                    {
                        Ok(file) => return Ok(Endpoint { file, path: node, destroyed: false }),
                        Err(e) if e.kind() == ErrorKind::NotFound && !expired => {}
                        Err(e) if e.kind() == ErrorKind::NotFound => {
                            return Err(Error::EptDev(format!(
                                "{} of {what} did not appear within {ms} ms (is devtmpfs mounted on /dev?)",
                                node.display()
                            )))
                        }
                        Err(e) => {
                            let hint = match e.raw_os_error() {
                                Some(libc::EINVAL) => " (is the local address already taken by another endpoint?)",
                                Some(libc::EBUSY) => " (already open elsewhere)",
                                _ => "",
                            };
                            return Err(Error::EptDev(format!(
                                "cannot open {} of {what}: {e}{hint}; the device stays until its control device goes away",
                                node.display()
                            )));
                        }
                    }
                }
                None if expired => {
                    return Err(Error::EptDev(format!(
                        "the device of {what} did not appear in {CLASS_DIR} within {ms} ms"
                    )))
                }
                None => {}
            }
            sleep(Duration::from_millis(10));
        }
    }

    /// Destroys the endpoint (RPMSG_DESTROY_EPT_IOCTL on its own descriptor).
    pub fn destroy(mut self) -> Result<(), Error> {
        self.destroyed = true;
        uapi::destroy_endpoint(self.file.as_fd()).map_err(|err| Error::Ioctl {
            what: "RPMSG_DESTROY_EPT_IOCTL",
            path: self.path.clone(),
            err,
        })
    }

    /// One poll() of at most `ms`; returns the revents.
    fn poll(&self, events: libc::c_short, ms: u64) -> io::Result<libc::c_short> {
        let mut pfd = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events,
            revents: 0,
        };
        // SAFETY: `pfd` is a valid pollfd array of length 1 for the duration of the call.
        let ret = unsafe { libc::poll(&mut pfd, 1, ms as libc::c_int) };
        if ret < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(pfd.revents)
    }

    /// Waits, in short slices, until the signal flag is set or `deadline` passes;
    /// `Ok(true)` as soon as `events` are ready.
    fn wait(&self, events: libc::c_short, deadline: Instant) -> Result<bool, ChanError> {
        loop {
            if signals::interrupted() {
                return Err(ChanError::Interrupted);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let left = deadline - now;
            let ms = (left.as_micros().div_ceil(1000) as u64).clamp(1, POLL_SLICE_MS);
            match self.poll(events, ms) {
                Ok(r) if r & events != 0 => return Ok(true),
                Ok(r) if r & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 => {
                    return Err(ChanError::Io(
                        "endpoint reports an error (destroyed or remote gone)".into(),
                    ))
                }
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(ChanError::Io(format!("poll: {e}"))),
            }
        }
    }
}

impl Channel for Endpoint {
    fn send(&mut self, msg: &[u8], timeout: Duration) -> Result<(), ChanError> {
        let deadline = Instant::now() + timeout;
        // Wait for POLLOUT until it once proves wrong (reported, yet the write
        // still finds no buffer); from then on just sleep between retries.
        let mut events = libc::POLLOUT;
        let mut woke = false;
        loop {
            if signals::interrupted() {
                return Err(ChanError::Interrupted);
            }
            match self.file.write(msg) {
                Ok(n) if n == msg.len() => return Ok(()),
                Ok(n) => {
                    return Err(ChanError::Io(format!(
                        "short write: {n} of {} bytes",
                        msg.len()
                    )))
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    // No free transmit buffer. POLLOUT alone is not a reliable
                    // wake-up for this (transmit-done interrupts may never come), so
                    // wait for it at most 1 ms (poll still reports errors) and retry.
                    if Instant::now() >= deadline {
                        return Err(ChanError::Timeout);
                    }
                    if woke {
                        events = 0;
                    }
                    let soon = (Instant::now() + Duration::from_millis(1)).min(deadline);
                    woke = self.wait(events, soon)? && events != 0;
                }
                Err(e) => return Err(from_io(e, msg.len())),
            }
        }
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, ChanError> {
        let deadline = Instant::now() + timeout;
        loop {
            if signals::interrupted() {
                return Err(ChanError::Interrupted);
            }
            match self.file.read(buf) {
                Ok(0) => return Err(ChanError::Io("endpoint closed".into())),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if !self.wait(libc::POLLIN, deadline)? {
                        return Err(ChanError::Timeout);
                    }
                }
                Err(e) => return Err(from_io(e, buf.len())),
            }
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if !self.destroyed {
            let _ = uapi::destroy_endpoint(self.file.as_fd());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::fs::symlink;

    /// A scratch directory removed at the end of the test.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(tag: &str) -> Self {
            let p =
                std::env::temp_dir().join(format!("rpmsg_echo-test-{}-{tag}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Scratch(p)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn eptdev(class: &Path, dev: &str, name: &str, src: &str, dst: &str, parent: Option<&str>) {
        let d = class.join(dev);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("name"), format!("{name}\n")).unwrap();
        fs::write(d.join("src"), format!("{src}\n")).unwrap();
        fs::write(d.join("dst"), format!("{dst}\n")).unwrap();
        if let Some(p) = parent {
            symlink(
                format!("../../../devices/virtual/rpmsg/{p}"),
                d.join("device"),
            )
            .unwrap();
        }
    }

    /// An endpoint over one end of a SOCK_SEQPACKET pair (message boundaries kept,
    /// like /dev/rpmsgM); the other end is returned for the test to play the remote.
    fn socket_endpoint() -> (Endpoint, File) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors socketpair() writes.
        let r = unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_SEQPACKET | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
                fds.as_mut_ptr(),
            )
        };
        assert_eq!(r, 0, "{}", io::Error::last_os_error());
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // `destroyed: true`: a socket has no destroy ioctl.
        (
            Endpoint {
                file: File::from(a),
                path: "socketpair".into(),
                destroyed: true,
            },
            File::from(b),
        )
    }

    /// Echoes every message on `remote` until the peer closes; returns how many.
    fn echo_thread(remote: File) -> std::thread::JoinHandle<usize> {
        std::thread::spawn(move || {
            let mut remote = remote;
            let mut buf = [0u8; 512];
            let mut n = 0;
            loop {
                let mut pfd = libc::pollfd {
                    fd: remote.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut pfd, 1, 1000) };
                match remote.read(&mut buf) {
                    Ok(0) => return n,
                    Ok(len) => {
                        remote.write_all(&buf[..len]).unwrap();
                        n += 1;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => return n,
                }
            }
        })
    }

    #[test]
    fn exchange_over_a_message_socket() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let (mut ep, remote) = socket_endpoint();
        let t = echo_thread(remote);
        let plan = crate::exchange::Plan {
            count: 200,
            payload: crate::options::Payload::Pattern(496),
            window: 8,
            timeout_ms: 2000,
        };
        let r = crate::exchange::run(&mut ep, &plan, |_| {}).unwrap();
        assert_eq!(r.rtts.len(), 200);
        drop(ep);
        assert_eq!(t.join().unwrap(), 200);
    }

    #[test]
    fn oneway_over_a_message_socket() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let (mut ep, remote) = socket_endpoint();
        // A slow consumer: the socket fills, writes see EAGAIN and must wait.
        let t = std::thread::spawn(move || {
            let mut remote = remote;
            let mut buf = [0u8; 512];
            let mut n = 0usize;
            loop {
                sleep(Duration::from_micros(50));
                match remote.read(&mut buf) {
                    Ok(0) => return n,
                    Ok(len) => {
                        assert_eq!(&buf[..len], &crate::exchange::pattern(n as u32, 496)[..]);
                        n += 1;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => return n,
                }
            }
        });
        let plan = crate::exchange::Plan {
            count: 2000,
            payload: crate::options::Payload::Pattern(496),
            window: 1,
            timeout_ms: 2000,
        };
        crate::exchange::send_only(&mut ep, &plan).unwrap();
        drop(ep);
        assert_eq!(t.join().unwrap(), 2000);
    }

    #[test]
    fn oneway_full_ring_times_out() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // Nobody reads: the socket buffer plays a transmit ring that never drains.
        let (mut ep, _remote) = socket_endpoint();
        let plan = crate::exchange::Plan {
            count: 1_000_000,
            payload: crate::options::Payload::Pattern(496),
            window: 1,
            timeout_ms: 100,
        };
        let t0 = Instant::now();
        match crate::exchange::send_only(&mut ep, &plan) {
            Err(Error::Timeout {
                msg,
                ms: 100,
                sending: true,
            }) => assert!(msg > 0),
            other => panic!("unexpected {other:?}"),
        }
        assert!(t0.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn sink_over_a_message_socket() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let (mut ep, remote) = socket_endpoint();
        let t = std::thread::spawn(move || {
            let mut remote = remote;
            sleep(Duration::from_millis(50));
            for n in 0..300u32 {
                let len = if n == 0 { 40 } else { 496 };
                loop {
                    match remote.write(&crate::exchange::pattern(n, len)) {
                        Ok(_) => break,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            sleep(Duration::from_micros(100))
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            remote
        });
        let r = crate::exchange::receive_only(&mut ep, 300, 2000).unwrap();
        assert_eq!((r.messages, r.first_len), (300, 40));
        assert_eq!(r.total_bytes, 40 + 299 * 496);
        drop(t.join().unwrap());
    }

    #[test]
    fn recv_times_out() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let (mut ep, _remote) = socket_endpoint();
        let t0 = Instant::now();
        let mut buf = [0u8; 512];
        assert!(matches!(
            ep.recv(&mut buf, Duration::from_millis(150)),
            Err(ChanError::Timeout)
        ));
        let waited = t0.elapsed();
        assert!(
            waited >= Duration::from_millis(150) && waited < Duration::from_millis(1500),
            "{waited:?}"
        );
    }

    #[test]
    fn signal_flag_stops_the_wait() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        signals::install().unwrap();
        let (mut ep, _remote) = socket_endpoint();
        // SAFETY: getpid() has no preconditions.
        let pid = unsafe { libc::getpid() };
        let killer = std::thread::spawn(move || {
            sleep(Duration::from_millis(100));
            // SAFETY: SIGINT to our own process; the handler only sets a flag.
            unsafe { libc::kill(pid, libc::SIGINT) };
        });
        let t0 = Instant::now();
        let mut buf = [0u8; 512];
        let r = ep.recv(&mut buf, Duration::from_secs(10));
        killer.join().unwrap();
        signals::reset();
        assert!(matches!(r, Err(ChanError::Interrupted)), "{r:?}");
        assert!(t0.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn peer_gone_is_an_io_error() {
        let _g = signals::TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let (mut ep, remote) = socket_endpoint();
        drop(remote);
        let mut buf = [0u8; 512];
        assert!(matches!(
            ep.recv(&mut buf, Duration::from_millis(500)),
            Err(ChanError::Io(_))
        ));
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered("rpmsg_ctrl0", "rpmsg_ctrl"), Some(0));
        assert_eq!(numbered("rpmsg12", "rpmsg"), Some(12));
        assert_eq!(numbered("rpmsg_ctrl0", "rpmsg"), None);
        assert_eq!(numbered("rpmsg", "rpmsg"), None);
        assert_eq!(numbered("rpmsg1a", "rpmsg"), None);
    }

    #[test]
    fn lowest_ctrl() {
        let s = Scratch::new("ctrl");
        assert_eq!(find_ctrl(&s.0), None);
        for n in [
            "rpmsg_ctrl10",
            "rpmsg_ctrl2",
            "rpmsg0",
            "rpmsg_ctrlx",
            "tty0",
        ] {
            fs::write(s.0.join(n), "").unwrap();
        }
        assert_eq!(find_ctrl(&s.0), Some(s.0.join("rpmsg_ctrl2")));
        assert_eq!(find_ctrl(Path::new("/nonexistent-dir")), None);
    }

    #[test]
    fn addrs() {
        assert_eq!(parse_addr("4096\n"), Some(0x1000));
        assert_eq!(parse_addr("12288"), Some(0x3000));
        assert_eq!(parse_addr("-1"), Some(u32::MAX));
        assert_eq!(parse_addr("0x3000"), Some(0x3000));
        assert_eq!(parse_addr("4294967295"), Some(u32::MAX));
        assert_eq!(parse_addr("4294967296"), None);
        assert_eq!(parse_addr("x"), None);
    }

    #[test]
    fn finds_the_new_endpoint() {
        let s = Scratch::new("class");
        let class = &s.0;
        // Control devices share the class but are no endpoint devices.
        fs::create_dir_all(class.join("rpmsg_ctrl0")).unwrap();
        fs::create_dir_all(class.join("rpmsg_ctrl1")).unwrap();
        // A stale endpoint device left by an earlier run.
        eptdev(
            class,
            "rpmsg0",
            "rpmsg_chrdev",
            "4096",
            "12288",
            Some("rpmsg_ctrl0"),
        );
        let before: HashSet<String> = eptdev_names(class).into_iter().collect();
        assert_eq!(before.len(), 1);
        assert_eq!(
            pick_new(
                class,
                &before,
                "rpmsg_chrdev",
                0x1000,
                0x3000,
                Some("rpmsg_ctrl0")
            ),
            None
        );

        eptdev(
            class,
            "rpmsg2",
            "other",
            "4096",
            "12288",
            Some("rpmsg_ctrl0"),
        );
        eptdev(
            class,
            "rpmsg3",
            "rpmsg_chrdev",
            "4096",
            "12289",
            Some("rpmsg_ctrl0"),
        );
        assert_eq!(
            pick_new(
                class,
                &before,
                "rpmsg_chrdev",
                0x1000,
                0x3000,
                Some("rpmsg_ctrl0")
            ),
            None
        );

        eptdev(
            class,
            "rpmsg4",
            "rpmsg_chrdev",
            "4096",
            "12288",
            Some("rpmsg_ctrl1"),
        );
        eptdev(
            class,
            "rpmsg11",
            "rpmsg_chrdev",
            "4096",
            "12288",
            Some("rpmsg_ctrl0"),
        );
        assert_eq!(
            eptdev_names(class),
            ["rpmsg0", "rpmsg2", "rpmsg3", "rpmsg4", "rpmsg11"]
        );
        // The parent decides between two matches; without it, the lowest number wins.
        assert_eq!(
            pick_new(
                class,
                &before,
                "rpmsg_chrdev",
                0x1000,
                0x3000,
                Some("rpmsg_ctrl0")
            )
            .as_deref(),
            Some("rpmsg11")
        );
        assert_eq!(
            pick_new(
                class,
                &before,
                "rpmsg_chrdev",
                0x1000,
                0x3000,
                Some("rpmsg_ctrl1")
            )
            .as_deref(),
            Some("rpmsg4")
        );
        assert_eq!(
            pick_new(class, &before, "rpmsg_chrdev", 0x1000, 0x3000, None).as_deref(),
            Some("rpmsg4")
        );
        eptdev(class, "rpmsg5", "any", "-1", "0x10", None);
        assert!(attrs_match(class, "rpmsg5", "any", u32::MAX, 0x10));
    }
}
