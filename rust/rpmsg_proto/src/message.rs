//! The rpmsg header and the name service message, as bytes.
//!
//! Layouts follow the C structures of `virtio_rpmsg_bus` (all little-endian):
//!
//! ```text
//! struct rpmsg_hdr    { u32 src; u32 dst; u32 reserved; u16 len; u16 flags; u8 data[]; };  // 16
//! struct rpmsg_ns_msg { char name[32]; u32 addr; u32 flags; };                            // 40
//! ```

use super::layout::{HDR_SIZE, MAX_PAYLOAD, NAME_SIZE, NS_MSG_SIZE, RPMSG_NS_DESTROY};

/// Offset of `src` in the rpmsg header.
pub const HDR_SRC: usize = 0;
/// Offset of `dst` in the rpmsg header.
pub const HDR_DST: usize = 4;
/// Offset of `reserved` in the rpmsg header.
pub const HDR_RESERVED: usize = 8;
/// Offset of `len` in the rpmsg header.
pub const HDR_LEN: usize = 12;
/// Offset of `flags` in the rpmsg header.
pub const HDR_FLAGS: usize = 14;
/// Offset of `name` in the name service message.
pub const NS_NAME: usize = 0;
/// Offset of `addr` in the name service message.
pub const NS_ADDR_FIELD: usize = 32;
/// Offset of `flags` in the name service message.
pub const NS_FLAGS: usize = 36;

/// Why a message could not be encoded or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgError {
    /// The input holds fewer bytes than the structure needs.
    TooShort,
    /// The output buffer is smaller than the encoded message.
    BufferTooSmall,
    /// The payload is longer than [`MAX_PAYLOAD`].
    PayloadTooLarge,
    /// The header's `len` exceeds the bytes that follow it.
    LenBeyondBuffer,
    /// A name does not fit in 31 bytes plus its NUL.
    NameTooLong,
    /// A name contains a NUL byte (on encode) or lacks one (on decode).
    BadName,
}

fn get_u16(buf: &[u8], off: usize) -> Result<u16, MsgError> {
    let end = off.checked_add(2).ok_or(MsgError::TooShort)?;
    let b = buf.get(off..end).ok_or(MsgError::TooShort)?;
    let mut w = [0u8; 2];
    w.copy_from_slice(b);
    Ok(u16::from_le_bytes(w))
}

fn get_u32(buf: &[u8], off: usize) -> Result<u32, MsgError> {
    let end = off.checked_add(4).ok_or(MsgError::TooShort)?;
    let b = buf.get(off..end).ok_or(MsgError::TooShort)?;
    let mut w = [0u8; 4];
    w.copy_from_slice(b);
    Ok(u32::from_le_bytes(w))
}

fn put(buf: &mut [u8], off: usize, bytes: &[u8]) -> Result<(), MsgError> {
    let end = off
        .checked_add(bytes.len())
        .ok_or(MsgError::BufferTooSmall)?;
    buf.get_mut(off..end)
        .ok_or(MsgError::BufferTooSmall)?
        .copy_from_slice(bytes);
    Ok(())
}

/// The 16-byte rpmsg header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RpmsgHdr {
    /// Source address.
    pub src: u32,
    /// Destination address.
    pub dst: u32,
    /// Reserved, zero when sent.
    pub reserved: u32,
    /// Payload length.
    pub len: u16,
    /// Flags, zero when sent.
    pub flags: u16,
}

impl RpmsgHdr {
    /// Header for a payload of `len` bytes from `src` to `dst`.
    pub const fn new(src: u32, dst: u32, len: u16) -> Self {
        RpmsgHdr {
            src,
            dst,
            reserved: 0,
            len,
            flags: 0,
        }
    }

    /// The header as its 16 bytes.
    pub fn to_bytes(&self) -> [u8; HDR_SIZE] {
        let mut out = [0u8; HDR_SIZE];
        // Cannot fail: `out` is exactly HDR_SIZE bytes.
        let _ = self.encode(&mut out);
        out
    }

