//! Access to memory shared with the other core.

/// A physical address as the shared formats carry it: a vring descriptor's
/// `le64`, the control page's 64-bit words, an ELF64 program header. The
/// same width on every side; a 32-bit Linux converts its own narrower
/// `phys_addr_t` at the boundary.
pub type WireAddr = u64;

/// A byte count of physical memory as the shared formats carry it.
pub type WireSize = u64;

/// Error for an access outside a shared region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfBounds;

/// Byte-addressed view of memory shared with the other core; offsets are
/// relative to the start of the region, values little-endian.
///
/// Every access is bounds-checked by the implementation: an access that does
/// not lie entirely inside `0..size()` returns [`OutOfBounds`] and touches
/// nothing.
pub trait SharedMem {
    /// Size of the region in bytes.
    fn size(&self) -> usize;
    /// Reads a little-endian `u16` at `off`.
    fn read_u16(&self, off: usize) -> Result<u16, OutOfBounds>;
    /// Reads a little-endian `u32` at `off`.
    fn read_u32(&self, off: usize) -> Result<u32, OutOfBounds>;
    /// Reads a little-endian `u64` at `off`.
    fn read_u64(&self, off: usize) -> Result<u64, OutOfBounds>;
    /// Writes a little-endian `u16` at `off`.
    fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfBounds>;
    /// Writes a little-endian `u32` at `off`.
    fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfBounds>;
    /// Fills `buf` from the bytes at `off`.
    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds>;
    /// Copies `buf` to the bytes at `off`.
    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds>;
    /// Full memory barrier between ring accesses.
    fn barrier(&self);
}
