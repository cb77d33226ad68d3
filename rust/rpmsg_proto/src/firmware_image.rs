// SPDX-License-Identifier: GPL-2.0

//! Checks a remote core's firmware file before anything of it is loaded:
//! an ELF executable for the expected machine whose loadable segments all
//! lie inside the memory the remote may use and inside the file itself.
//!
//! Only the checks live here (no copying): the loader copies the segments
//! this returns, in the order returned, and zeroes each segment's memory
//! past its file bytes.

use super::shared_mem::{WireAddr, WireSize};
use core::{fmt, ops::Range};

/// `e_machine` of 64-bit Arm.
pub const EM_AARCH64: u16 = 183;
/// `e_machine` of 32-bit Arm.
pub const EM_ARM: u16 = 40;
/// The most loadable segments an image may have.
pub const MAX_LOAD_SEGMENTS: usize = 16;

const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
/// `ELFCLASS32`: a 32-bit ELF file.
pub const ELFCLASS32: u8 = 1;
/// `ELFCLASS64`: a 64-bit ELF file.
pub const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ET_EXEC: u16 = 2;
const PT_LOAD: u32 = 1;

/// One loadable segment: `file_size` bytes from `file_offset` of the image
/// go to `paddr`; the `mem_size - file_size` bytes after them are zeroed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadSegment {
    /// Index of the program header this segment came from.
    pub index: usize,
    /// Physical address of the segment's first byte.
    pub paddr: WireAddr,
    /// Offset of its bytes in the image.
    pub file_offset: usize,
    /// How many bytes the image holds for it.
    pub file_size: usize,
    /// How many bytes it occupies in memory (at least `file_size`).
    pub mem_size: WireSize,
}

impl LoadSegment {
    /// The physical range the segment occupies.
    pub fn span(&self) -> Range<WireAddr> {
        self.paddr..self.paddr + self.mem_size
    }
}

/// A checked image: its entry point and loadable segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareImage {
    /// Where the remote core starts executing.
    pub entry: WireAddr,
    segments: [LoadSegment; MAX_LOAD_SEGMENTS],
    count: usize,
}

impl FirmwareImage {
    /// The loadable segments, in program header order (empty ones left out).
    pub fn segments(&self) -> &[LoadSegment] {
        self.segments.get(..self.count).unwrap_or(&[])
    }
}

/// Why an image is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// Shorter than an ELF header.
    TooShort { len: usize },
    /// Does not start with the ELF magic.
    NotElf,
    /// Neither ELFCLASS32 nor ELFCLASS64.
    BadClass { class: u8 },
    /// Not little-endian.
    NotLittleEndian,
    /// Not an executable (`ET_EXEC`).
    NotExecutable { elf_type: u16 },
    /// Built for another machine.
    WrongMachine { found: u16, expected: u16 },
    /// The program header table lies outside the file or has entries of
    /// the wrong size.
    BadProgramHeaders,
    /// A segment's bytes lie past the end of the file.
    Truncated { index: usize, end: u64, len: usize },
    /// A segment claims more file bytes than memory.
    FileLargerThanMemory { index: usize },
    /// A segment lies outside the memory the remote may use.
    SegmentOutside {
        index: usize,
        start: WireAddr,
        end: WireAddr,
    },
    /// Two segments overlap in memory.
    Overlap { first: usize, second: usize },
    /// More loadable segments than [`MAX_LOAD_SEGMENTS`].
    TooManySegments,
    /// No segment to load.
    NoLoadableSegment,
    /// The entry point is in none of the loaded segments.
    EntryOutside { entry: WireAddr },
    /// The section header table, or the section names, lie outside the
    /// file or are malformed.
    BadSectionHeaders,
    /// The `.resource_table` section lies outside the file.
    ResourceTableOutside,
    /// The resource table's header is not version 1 with zero reserved
    /// words and its offsets inside the section.
    BadResourceTable,
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ImageError::TooShort { len } => {
                write!(f, "not an ELF file: {len} bytes, shorter than an ELF header")
            }
            ImageError::NotElf => write!(f, "not an ELF file (no ELF magic)"),
            ImageError::BadClass { class } => write!(f, "ELF class {class} is neither 32- nor 64-bit"),
            ImageError::NotLittleEndian => write!(f, "big-endian ELF; the remote core is little-endian"),
            ImageError::NotExecutable { elf_type } => {
                write!(f, "ELF type {elf_type} is not an executable (ET_EXEC)")
            }
            ImageError::WrongMachine { found, expected } => {
                write!(f, "ELF machine {found}, the remote core needs {expected}")
            }
            ImageError::BadProgramHeaders => {
                write!(f, "program header table outside the file or of the wrong entry size")
            }
            ImageError::Truncated { index, end, len } => write!(
                f,
                "truncated: segment {index} ends at file offset {end:#x}, the file has {len:#x} bytes"
            ),
            ImageError::FileLargerThanMemory { index } => {
                write!(f, "segment {index} has more file bytes than memory bytes")
            }
            ImageError::SegmentOutside { index, start, end } => write!(
                f,
                "segment {index} at {start:#x}..{end:#x} is outside the remote's firmware memory"
            ),
            ImageError::Overlap { first, second } => {
                write!(f, "segments {first} and {second} overlap")
            }
            ImageError::TooManySegments => {
                write!(f, "more than {MAX_LOAD_SEGMENTS} loadable segments")
            }
            ImageError::NoLoadableSegment => write!(f, "no loadable segment"),
            ImageError::EntryOutside { entry } => {
                write!(f, "entry point {entry:#x} is in no loaded segment")
            }
            ImageError::BadSectionHeaders => write!(
                f,
                "section header table or section names outside the file or malformed"
            ),
            ImageError::ResourceTableOutside => {
                write!(f, "the .resource_table section lies outside the file")
            }
            ImageError::BadResourceTable => write!(
                f,
                "the resource table is not version 1 with zero reserved words and its offsets inside it"
            ),
        }
    }
}

