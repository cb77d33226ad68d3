//! Numbers and offsets of the shared-memory layout, and the doorbell message.
//!
//! Everything here is pure arithmetic: offsets of the legacy virtio split
//! ring parts for a given ring size and alignment, where each instance's two
//! vrings sit in the vring region, and the 8-byte doorbell message that
//! travels through the mailbox in both directions.

/// Number of entries in each vring.
pub const VRING_NUM: u16 = 64;
/// Alignment of the used ring inside a vring.
pub const VRING_ALIGN: usize = 0x1000;
/// Bytes reserved for one vring in the vring region.
pub const VRING_AREA: usize = 0x8000;
/// Distance between the vring0 bases of two consecutive instances.
pub const INSTANCE_STRIDE: usize = 0x10000;
/// Highest number of instances (virtio devices) one node can carry.
pub const MAX_INSTANCES: usize = 12;
/// Size of one rpmsg buffer (header plus payload).
pub const BUF_SIZE: usize = 512;
/// Size of the rpmsg header.
pub const HDR_SIZE: usize = 16;
/// Largest rpmsg payload.
pub const MAX_PAYLOAD: usize = BUF_SIZE - HDR_SIZE;
/// Magic in the `data` word of every doorbell message ("RMSG").
pub const DOORBELL_MAGIC: u32 = 0x524D_5347;
/// Size of the doorbell message.
pub const DOORBELL_SIZE: usize = 8;
/// Address of the name service endpoint.
pub const NS_ADDR: u32 = 53;
/// "Any address" wildcard of the rpmsg bus; never a valid endpoint address.
pub const RPMSG_ADDR_ANY: u32 = 0xFFFF_FFFF;
/// Size of the name field of a name service message.
pub const NAME_SIZE: usize = 32;
/// Size of a name service message (`struct rpmsg_ns_msg`).
pub const NS_MSG_SIZE: usize = NAME_SIZE + 8;
/// Name service flag: an endpoint was created.
pub const RPMSG_NS_CREATE: u32 = 0;
/// Name service flag: an endpoint was destroyed.
pub const RPMSG_NS_DESTROY: u32 = 1;
/// Feature bit number of `VIRTIO_RPMSG_F_NS` (the remote announces names).
pub const VIRTIO_RPMSG_F_NS: u32 = 0;
/// Device feature mask offered by the transport (`1 << VIRTIO_RPMSG_F_NS`).
pub const RPMSG_DEVICE_FEATURES: u64 = 1 << VIRTIO_RPMSG_F_NS;

/// Size of one descriptor in the descriptor table.
pub const DESC_SIZE: usize = 16;
/// Size of one element of the used ring.
pub const USED_ELEM_SIZE: usize = 8;
/// Descriptor flag: the chain continues in `next`.
pub const VRING_DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the buffer is written by the device.
pub const VRING_DESC_F_WRITE: u16 = 2;
/// Descriptor flag: the buffer holds an indirect descriptor table.
pub const VRING_DESC_F_INDIRECT: u16 = 4;
/// Avail ring flag: the driver does not want an interrupt for used buffers.
pub const VRING_AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Used ring flag: the device does not want a notification for avail buffers.
pub const VRING_USED_F_NO_NOTIFY: u16 = 1;

/// Offsets (relative to the ring base) of the parts of a legacy split ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VringLayout {
    num: u16,
    avail: usize,
    used: usize,
    size: usize,
}

/// Rounds `v` up to a multiple of `align`, which must be a power of two.
const fn align_up(v: usize, align: usize) -> Option<usize> {
    match v.checked_add(align.wrapping_sub(1)) {
        Some(x) => Some(x & !align.wrapping_sub(1)),
        None => None,
    }
}

