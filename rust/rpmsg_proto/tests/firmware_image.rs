//! The checks a firmware file passes before any of it is loaded.

use proptest::prelude::*;
use rpmsg_proto::firmware_image::{
    check, resource_table, resource_table_header_ok, ImageError, Section, EM_AARCH64, EM_ARM,
    MAX_LOAD_SEGMENTS,
};
use rpmsg_proto::shared_mem::WireAddr;

/// The firmware region of the QEMU board, less its control area.
const REGION: core::ops::Range<WireAddr> = 0x4700_0000..0x477f_0000;

/// One program header to write: (type, file offset, paddr, file size, mem size).
type Ph = (u32, u64, u64, u64, u64);

/// Builds an ELF image of `class` (1: 32-bit, 2: 64-bit) for `machine`
/// with `phs`, padded to `len` bytes.
fn elf(class: u8, machine: u16, entry: WireAddr, phs: &[Ph], len: usize) -> Vec<u8> {
    let wide = class == 2;
    let (header, ph_len) = if wide { (0x40, 0x38) } else { (0x34, 0x20) };
    let mut v = vec![0u8; len.max(header + ph_len * phs.len())];
    v[..4].copy_from_slice(&[0x7f, b'E', b'L', b'F']);
    v[4] = class;
    v[5] = 1;
    v[6] = 1;
    v[0x10..0x12].copy_from_slice(&2u16.to_le_bytes());
    v[0x12..0x14].copy_from_slice(&machine.to_le_bytes());
    let put = |v: &mut Vec<u8>, off: usize, value: u64| {
        if wide {
            v[off..off + 8].copy_from_slice(&value.to_le_bytes());
        } else {
            v[off..off + 4].copy_from_slice(&(value as u32).to_le_bytes());
        }
    };
    put(&mut v, 0x18, entry);
    let (phoff, phentsize, phnum) = if wide {
        (0x20, 0x36, 0x38)
    } else {
        (0x1c, 0x2a, 0x2c)
    };
    put(&mut v, phoff, header as u64);
    v[phentsize..phentsize + 2].copy_from_slice(&(ph_len as u16).to_le_bytes());
    v[phnum..phnum + 2].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    for (i, &(kind, offset, paddr, filesz, memsz)) in phs.iter().enumerate() {
        let ph = header + i * ph_len;
        v[ph..ph + 4].copy_from_slice(&kind.to_le_bytes());
        let (o_off, o_paddr, o_filesz, o_memsz) = if wide {
            (8, 0x18, 0x20, 0x28)
        } else {
            (4, 0xc, 0x10, 0x14)
        };
        put(&mut v, ph + o_off, offset);
        put(&mut v, ph + o_paddr, paddr);
        put(&mut v, ph + o_filesz, filesz);
        put(&mut v, ph + o_memsz, memsz);
    }
    v
}

/// A firmware like the board's: text at the region's start, then a
/// zero-initialised stack and .bss.
fn good64() -> Vec<u8> {
    elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[
            (1, 0x1000, 0x4700_0000, 0x2000, 0x2000),
            (1, 0x3000, 0x4700_2000, 0x10, 0x8_0000),
        ],
        0x3010,
    )
}

#[test]
fn a_good_image_gives_its_entry_and_segments() {
    let image = check(&good64(), EM_AARCH64, REGION).expect("good image");
    assert_eq!(image.entry, 0x4700_0000);
    let s = image.segments();
    assert_eq!(s.len(), 2);
    assert_eq!(
        (s[0].paddr, s[0].file_offset, s[0].file_size, s[0].mem_size),
        (0x4700_0000, 0x1000, 0x2000, 0x2000)
    );
    assert_eq!(
        (s[1].paddr, s[1].file_offset, s[1].file_size, s[1].mem_size),
        (0x4700_2000, 0x3000, 0x10, 0x8_0000)
    );
}

#[test]
fn a_32_bit_arm_image_is_read_too() {
    let v = elf(
        1,
        EM_ARM,
        0x4700_0100,
        &[(1, 0x100, 0x4700_0000, 0x200, 0x400)],
        0x300,
    );
    let image = check(&v, EM_ARM, REGION).expect("good 32-bit image");
    assert_eq!(image.entry, 0x4700_0100);
    assert_eq!(image.segments().len(), 1);
}

#[test]
fn non_load_and_empty_segments_are_skipped() {
    let v = elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[
            (6, 0, 0, 0, 0),
            (1, 0x1000, 0x4700_0000, 0x10, 0x10),
            (1, 0, 0x1234, 0, 0),
        ],
        0x1010,
    );
    let image = check(&v, EM_AARCH64, REGION).expect("good image");
    assert_eq!(image.segments().len(), 1);
    assert_eq!(image.segments()[0].index, 1);
}