/// Reads little-endian header fields at checked offsets.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes<const N: usize>(&self, off: usize) -> Option<[u8; N]> {
        self.0.get(off..off.checked_add(N)?)?.try_into().ok()
    }

    fn u8(&self, off: usize) -> Option<u8> {
        self.0.get(off).copied()
    }

    fn u16(&self, off: usize) -> Option<u16> {
        self.bytes(off).map(u16::from_le_bytes)
    }

    fn u32(&self, off: usize) -> Option<u32> {
        self.bytes(off).map(u32::from_le_bytes)
    }

    fn u64(&self, off: usize) -> Option<u64> {
        self.bytes(off).map(u64::from_le_bytes)
    }

    /// A word of the file's class: 4 bytes in ELF32, 8 in ELF64.
    fn word(&self, off: usize, wide: bool) -> Option<u64> {
        if wide {
            self.u64(off)
        } else {
            self.u32(off).map(u64::from)
        }
    }
}

/// Where a class keeps the fields this check reads.
struct Offsets {
    entry: usize,
    phoff: usize,
    phentsize: usize,
    phnum: usize,
    header_len: usize,
    ph_len: usize,
    ph_type: usize,
    ph_offset: usize,
    ph_paddr: usize,
    ph_filesz: usize,
    ph_memsz: usize,
}

const OFFSETS_32: Offsets = Offsets {
    entry: 0x18,
    phoff: 0x1c,
    phentsize: 0x2a,
    phnum: 0x2c,
    header_len: 0x34,
    ph_len: 0x20,
    ph_type: 0x00,
    ph_offset: 0x04,
    ph_paddr: 0x0c,
    ph_filesz: 0x10,
    ph_memsz: 0x14,
};

const OFFSETS_64: Offsets = Offsets {
    entry: 0x18,
    phoff: 0x20,
    phentsize: 0x36,
    phnum: 0x38,
    header_len: 0x40,
    ph_len: 0x38,
    ph_type: 0x00,
    ph_offset: 0x08,
    ph_paddr: 0x18,
    ph_filesz: 0x20,
    ph_memsz: 0x28,
};

