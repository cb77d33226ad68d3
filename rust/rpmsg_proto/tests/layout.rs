use rpmsg_proto::layout::*;

#[test]
fn constants_match_vendor_numbers() {
    assert_eq!(VRING_NUM, 64);
    assert_eq!(VRING_ALIGN, 0x1000);
    assert_eq!(VRING_AREA, 0x8000);
    assert_eq!(INSTANCE_STRIDE, 0x10000);
    assert_eq!(MAX_INSTANCES, 12);
    assert_eq!(BUF_SIZE, 512);
    assert_eq!(HDR_SIZE, 16);
    assert_eq!(MAX_PAYLOAD, 496);
    assert_eq!(DOORBELL_MAGIC, 0x524D5347);
    assert_eq!(&DOORBELL_MAGIC.to_be_bytes(), b"RMSG");
    assert_eq!(NS_ADDR, 53);
    assert_eq!(NAME_SIZE, 32);
    assert_eq!(NS_MSG_SIZE, 40);
    assert_eq!(RPMSG_DEVICE_FEATURES, 1);
}

#[test]
fn rockchip_layout_matches_linux_vring_init() {
    let l = VringLayout::rockchip();
    assert_eq!(Some(l), VringLayout::new(64, 0x1000));
    assert_eq!(l.num(), 64);
    assert_eq!(l.desc(0), 0);
    assert_eq!(l.desc(63), 63 * 16);
    assert_eq!(l.avail_flags(), 0x400);
    assert_eq!(l.avail_idx(), 0x402);
    assert_eq!(l.avail_ring(0), 0x404);
    assert_eq!(l.avail_ring(64), 0x404, "index wraps onto slot 0");
    assert_eq!(l.avail_ring(65535), 0x404 + 63 * 2);
    assert_eq!(l.used_event(), 0x404 + 128);
    assert_eq!(l.used_flags(), 0x1000);
    assert_eq!(l.used_idx(), 0x1002);
    assert_eq!(l.used_ring(1), 0x1004 + 8);
    assert_eq!(l.avail_event(), 0x1004 + 64 * 8);
    // vring_size(64, 0x1000) in Linux
    assert_eq!(l.size(), 0x1000 + 6 + 64 * 8);
    assert!(l.size() <= VRING_AREA);
}

#[test]
fn layout_for_other_sizes() {
    // num 256, align 4096: desc 4096, avail 6+512 -> used at 8192
    let l = VringLayout::new(256, 4096).unwrap();
    assert_eq!(l.avail(), 4096);
    assert_eq!(l.used(), 8192);
    assert_eq!(l.size(), 8192 + 6 + 256 * 8);
    // small alignment packs the used ring right after avail
    let l = VringLayout::new(4, 4).unwrap();
    assert_eq!(l.avail(), 64);
    assert_eq!(l.used(), 80, "64 + 6 + 8 rounded up to 4");
    assert_eq!(l.slot(5), 1);
}

#[test]
fn layout_rejects_bad_parameters() {
    assert_eq!(VringLayout::new(0, 0x1000), None);
    assert_eq!(VringLayout::new(63, 0x1000), None);
    assert_eq!(VringLayout::new(64, 0), None);
    assert_eq!(VringLayout::new(64, 0x1001), None);
    // huge alignments are computed without overflow
    let huge = VringLayout::new(64, 1 << (usize::BITS - 1)).unwrap();
    assert_eq!(huge.used(), 1 << (usize::BITS - 1));
    assert!(VringLayout::new(0x8000, 0x1000).is_some());
}

#[test]
fn instance_offsets() {
    assert_eq!(instance_vring0(0), Some(0));
    assert_eq!(instance_vring1(0), Some(0x8000));
    assert_eq!(instance_vring0(11), Some(0xb0000));
    assert_eq!(instance_vring1(11), Some(0xb8000));
    assert_eq!(instance_vring0(12), None);
    assert_eq!(instance_vring1(12), None);
    assert_eq!(region_size(1), Some(0x10000));
    assert_eq!(region_size(12), Some(0xc0000));
    assert_eq!(region_size(0), None);
    assert_eq!(region_size(13), None);
}

#[test]
fn link_ids() {
    let l = link_id(0, 3);
    assert_eq!(l, 0x03);
    assert_eq!(link_id(1, 2), 0x12);
    assert_eq!(link_master(0x12), 1);
    assert_eq!(link_remote(0x12), 2);
    assert_eq!(link_id(0x1f, 0x2f), 0xff);
}

#[test]
fn doorbell_encoding() {
    let d = Doorbell::new(0x103);
    assert_eq!(d.cmd, 0x03, "cmd is link_id & 0xff");
    assert_eq!(d.data, DOORBELL_MAGIC);
    assert_eq!(d.encode(), [0x03, 0, 0, 0, 0x47, 0x53, 0x4d, 0x52]);
    assert_eq!(Doorbell::decode(&d.encode()), Ok(d));
    assert_eq!(
        Doorbell::decode(&[1, 2, 3, 4, 5, 6, 7]),
        Err(DoorbellError::TooShort)
    );
    assert_eq!(d.check(0x03), Ok(()));
    assert_eq!(d.check(0x103), Ok(()));
}

#[test]
fn doorbell_validation_distinguishes_faults() {
    let bad = Doorbell::with_bad_magic(0x12);
    assert_eq!(bad.cmd, 0x12);
    assert_eq!(
        bad.check(0x12),
        Err(DoorbellError::BadMagic(!DOORBELL_MAGIC))
    );
    let wrong = Doorbell::with_wrong_link(0x12);
    assert_eq!(wrong.data, DOORBELL_MAGIC);
    assert_eq!(
        wrong.check(0x12),
        Err(DoorbellError::WrongLink {
            expected: 0x12,
            got: 0x13
        })
    );
    assert_eq!(Doorbell::with_wrong_link(0xff).cmd, 0x00);
    assert!(Doorbell::with_wrong_link(0xff).check(0xff).is_err());
    // bad magic wins over a wrong link
    let both = Doorbell { cmd: 7, data: 0 };
    assert_eq!(both.check(1), Err(DoorbellError::BadMagic(0)));
}