#[test]
fn each_bad_file_is_refused_with_its_reason() {
    let short = vec![0x7f, b'E', b'L', b'F'];
    assert_eq!(
        check(&short, EM_AARCH64, REGION),
        Err(ImageError::TooShort { len: 4 })
    );
    let mut text = b"#!/bin/sh\necho this is not firmware\n".to_vec();
    text.resize(0x80, b' ');
    assert_eq!(check(&text, EM_AARCH64, REGION), Err(ImageError::NotElf));

    let mut v = good64();
    v[4] = 3;
    assert_eq!(
        check(&v, EM_AARCH64, REGION),
        Err(ImageError::BadClass { class: 3 })
    );
    let mut v = good64();
    v[5] = 2;
    assert_eq!(
        check(&v, EM_AARCH64, REGION),
        Err(ImageError::NotLittleEndian)
    );
    let mut v = good64();
    v[0x10] = 3; // ET_DYN
    assert_eq!(
        check(&v, EM_AARCH64, REGION),
        Err(ImageError::NotExecutable { elf_type: 3 })
    );
    assert_eq!(
        check(&good64(), EM_ARM, REGION),
        Err(ImageError::WrongMachine {
            found: EM_AARCH64,
            expected: EM_ARM
        })
    );

    let full = good64();
    assert_eq!(
        check(&full[..0x3008], EM_AARCH64, REGION),
        Err(ImageError::Truncated {
            index: 1,
            end: 0x3010,
            len: 0x3008
        })
    );
    assert_eq!(
        check(&full[..0x60], EM_AARCH64, REGION),
        Err(ImageError::BadProgramHeaders)
    );

    let outside = elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[(1, 0x100, 0x4000_0000, 0x10, 0x10)],
        0x110,
    );
    assert_eq!(
        check(&outside, EM_AARCH64, REGION),
        Err(ImageError::SegmentOutside {
            index: 0,
            start: 0x4000_0000,
            end: 0x4000_0010
        })
    );
    // Into the control area at the region's end.
    let tail = elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[(1, 0x100, 0x477e_0000, 0x10, 0x2_0000)],
        0x110,
    );
    assert!(matches!(
        check(&tail, EM_AARCH64, REGION),
        Err(ImageError::SegmentOutside { index: 0, .. })
    ));
    let wraps = elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[(1, 0x100, u64::MAX - 4, 0x10, 0x10)],
        0x110,
    );
    assert!(matches!(
        check(&wraps, EM_AARCH64, REGION),
        Err(ImageError::SegmentOutside { end: u64::MAX, .. })
    ));

    let bigger = elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[(1, 0x100, 0x4700_0000, 0x20, 0x10)],
        0x120,
    );
    assert_eq!(
        check(&bigger, EM_AARCH64, REGION),
        Err(ImageError::FileLargerThanMemory { index: 0 })
    );
    let overlap = elf(
        2,
        EM_AARCH64,
        0x4700_0000,
        &[
            (1, 0x100, 0x4700_0000, 0x10, 0x1000),
            (1, 0x100, 0x4700_0800, 0x10, 0x10),
        ],
        0x110,
    );
    assert_eq!(
        check(&overlap, EM_AARCH64, REGION),
        Err(ImageError::Overlap {
            first: 0,
            second: 1
        })
    );
    let none = elf(2, EM_AARCH64, 0x4700_0000, &[(6, 0, 0, 0, 0)], 0x100);
    assert_eq!(
        check(&none, EM_AARCH64, REGION),
        Err(ImageError::NoLoadableSegment)
    );
    let entry = elf(
        2,
        EM_AARCH64,
        0x4710_0000,
        &[(1, 0x100, 0x4700_0000, 0x10, 0x10)],
        0x110,
    );
    assert_eq!(
        check(&entry, EM_AARCH64, REGION),
        Err(ImageError::EntryOutside { entry: 0x4710_0000 })
    );
    let many: Vec<Ph> = (0..=MAX_LOAD_SEGMENTS as u64)
        .map(|i| (1, 0x1000, 0x4700_0000 + i * 0x100, 0x10, 0x10))
        .collect();
    let many = elf(2, EM_AARCH64, 0x4700_0000, &many, 0x1010);
    assert_eq!(
        check(&many, EM_AARCH64, REGION),
        Err(ImageError::TooManySegments)
    );
}

