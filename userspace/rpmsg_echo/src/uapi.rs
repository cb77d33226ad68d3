//! The rpmsg character-device ABI from `include/uapi/linux/rpmsg.h`, and the
//! two ioctls this program issues. All `unsafe` for ioctls lives here.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::raw::c_char;

/// `RPMSG_NAME_SIZE`: bytes in `rpmsg_endpoint_info::name`, NUL included.
pub const NAME_SIZE: usize = 32;

/// `struct rpmsg_endpoint_info { char name[32]; __u32 src; __u32 dst; }`
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointInfo {
    pub name: [c_char; NAME_SIZE],
    pub src: u32,
    pub dst: u32,
}

impl EndpointInfo {
    /// Builds the struct; `name` is truncated to 31 bytes so it stays NUL-terminated.
    pub fn new(name: &str, src: u32, dst: u32) -> Self {
        let mut buf = [0 as c_char; NAME_SIZE];
        for (d, s) in buf.iter_mut().zip(name.bytes().take(NAME_SIZE - 1)) {
            *d = s as c_char;
        }
        EndpointInfo {
            name: buf,
            src,
            dst,
        }
    }
}

// The generic `_IOC` encoding (asm-generic/ioctl.h), which arm64 and x86-64 use:
// nr in bits 0..8, type in 8..16, size in 16..30, direction in 30..32.
const IOC_NRSHIFT: u32 = 0;
const IOC_TYPESHIFT: u32 = 8;
const IOC_SIZESHIFT: u32 = 16;
const IOC_DIRSHIFT: u32 = 30;
const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
#[cfg_attr(not(test), allow(dead_code))] // only the tests read with it
const IOC_READ: u32 = 2;

pub const fn ioc(dir: u32, ty: u32, nr: u32, size: usize) -> u32 {
    (dir << IOC_DIRSHIFT)
        | ((size as u32) << IOC_SIZESHIFT)
        | (ty << IOC_TYPESHIFT)
        | (nr << IOC_NRSHIFT)
}
pub const fn io(ty: u32, nr: u32) -> u32 {
    ioc(IOC_NONE, ty, nr, 0)
}
pub const fn iow(ty: u32, nr: u32, size: usize) -> u32 {
    ioc(IOC_WRITE, ty, nr, size)
}
#[cfg_attr(not(test), allow(dead_code))]
pub const fn ior(ty: u32, nr: u32, size: usize) -> u32 {
    ioc(IOC_READ, ty, nr, size)
}

/// The rpmsg ioctl type byte.
pub const RPMSG_IOC_MAGIC: u32 = 0xb5;
/// `_IOW(0xb5, 0x1, struct rpmsg_endpoint_info)`, issued on `/dev/rpmsg_ctrlN`.
pub const RPMSG_CREATE_EPT_IOCTL: u32 =
    iow(RPMSG_IOC_MAGIC, 0x1, std::mem::size_of::<EndpointInfo>());
/// `_IO(0xb5, 0x2)`, issued on the endpoint's own `/dev/rpmsgM`.
pub const RPMSG_DESTROY_EPT_IOCTL: u32 = io(RPMSG_IOC_MAGIC, 0x2);

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Asks the control device to create an endpoint device for `info`.
pub fn create_endpoint(ctrl: BorrowedFd<'_>, info: &EndpointInfo) -> io::Result<()> {
    // SAFETY: `ctrl` is an open descriptor; the request copies `size_of::<EndpointInfo>()`
    // bytes from `info`, which is a live, properly laid out `repr(C)` value.
    check(unsafe {
        libc::ioctl(
            ctrl.as_raw_fd(),
            RPMSG_CREATE_EPT_IOCTL as _,
            info as *const EndpointInfo,
        )
    })
}

/// Asks the endpoint device behind `ept` to destroy itself.
pub fn destroy_endpoint(ept: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: `ept` is an open descriptor and this request takes no argument.
    check(unsafe { libc::ioctl(ept.as_raw_fd(), RPMSG_DESTROY_EPT_IOCTL as _) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn struct_layout() {
        assert_eq!(size_of::<EndpointInfo>(), 40);
        assert_eq!(offset_of!(EndpointInfo, name), 0);
        assert_eq!(offset_of!(EndpointInfo, src), 32);
        assert_eq!(offset_of!(EndpointInfo, dst), 36);
    }

    #[test]
    fn ioctl_numbers() {
        assert_eq!(RPMSG_CREATE_EPT_IOCTL, 0x4028_b501);
        assert_eq!(RPMSG_DESTROY_EPT_IOCTL, 0x0000_b502);
        // _IOW(0xb5, 1, 40 bytes) spelled out field by field.
        assert_eq!(
            RPMSG_CREATE_EPT_IOCTL,
            (1 << 30) | (40 << 16) | (0xb5 << 8) | 1
        );
    }

    #[test]
    #[allow(clippy::unnecessary_cast)] // the constants are c_int on other libcs
    fn encoder_matches_libc_constants() {
        // TIOCGPTN is _IOR('T', 0x30, unsigned int) in the generic encoding.
        assert_eq!(ior(b'T' as u32, 0x30, 4) as u64, libc::TIOCGPTN as u64);
        // TIOCSPTLCK is _IOW('T', 0x31, int).
        assert_eq!(iow(b'T' as u32, 0x31, 4) as u64, libc::TIOCSPTLCK as u64);
    }

    #[test]
    fn info_name() {
        let i = EndpointInfo::new("rpmsg_chrdev", 0x1000, 0x3000);
        let bytes: Vec<u8> = i.name.iter().map(|&c| c as u8).collect();
        assert_eq!(&bytes[..12], b"rpmsg_chrdev");
        assert!(bytes[12..].iter().all(|&b| b == 0));
        assert_eq!((i.src, i.dst), (0x1000, 0x3000));
        let long = EndpointInfo::new(&"x".repeat(40), 0, 0);
        assert_eq!(long.name[30] as u8, b'x');
        assert_eq!(long.name[31], 0);
    }
}