impl VringLayout {
    /// Computes the layout for `num` entries with the used ring aligned to
    /// `align`.
    ///
    /// Returns `None` unless `num` is a power of two no larger than 32768
    /// (so that free-running 16-bit indices map onto slots consistently),
    /// `align` is a power of two, and the whole ring fits in `usize`.
    pub const fn new(num: u16, align: usize) -> Option<Self> {
        if num == 0 || !num.is_power_of_two() || num > 0x8000 {
            return None;
        }
        if align == 0 || !align.is_power_of_two() {
            return None;
        }
        let n = num as usize;
        let avail = match n.checked_mul(DESC_SIZE) {
            Some(v) => v,
            None => return None,
        };
        // flags, idx, ring[num], used_event
        let avail_size = match n.checked_mul(2) {
            Some(v) => match v.checked_add(6) {
                Some(v) => v,
                None => return None,
            },
            None => return None,
        };
        let avail_end = match avail.checked_add(avail_size) {
            Some(v) => v,
            None => return None,
        };
        let used = match align_up(avail_end, align) {
            Some(v) => v,
            None => return None,
        };
        // flags, idx, ring[num] of {id, len}, avail_event
        let used_size = match n.checked_mul(USED_ELEM_SIZE) {
            Some(v) => match v.checked_add(6) {
                Some(v) => v,
                None => return None,
            },
            None => return None,
        };
        let size = match used.checked_add(used_size) {
            Some(v) => v,
            None => return None,
        };
        Some(VringLayout {
            num,
            avail,
            used,
            size,
        })
    }

    /// The layout used by the Rockchip transport (64 entries, 0x1000 align).
    pub const fn rockchip() -> Self {
        // 64 entries with 0x1000 alignment: desc 0..0x400, avail 0x400..0x486,
        // used 0x1000..0x1206. Spelled out so no `unwrap` is needed.
        VringLayout {
            num: VRING_NUM,
            avail: (VRING_NUM as usize).wrapping_mul(DESC_SIZE),
            used: VRING_ALIGN,
            size: VRING_ALIGN
                .wrapping_add(6)
                .wrapping_add((VRING_NUM as usize).wrapping_mul(USED_ELEM_SIZE)),
        }
    }

    /// Number of entries.
    pub const fn num(&self) -> u16 {
        self.num
    }

    /// Total bytes the ring occupies (what `vring_size()` returns in Linux).
    pub const fn size(&self) -> usize {
        self.size
    }

    /// Slot of a free-running index.
    pub const fn slot(&self, idx: u16) -> u16 {
        // `num` is a non-zero power of two, so this is `idx % num`.
        idx & self.num.wrapping_sub(1)
    }

    // The offset helpers below cannot overflow: every offset they compute is
    // below `size`, which `new` computed with checked arithmetic.

    /// Offset of descriptor `id` (taken modulo `num`).
    pub const fn desc(&self, id: u16) -> usize {
        (self.slot(id) as usize).wrapping_mul(DESC_SIZE)
    }

    /// Offset of the avail ring's `flags` field.
    pub const fn avail_flags(&self) -> usize {
        self.avail
    }

    /// Offset of the avail ring's `idx` field.
    pub const fn avail_idx(&self) -> usize {
        self.avail.wrapping_add(2)
    }

    /// Offset of the avail ring entry for free-running index `idx`.
    pub const fn avail_ring(&self, idx: u16) -> usize {
        self.avail
            .wrapping_add(4)
            .wrapping_add((self.slot(idx) as usize).wrapping_mul(2))
    }

    /// Offset of the avail ring's `used_event` field.
    pub const fn used_event(&self) -> usize {
        self.avail
            .wrapping_add(4)
            .wrapping_add((self.num as usize).wrapping_mul(2))
    }

    /// Offset of the used ring's `flags` field.
    pub const fn used_flags(&self) -> usize {
        self.used
    }

    /// Offset of the used ring's `idx` field.
    pub const fn used_idx(&self) -> usize {
        self.used.wrapping_add(2)
    }

    /// Offset of the used ring element for free-running index `idx`.
    pub const fn used_ring(&self, idx: u16) -> usize {
        self.used
            .wrapping_add(4)
            .wrapping_add((self.slot(idx) as usize).wrapping_mul(USED_ELEM_SIZE))
    }

    /// Offset of the used ring's `avail_event` field.
    pub const fn avail_event(&self) -> usize {
        self.used
            .wrapping_add(4)
            .wrapping_add((self.num as usize).wrapping_mul(USED_ELEM_SIZE))
    }

    /// Offset of the used ring itself.
    pub const fn used(&self) -> usize {
        self.used
    }

    /// Offset of the avail ring itself.
    pub const fn avail(&self) -> usize {
        self.avail
    }
}

