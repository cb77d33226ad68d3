//! Helpers the tests of both tools share: a scratch directory, a FIFO that
//! stands in for the device, and waiting for a condition.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A scratch directory removed at the end of the test.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// `tag` tells apart the tests of one test binary, which run in parallel.
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("rig_tools-test-{}-{tag}", std::process::id()));
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

pub fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// Waits up to 10 s for `cond`, failing the test with `what` after that.
#[allow(dead_code)] // klog_wait's tests have no use for it
pub fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        sleep(Duration::from_millis(5));
    }
}