#[test]
fn every_reason_reads_as_a_sentence() {
    let reasons = [
        ImageError::NotElf.to_string(),
        ImageError::WrongMachine {
            found: 40,
            expected: 183,
        }
        .to_string(),
        ImageError::Truncated {
            index: 1,
            end: 0x3010,
            len: 0x3008,
        }
        .to_string(),
        ImageError::SegmentOutside {
            index: 0,
            start: 0x4000_0000,
            end: 0x4000_0010,
        }
        .to_string(),
    ];
    assert_eq!(reasons[0], "not an ELF file (no ELF magic)");
    assert_eq!(reasons[1], "ELF machine 40, the remote core needs 183");
    assert_eq!(
        reasons[2],
        "truncated: segment 1 ends at file offset 0x3010, the file has 0x3008 bytes"
    );
    assert_eq!(
        reasons[3],
        "segment 0 at 0x40000000..0x40000010 is outside the remote's firmware memory"
    );
}

/// What a loader relies on in any image that passes.
fn holds_for_loader(bytes: &[u8], machine: u16) {
    if let Ok(image) = check(bytes, machine, REGION) {
        for s in image.segments() {
            assert!(s.file_offset + s.file_size <= bytes.len());
            assert!(s.file_size as u64 <= s.mem_size);
            assert!(REGION.start <= s.paddr && s.paddr + s.mem_size <= REGION.end);
        }
        assert!(image
            .segments()
            .iter()
            .any(|s| s.span().contains(&image.entry)));
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        holds_for_loader(&bytes, EM_AARCH64);
    }

    #[test]
    fn corrupted_images_are_refused_or_still_safe(
        edits in proptest::collection::vec((0usize..0x3010, any::<u8>()), 1..8),
        cut in 0usize..0x3011,
    ) {
        let mut v = good64();
        for (at, value) in edits {
            v[at] = value;
        }
        v.truncate(cut.max(1));
        holds_for_loader(&v, EM_AARCH64);
    }
}

/// Appends a section name table and section headers for `sections`
/// (name, file offset, size, address) to the 64-bit image `v`; the name
/// table is the last section. Returns the section header table's offset.
fn with_sections(v: &mut Vec<u8>, sections: &[(&str, u64, u64, u64)]) -> usize {
    let mut names = vec![0u8];
    let mut name_at = Vec::new();
    for (name, ..) in sections.iter().chain([(".shstrtab", 0, 0, 0)].iter()) {
        name_at.push(names.len() as u32);
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    let names_off = v.len() as u64;
    v.extend_from_slice(&names);
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
    let shoff = v.len();
    let mut all: Vec<(u32, u64, u64, u64)> = sections
        .iter()
        .zip(&name_at)
        .map(|(&(_, off, size, addr), &n)| (n, off, size, addr))
        .collect();
    all.push((*name_at.last().unwrap(), names_off, names.len() as u64, 0));
    for (name, off, size, addr) in &all {
        let mut sh = [0u8; 0x40];
        sh[0..4].copy_from_slice(&name.to_le_bytes());
        sh[0x10..0x18].copy_from_slice(&addr.to_le_bytes());
        sh[0x18..0x20].copy_from_slice(&off.to_le_bytes());
        sh[0x20..0x28].copy_from_slice(&size.to_le_bytes());
        v.extend_from_slice(&sh);
    }
    v[0x28..0x30].copy_from_slice(&(shoff as u64).to_le_bytes());
    v[0x3a..0x3c].copy_from_slice(&0x40u16.to_le_bytes());
    v[0x3c..0x3e].copy_from_slice(&(all.len() as u16).to_le_bytes());
    v[0x3e..0x40].copy_from_slice(&((all.len() - 1) as u16).to_le_bytes());
    shoff
}

/// The board firmware's shape: text, then a resource table among other
/// sections.
fn good64_with_table() -> Vec<u8> {
    let mut v = good64();
    // struct resource_table: version 1, one entry at offset 20.
    v[0x2f00..0x2f04].copy_from_slice(&1u32.to_le_bytes());
    v[0x2f04..0x2f08].copy_from_slice(&1u32.to_le_bytes());
    v[0x2f10..0x2f14].copy_from_slice(&20u32.to_le_bytes());
    with_sections(
        &mut v,
        &[
            (".text", 0x1000, 0x1f00, 0x4700_0000),
            (".resource_table", 0x2f00, 0x44, 0x4700_1f00),
            (".bss", 0x3000, 0x8_0000, 0x4700_2000),
        ],
    );
    v
}

#[test]
fn the_resource_table_section_is_found() {
    let v = good64_with_table();
    assert!(check(&v, EM_AARCH64, REGION).is_ok());
    assert_eq!(
        resource_table(&v),
        Ok(Some(Section {
            file_offset: 0x2f00,
            size: 0x44,
            addr: 0x4700_1f00
        }))
    );
}

#[test]
fn no_section_headers_or_no_table_means_none() {
    assert_eq!(resource_table(&good64()), Ok(None));
    let mut v = good64();
    with_sections(&mut v, &[(".text", 0x1000, 0x1f00, 0x4700_0000)]);
    assert_eq!(resource_table(&v), Ok(None));
}

#[test]
fn broken_section_headers_are_refused() {
    let good = good64_with_table();
    let shoff = u64::from_le_bytes(good[0x28..0x30].try_into().unwrap()) as usize;
    type Edit = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Edit, ImageError)> = vec![
        (
            "table past the end",
            Box::new(|v| v[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes())),
            ImageError::BadSectionHeaders,
        ),
        (
            "wrong entry size",
            Box::new(|v| v[0x3a..0x3c].copy_from_slice(&0x28u16.to_le_bytes())),
            ImageError::BadSectionHeaders,
        ),
        (
            "name table index past the table",
            Box::new(|v| v[0x3e..0x40].copy_from_slice(&9u16.to_le_bytes())),
            ImageError::BadSectionHeaders,
        ),
        (
            "name offset past the name table",
            Box::new(move |v| v[shoff..shoff + 4].copy_from_slice(&0xffffu32.to_le_bytes())),
            ImageError::BadSectionHeaders,
        ),
        (
            "resource table of version 2",
            Box::new(|v| v[0x2f00] = 2),
            ImageError::BadResourceTable,
        ),
        (
            "resource table with a reserved word set",
            Box::new(|v| v[0x2f0c] = 1),
            ImageError::BadResourceTable,
        ),
        (
            "resource table with more offsets than fit",
            Box::new(|v| v[0x2f04..0x2f08].copy_from_slice(&100u32.to_le_bytes())),
            ImageError::BadResourceTable,
        ),
        (
            "resource table past the end of the file",
            Box::new(move |v| {
                let sh = shoff + 0x40;
                v[sh + 0x20..sh + 0x28].copy_from_slice(&0x10_0000u64.to_le_bytes())
            }),
            ImageError::ResourceTableOutside,
        ),
    ];
    for (what, edit, want) in cases {
        let mut v = good.clone();
        edit(&mut v);
        assert_eq!(resource_table(&v), Err(want), "{what}");
    }
}