/// Offset of instance `i`'s vring0 (Linux's receive queue) in the vring region.
pub const fn instance_vring0(i: usize) -> Option<usize> {
    if i >= MAX_INSTANCES {
        return None;
    }
    i.checked_mul(INSTANCE_STRIDE)
}

/// Offset of instance `i`'s vring1 (Linux's send queue) in the vring region.
pub const fn instance_vring1(i: usize) -> Option<usize> {
    match instance_vring0(i) {
        Some(v) => v.checked_add(VRING_AREA),
        None => None,
    }
}

/// Bytes of vring region needed for `n` instances (`None` for 0 or more than
/// [`MAX_INSTANCES`]).
pub const fn region_size(n: usize) -> Option<usize> {
    if n == 0 || n > MAX_INSTANCES {
        return None;
    }
    n.checked_mul(INSTANCE_STRIDE)
}

/// Builds a link id from the master (Linux) and remote cpu ids (4 bits each).
pub const fn link_id(master_cpu: u8, remote_cpu: u8) -> u32 {
    (((master_cpu & 0xf) as u32) << 4) | (remote_cpu & 0xf) as u32
}

/// Master cpu id (bits 7:4) of a link id.
pub const fn link_master(link_id: u32) -> u8 {
    ((link_id >> 4) & 0xf) as u8
}

/// Remote cpu id (bits 3:0) of a link id.
pub const fn link_remote(link_id: u32) -> u8 {
    (link_id & 0xf) as u8
}

/// Why a doorbell message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorbellError {
    /// Fewer than [`DOORBELL_SIZE`] bytes.
    TooShort,
    /// The `data` word is not [`DOORBELL_MAGIC`]; holds the word received.
    BadMagic(u32),
    /// The `cmd` word is not this link's id.
    WrongLink {
        /// `link_id & 0xff` of this link.
        expected: u32,
        /// The `cmd` word received.
        got: u32,
    },
}

/// The doorbell message `{ u32 cmd; u32 data; }`, little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doorbell {
    /// `link_id & 0xff`.
    pub cmd: u32,
    /// [`DOORBELL_MAGIC`].
    pub data: u32,
}

impl Doorbell {
    /// The valid doorbell for `link_id`.
    pub const fn new(link_id: u32) -> Self {
        Doorbell {
            cmd: link_id & 0xff,
            data: DOORBELL_MAGIC,
        }
    }

    /// A doorbell for `link_id` whose magic is wrong (fault injection).
    pub const fn with_bad_magic(link_id: u32) -> Self {
        Doorbell {
            cmd: link_id & 0xff,
            data: DOORBELL_MAGIC ^ 0xFFFF_FFFF,
        }
    }

    /// A doorbell with the right magic but a link id that is not `link_id`
    /// (fault injection).
    pub const fn with_wrong_link(link_id: u32) -> Self {
        Doorbell {
            cmd: (link_id & 0xff).wrapping_add(1) & 0xff,
            data: DOORBELL_MAGIC,
        }
    }

    /// The 8 bytes sent through the mailbox.
    pub const fn encode(&self) -> [u8; DOORBELL_SIZE] {
        let c = self.cmd.to_le_bytes();
        let d = self.data.to_le_bytes();
        [c[0], c[1], c[2], c[3], d[0], d[1], d[2], d[3]]
    }

    /// Reads a doorbell from the first 8 bytes of `buf` (no validation).
    pub fn decode(buf: &[u8]) -> Result<Self, DoorbellError> {
        match (buf.get(0..4), buf.get(4..8)) {
            (Some(c), Some(d)) => {
                let mut cw = [0u8; 4];
                let mut dw = [0u8; 4];
                cw.copy_from_slice(c);
                dw.copy_from_slice(d);
                Ok(Doorbell {
                    cmd: u32::from_le_bytes(cw),
                    data: u32::from_le_bytes(dw),
                })
            }
            _ => Err(DoorbellError::TooShort),
        }
    }

    /// Checks magic and link id. A bad magic is reported before a wrong link.
    pub const fn check(&self, link_id: u32) -> Result<(), DoorbellError> {
        if self.data != DOORBELL_MAGIC {
            return Err(DoorbellError::BadMagic(self.data));
        }
        let expected = link_id & 0xff;
        if self.cmd != expected {
            return Err(DoorbellError::WrongLink {
                expected,
                got: self.cmd,
            });
        }
        Ok(())
    }
}