/// Checks `image` as firmware for a core of `machine` that may use the
/// physical memory `allowed`; returns its entry point and the segments to
/// load. Empty segments (no memory bytes) are skipped.
pub fn check(
    image: &[u8],
    machine: u16,
    allowed: Range<WireAddr>,
) -> Result<FirmwareImage, ImageError> {
    let r = Reader(image);
    if image.len() < 0x34 {
        return Err(ImageError::TooShort { len: image.len() });
    }
    if r.bytes::<4>(0) != Some(ELF_MAGIC) {
        return Err(ImageError::NotElf);
    }
    let (wide, o) = match r.u8(4) {
        Some(ELFCLASS64) => (true, &OFFSETS_64),
        Some(ELFCLASS32) => (false, &OFFSETS_32),
        class => {
            return Err(ImageError::BadClass {
                class: class.unwrap_or(0),
            })
        }
    };
    if image.len() < o.header_len {
        return Err(ImageError::TooShort { len: image.len() });
    }
    if r.u8(5) != Some(ELFDATA2LSB) {
        return Err(ImageError::NotLittleEndian);
    }
    let too_short = ImageError::TooShort { len: image.len() };
    let elf_type = r.u16(0x10).ok_or(too_short)?;
    if elf_type != ET_EXEC {
        return Err(ImageError::NotExecutable { elf_type });
    }
    let found = r.u16(0x12).ok_or(too_short)?;
    if found != machine {
        return Err(ImageError::WrongMachine {
            found,
            expected: machine,
        });
    }
    let entry = r.word(o.entry, wide).ok_or(too_short)?;
    let phoff = r.word(o.phoff, wide).ok_or(too_short)?;
    let phentsize = r.u16(o.phentsize).ok_or(too_short)?;
    let phnum = r.u16(o.phnum).ok_or(too_short)?;
    if usize::from(phentsize) != o.ph_len {
        return Err(ImageError::BadProgramHeaders);
    }
    let table_len = u64::from(phnum) * u64::from(phentsize);
    let table_end = phoff
        .checked_add(table_len)
        .ok_or(ImageError::BadProgramHeaders)?;
    if table_end > image.len() as u64 {
        return Err(ImageError::BadProgramHeaders);
    }
    // Within the file, so it fits in usize.
    let phoff = phoff as usize;

    let mut out = FirmwareImage {
        entry,
        segments: [LoadSegment::default(); MAX_LOAD_SEGMENTS],
        count: 0,
    };
    for index in 0..usize::from(phnum) {
        let ph = phoff + index * o.ph_len;
        let field = |off: usize| r.word(ph + off, wide).ok_or(ImageError::BadProgramHeaders);
        if r.u32(ph + o.ph_type) != Some(PT_LOAD) {
            continue;
        }
        let offset = field(o.ph_offset)?;
        let paddr = field(o.ph_paddr)?;
        let file_size = field(o.ph_filesz)?;
        let mem_size = field(o.ph_memsz)?;
        if file_size > mem_size {
            return Err(ImageError::FileLargerThanMemory { index });
        }
        if mem_size == 0 {
            continue;
        }
        let file_end = offset.checked_add(file_size);
        match file_end {
            Some(end) if end <= image.len() as u64 => {}
            _ => {
                return Err(ImageError::Truncated {
                    index,
                    end: file_end.unwrap_or(u64::MAX),
                    len: image.len(),
                })
            }
        }
        let end = paddr.checked_add(mem_size);
        match end {
            Some(end) if paddr >= allowed.start && end <= allowed.end => {}
            _ => {
                return Err(ImageError::SegmentOutside {
                    index,
                    start: paddr,
                    end: end.unwrap_or(u64::MAX),
                })
            }
        }
        let segment = LoadSegment {
            index,
            paddr,
            // Both within the file, checked above.
            file_offset: offset as usize,
            file_size: file_size as usize,
            mem_size,
        };
        for earlier in out.segments() {
            let (a, b) = (earlier.span(), segment.span());
            if a.start < b.end && b.start < a.end {
                return Err(ImageError::Overlap {
                    first: earlier.index,
                    second: index,
                });
            }
        }
        let slot = out
            .segments
            .get_mut(out.count)
            .ok_or(ImageError::TooManySegments)?;
        *slot = segment;
        out.count += 1;
    }
    if out.count == 0 {
        return Err(ImageError::NoLoadableSegment);
    }
    if !out.segments().iter().any(|s| s.span().contains(&entry)) {
        return Err(ImageError::EntryOutside { entry });
    }
    Ok(out)
}

/// A section of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Where its bytes start in the file.
    pub file_offset: usize,
    /// How many bytes it has.
    pub size: usize,
    /// The address it loads at.
    pub addr: WireAddr,
}

