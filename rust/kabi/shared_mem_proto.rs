// SPDX-License-Identifier: GPL-2.0

//! The protocol crate's view of mapped shared memory (`SharedMem` for
//! `SharedRegion`), for the rig modules that include `rpmsg_proto` as `proto`.

use crate::{
    proto::shared_mem::{OutOfBounds, SharedMem},
    shared_mem::SharedRegion,
};

impl SharedMem for SharedRegion {
    fn size(&self) -> usize {
        SharedRegion::size(self)
    }
    fn read_u16(&self, off: usize) -> Result<u16, OutOfBounds> {
        SharedRegion::read_u16(self, off).map_err(|_| OutOfBounds)
    }
    fn read_u32(&self, off: usize) -> Result<u32, OutOfBounds> {
        SharedRegion::read_u32(self, off).map_err(|_| OutOfBounds)
    }
    fn read_u64(&self, off: usize) -> Result<u64, OutOfBounds> {
        SharedRegion::read_u64(self, off).map_err(|_| OutOfBounds)
    }
    fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfBounds> {
        SharedRegion::write_u16(self, off, v).map_err(|_| OutOfBounds)
    }
    fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfBounds> {
        SharedRegion::write_u32(self, off, v).map_err(|_| OutOfBounds)
    }
    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        SharedRegion::read_bytes(self, off, buf).map_err(|_| OutOfBounds)
    }
    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds> {
        SharedRegion::write_bytes(self, off, buf).map_err(|_| OutOfBounds)
    }
    fn barrier(&self) {
        SharedRegion::barrier(self)
    }
}