    /// Writes the header into the first 16 bytes of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), MsgError> {
        if out.len() < HDR_SIZE {
            return Err(MsgError::BufferTooSmall);
        }
        put(out, HDR_SRC, &self.src.to_le_bytes())?;
        put(out, HDR_DST, &self.dst.to_le_bytes())?;
        put(out, HDR_RESERVED, &self.reserved.to_le_bytes())?;
        put(out, HDR_LEN, &self.len.to_le_bytes())?;
        put(out, HDR_FLAGS, &self.flags.to_le_bytes())
    }

    /// Reads a header from the first 16 bytes of `buf` (no length checks
    /// against the payload; see [`decode_message`]).
    pub fn decode(buf: &[u8]) -> Result<Self, MsgError> {
        if buf.len() < HDR_SIZE {
            return Err(MsgError::TooShort);
        }
        Ok(RpmsgHdr {
            src: get_u32(buf, HDR_SRC)?,
            dst: get_u32(buf, HDR_DST)?,
            reserved: get_u32(buf, HDR_RESERVED)?,
            len: get_u16(buf, HDR_LEN)?,
            flags: get_u16(buf, HDR_FLAGS)?,
        })
    }

    /// Checks that the payload length is at most [`MAX_PAYLOAD`] and fits in
    /// a buffer of `buf_len` bytes (header included).
    pub fn check_len(&self, buf_len: usize) -> Result<(), MsgError> {
        let len = usize::from(self.len);
        if len > MAX_PAYLOAD {
            return Err(MsgError::PayloadTooLarge);
        }
        match buf_len.checked_sub(HDR_SIZE) {
            Some(room) if len <= room => Ok(()),
            Some(_) => Err(MsgError::LenBeyondBuffer),
            None => Err(MsgError::TooShort),
        }
    }
}

/// Encodes header and payload into `out`; returns the bytes written
/// (`16 + payload.len()`). Payloads over [`MAX_PAYLOAD`] are refused.
pub fn encode_message(
    src: u32,
    dst: u32,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, MsgError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(MsgError::PayloadTooLarge);
    }
    let len = u16::try_from(payload.len()).map_err(|_| MsgError::PayloadTooLarge)?;
    let total = HDR_SIZE
        .checked_add(payload.len())
        .ok_or(MsgError::PayloadTooLarge)?;
    if out.len() < total {
        return Err(MsgError::BufferTooSmall);
    }
    RpmsgHdr::new(src, dst, len).encode(out)?;
    put(out, HDR_SIZE, payload)?;
    Ok(total)
}

/// Splits a received buffer into header and payload, checking that the
/// header's `len` is at most [`MAX_PAYLOAD`] and within `buf`.
pub fn decode_message(buf: &[u8]) -> Result<(RpmsgHdr, &[u8]), MsgError> {
    let hdr = RpmsgHdr::decode(buf)?;
    hdr.check_len(buf.len())?;
    let end = HDR_SIZE
        .checked_add(usize::from(hdr.len))
        .ok_or(MsgError::LenBeyondBuffer)?;
    let payload = buf.get(HDR_SIZE..end).ok_or(MsgError::LenBeyondBuffer)?;
    Ok((hdr, payload))
}

/// A 32-byte endpoint name field as sent on the wire.
///
/// Names built with [`RpmsgName::new`] are at most 31 bytes and NUL-padded;
/// [`RpmsgName::from_raw`] accepts any 32 bytes (used for fault injection).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RpmsgName {
    raw: [u8; NAME_SIZE],
}

impl core::fmt::Debug for RpmsgName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_str() {
            Some(s) => write!(f, "{s:?}"),
            None => write!(f, "{:?}", &self.raw),
        }
    }
}

impl RpmsgName {
    /// The empty name.
    pub const EMPTY: RpmsgName = RpmsgName {
        raw: [0; NAME_SIZE],
    };