proptest! {
    #[test]
    fn a_found_table_lies_in_the_file(
        edits in proptest::collection::vec((0usize..0x3200, any::<u8>()), 1..8),
        tail_edits in proptest::collection::vec((0usize..0x200, any::<u8>()), 0..8),
        cut in 0usize..0x3400,
    ) {
        let mut v = good64_with_table();
        let len = v.len();
        for (at, value) in edits {
            v[at % len] = value;
        }
        // The section headers and names sit at the end.
        for (at, value) in tail_edits {
            v[len - 0x100 + at % 0x100] = value;
        }
        v.truncate(cut.max(1).min(len));
        if let Ok(Some(table)) = resource_table(&v) {
            prop_assert!(table.file_offset + table.size <= v.len());
        }
    }
}

/// A table header: version, entry count, reserved words, then the offsets.
fn table_header(ver: u32, num: u32, reserved: [u32; 2], offsets: usize) -> Vec<u8> {
    let mut t = Vec::new();
    for word in [ver, num, reserved[0], reserved[1]] {
        t.extend_from_slice(&word.to_le_bytes());
    }
    t.extend(std::iter::repeat_n(0u8, offsets * 4));
    t
}

#[test]
fn a_table_header_is_accepted_only_as_remoteproc_reads_it() {
    assert!(resource_table_header_ok(&table_header(1, 1, [0, 0], 1)));
    assert!(resource_table_header_ok(&table_header(1, 0, [0, 0], 0)));
    // Version 2, reserved words set, offsets past the end, too short.
    assert!(!resource_table_header_ok(&table_header(2, 1, [0, 0], 1)));
    assert!(!resource_table_header_ok(&table_header(1, 1, [1, 0], 1)));
    assert!(!resource_table_header_ok(&table_header(1, 1, [0, 1], 1)));
    assert!(!resource_table_header_ok(&table_header(1, 2, [0, 0], 1)));
    assert!(!resource_table_header_ok(&table_header(
        1,
        u32::MAX,
        [0, 0],
        1
    )));
    assert!(!resource_table_header_ok(&[1, 0, 0]));
}