/// Whether `table` starts with a resource table header remoteproc accepts:
/// version 1, reserved words zero, and the array of `num` entry offsets
/// inside `table`.
pub fn resource_table_header_ok(table: &[u8]) -> bool {
    let t = Reader(table);
    t.u32(0) == Some(1)
        && t.u32(8) == Some(0)
        && t.u32(12) == Some(0)
        && t.u32(4)
            .and_then(|num| (num as usize).checked_mul(4)?.checked_add(16))
            .is_some_and(|len| len <= table.len())
}

/// The name of remoteproc's resource table section.
pub const RESOURCE_TABLE_SECTION: &[u8] = b".resource_table";

/// The `.resource_table` section (remoteproc's resource table), if the file
/// has section headers and one of them is it. Checks first all that the
/// kernel's ELF loader reads without checking when it looks for the table:
/// the section header table inside the file with entries of the right
/// size, the name table section inside the file, and every section's name
/// NUL-terminated inside it; then that the table's bytes are in the file
/// and its header is what remoteproc accepts (version 1, reserved words
/// zero, the offsets array inside the section). Call it on an image
/// [`check`] accepted.
pub fn resource_table(image: &[u8]) -> Result<Option<Section>, ImageError> {
    let r = Reader(image);
    let bad = ImageError::BadSectionHeaders;
    let wide = match r.u8(4) {
        Some(ELFCLASS64) => true,
        Some(ELFCLASS32) => false,
        _ => return Err(bad),
    };
    // e_shoff, e_shentsize, e_shnum, e_shstrndx; per section: sh_name,
    // sh_addr, sh_offset, sh_size.
    let (shoff_at, shentsize_at, shnum_at, shstrndx_at) = if wide {
        (0x28, 0x3a, 0x3c, 0x3e)
    } else {
        (0x20, 0x2e, 0x30, 0x32)
    };
    let (sh_len, sh_addr, sh_offset, sh_size) = if wide {
        (0x40, 0x10, 0x18, 0x20)
    } else {
        (0x28, 0x0c, 0x10, 0x14)
    };
    let shnum = usize::from(r.u16(shnum_at).ok_or(bad)?);
    if shnum == 0 {
        return Ok(None);
    }
    let shoff = r.word(shoff_at, wide).ok_or(bad)?;
    if usize::from(r.u16(shentsize_at).ok_or(bad)?) != sh_len {
        return Err(bad);
    }
    let table_end = shoff
        .checked_add((shnum * sh_len) as u64)
        .filter(|end| *end <= image.len() as u64)
        .ok_or(bad)?;
    let shoff = (table_end as usize) - shnum * sh_len;
    let shdr = |i: usize| shoff + i * sh_len;
    let field = |i: usize, off: usize| r.word(shdr(i) + off, wide).ok_or(bad);
    let shstrndx = usize::from(r.u16(shstrndx_at).ok_or(bad)?);
    if shstrndx >= shnum {
        return Err(bad);
    }
    let names_start = field(shstrndx, sh_offset)?;
    let names_end = names_start
        .checked_add(field(shstrndx, sh_size)?)
        .filter(|end| *end <= image.len() as u64)
        .ok_or(bad)?;
    let names = image
        .get(names_start as usize..names_end as usize)
        .ok_or(bad)?;
    let mut found = None;
    for i in 0..shnum {
        let name_at = r.u32(shdr(i)).ok_or(bad)? as usize;
        let name = names.get(name_at..).ok_or(bad)?;
        let len = name.iter().position(|b| *b == 0).ok_or(bad)?;
        if found.is_none() && &name[..len] == RESOURCE_TABLE_SECTION {
            found = Some(i);
        }
    }
    let Some(i) = found else {
        return Ok(None);
    };
    let offset = field(i, sh_offset)?;
    let size = field(i, sh_size)?;
    let end = offset
        .checked_add(size)
        .filter(|end| *end <= image.len() as u64)
        .ok_or(ImageError::ResourceTableOutside)?;
    // struct resource_table: ver, num, reserved[2], then num u32 offsets.
    let table = image
        .get(offset as usize..end as usize)
        .ok_or(ImageError::ResourceTableOutside)?;
    if !resource_table_header_ok(table) {
        return Err(ImageError::BadResourceTable);
    }
    Ok(Some(Section {
        file_offset: offset as usize,
        size: (end - offset) as usize,
        addr: field(i, sh_addr)?,
    }))
}
