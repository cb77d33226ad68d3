// SPDX-License-Identifier: GPL-2.0

//! The firmware's remoteproc resource table, in the `.resource_table`
//! section where Linux's remoteproc core looks for it in the firmware file:
//! one trace buffer, the console's log ring, which Linux then shows as
//! `trace0` in the remote's debugfs directory. (Here because placing a
//! static in a named section is an unsafe attribute.)

use rpmsg_proto::firmware_control::LOG_RING_SIZE;

/// `RSC_TRACE` of Linux's `enum fw_resource_type`.
const RSC_TRACE: u32 = 2;

/// Where the log ring is: the start of the control area (link.ld's
/// CONTROL region). The firmware refuses to start if the two disagree.
pub const LOG_RING_ADDRESS: u32 = 0x477f_0000;

/// `struct resource_table` with its one offset, then the entry.
#[repr(C)]
pub struct ResourceTable {
    ver: u32,
    num: u32,
    reserved: [u32; 2],
    offset: [u32; 1],
    trace: Trace,
}

/// `struct fw_rsc_hdr` followed by `struct fw_rsc_trace`.
#[repr(C)]
struct Trace {
    kind: u32,
    da: u32,
    len: u32,
    reserved: u32,
    name: [u8; 32],
}

/// `name` NUL-padded to 32 bytes.
const fn padded(name: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < name.len() && i < 31 {
        out[i] = name[i];
        i += 1;
    }
    out
}

/// The table. `#[used]` and the linker script's KEEP keep it in the file.
#[used]
#[link_section = ".resource_table"]
pub static RESOURCE_TABLE: ResourceTable = ResourceTable {
    ver: 1,
    num: 1,
    reserved: [0; 2],
    offset: [core::mem::offset_of!(ResourceTable, trace) as u32],
    trace: Trace {
        kind: RSC_TRACE,
        da: LOG_RING_ADDRESS,
        len: LOG_RING_SIZE as u32,
        reserved: 0,
        name: padded(b"trace0"),
    },
};