    /// Builds a NUL-padded name; refuses names of 32 bytes or more and
    /// names containing NUL.
    pub fn new(name: &str) -> Result<Self, MsgError> {
        Self::from_bytes(name.as_bytes())
    }

    /// Like [`RpmsgName::new`] for raw bytes.
    pub fn from_bytes(name: &[u8]) -> Result<Self, MsgError> {
        if name.len() >= NAME_SIZE {
            return Err(MsgError::NameTooLong);
        }
        if name.contains(&0) {
            return Err(MsgError::BadName);
        }
        let mut raw = [0u8; NAME_SIZE];
        put(&mut raw, 0, name)?;
        Ok(RpmsgName { raw })
    }

    /// Takes 32 bytes as they are, NUL or not.
    pub const fn from_raw(raw: [u8; NAME_SIZE]) -> Self {
        RpmsgName { raw }
    }

    /// The 32 bytes of the field.
    pub const fn raw(&self) -> &[u8; NAME_SIZE] {
        &self.raw
    }

    /// Whether the field contains a NUL terminator.
    pub fn is_terminated(&self) -> bool {
        self.raw.contains(&0)
    }

    /// The bytes before the first NUL (all 32 if there is none).
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.raw.iter().position(|&b| b == 0).unwrap_or(NAME_SIZE);
        self.raw.get(..end).unwrap_or(&self.raw)
    }

    /// The name as UTF-8, if it is terminated and valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        if !self.is_terminated() {
            return None;
        }
        core::str::from_utf8(self.as_bytes()).ok()
    }
}

/// The name service message (`struct rpmsg_ns_msg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsMsg {
    /// Endpoint name.
    pub name: RpmsgName,
    /// Endpoint address.
    pub addr: u32,
    /// [`super::layout::RPMSG_NS_CREATE`] or [`RPMSG_NS_DESTROY`].
    pub flags: u32,
}

impl NsMsg {
    /// Whether this message announces a destroyed endpoint.
    pub const fn is_destroy(&self) -> bool {
        self.flags & RPMSG_NS_DESTROY != 0
    }

    /// The 40 bytes of the message.
    pub fn to_bytes(&self) -> [u8; NS_MSG_SIZE] {
        let mut out = [0u8; NS_MSG_SIZE];
        // Cannot fail: `out` is exactly NS_MSG_SIZE bytes.
        let _ = self.encode(&mut out);
        out
    }

    /// Writes the 40 bytes into `out`; returns 40. The name is copied as it
    /// is (see [`RpmsgName::from_raw`]).
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, MsgError> {
        if out.len() < NS_MSG_SIZE {
            return Err(MsgError::BufferTooSmall);
        }
        put(out, NS_NAME, &self.name.raw)?;
        put(out, NS_ADDR_FIELD, &self.addr.to_le_bytes())?;
        put(out, NS_FLAGS, &self.flags.to_le_bytes())?;
        Ok(NS_MSG_SIZE)
    }

    /// Reads a name service message; the payload must be exactly 40 bytes
    /// (as `rpmsg_ns` requires) and the name must be NUL-terminated.
    pub fn decode(buf: &[u8]) -> Result<Self, MsgError> {
        if buf.len() < NS_MSG_SIZE {
            return Err(MsgError::TooShort);
        }
        if buf.len() > NS_MSG_SIZE {
            return Err(MsgError::LenBeyondBuffer);
        }
        let mut raw = [0u8; NAME_SIZE];
        raw.copy_from_slice(buf.get(NS_NAME..NS_ADDR_FIELD).ok_or(MsgError::TooShort)?);
        let name = RpmsgName::from_raw(raw);
        if !name.is_terminated() {
            return Err(MsgError::BadName);
        }
        Ok(NsMsg {
            name,
            addr: get_u32(buf, NS_ADDR_FIELD)?,
            flags: get_u32(buf, NS_FLAGS)?,
        })
    }
}
