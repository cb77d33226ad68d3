use proptest::prelude::*;
use rpmsg_proto::layout::*;
use rpmsg_proto::message::*;

mod common;

#[test]
fn header_matches_c_layout() {
    let hdr = RpmsgHdr {
        src: 0x0403_0201,
        dst: 0x0807_0605,
        reserved: 0x0c0b_0a09,
        len: 0x0e0d,
        flags: 0x100f,
    };
    let b = hdr.to_bytes();
    assert_eq!(b.len(), 16);
    assert_eq!(b, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert_eq!(
        (HDR_SRC, HDR_DST, HDR_RESERVED, HDR_LEN, HDR_FLAGS),
        (0, 4, 8, 12, 14)
    );
    assert_eq!(RpmsgHdr::decode(&b), Ok(hdr));
    assert_eq!(RpmsgHdr::decode(&b[..15]), Err(MsgError::TooShort));
    assert_eq!(hdr.encode(&mut [0u8; 15]), Err(MsgError::BufferTooSmall));
}

#[test]
fn ns_msg_matches_c_layout() {
    let msg = NsMsg {
        name: RpmsgName::new("rpmsg_chrdev").unwrap(),
        addr: 0x3000,
        flags: RPMSG_NS_CREATE,
    };
    let b = msg.to_bytes();
    assert_eq!(b.len(), 40);
    assert_eq!(b, common::c_ns_msg("rpmsg_chrdev", 0x3000, 0));
    assert_eq!((NS_NAME, NS_ADDR_FIELD, NS_FLAGS), (0, 32, 36));
    assert_eq!(&b[32..36], &[0x00, 0x30, 0, 0]);
    assert_eq!(NsMsg::decode(&b), Ok(msg));
    assert!(!msg.is_destroy());
    let destroy = NsMsg {
        flags: RPMSG_NS_DESTROY,
        ..msg
    };
    assert!(destroy.is_destroy());
    assert_eq!(destroy.to_bytes()[36], 1);
}

#[test]
fn ns_decode_rejects_bad_input() {
    let mut b = common::c_ns_msg("x", 1, 0);
    assert_eq!(NsMsg::decode(&b[..39]), Err(MsgError::TooShort));
    let mut long = b.to_vec();
    long.push(0);
    assert_eq!(NsMsg::decode(&long), Err(MsgError::LenBeyondBuffer));
    b[..32].fill(b'a');
    assert_eq!(NsMsg::decode(&b), Err(MsgError::BadName));
    // 31 chars + NUL is fine
    b[31] = 0;
    assert_eq!(
        NsMsg::decode(&b).unwrap().name.as_str(),
        Some("a".repeat(31).as_str())
    );
}

#[test]
fn names() {
    let n = RpmsgName::new("rpmsg-client-sample").unwrap();
    assert_eq!(n.as_bytes(), b"rpmsg-client-sample");
    assert_eq!(n.as_str(), Some("rpmsg-client-sample"));
    assert!(n.is_terminated());
    assert_eq!(n.raw()[19..], [0u8; 13]);
    assert_eq!(
        RpmsgName::new(&"a".repeat(31)).map(|n| n.as_bytes().len()),
        Ok(31)
    );
    assert_eq!(RpmsgName::new(&"a".repeat(32)), Err(MsgError::NameTooLong));
    assert_eq!(RpmsgName::new("a\0b"), Err(MsgError::BadName));
    let raw = RpmsgName::from_raw([b'z'; 32]);
    assert!(!raw.is_terminated());
    assert_eq!(raw.as_bytes().len(), 32);
    assert_eq!(raw.as_str(), None);
    assert_eq!(format!("{n:?}"), "\"rpmsg-client-sample\"");
}

#[test]
fn encode_message_limits() {
    let mut buf = [0u8; 512];
    for len in [0usize, 1, 14, 100, 496] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let n = encode_message(0x400, 0x3000, &payload, &mut buf).unwrap();
        assert_eq!(n, 16 + len);
        let (hdr, p) = decode_message(&buf[..n]).unwrap();
        assert_eq!(hdr, RpmsgHdr::new(0x400, 0x3000, len as u16));
        assert_eq!(p, &payload[..]);
    }
    let big = [0u8; 497];
    let mut bigbuf = [0u8; 1024];
    assert_eq!(
        encode_message(1, 2, &big, &mut bigbuf),
        Err(MsgError::PayloadTooLarge)
    );
    assert_eq!(
        encode_message(1, 2, &[0; 10], &mut buf[..25]),
        Err(MsgError::BufferTooSmall)
    );
}

#[test]
fn decode_message_checks_len() {
    let mut buf = [0u8; 600];
    RpmsgHdr::new(1, 2, 20).encode(&mut buf).unwrap();
    assert_eq!(decode_message(&buf[..35]), Err(MsgError::LenBeyondBuffer));
    assert!(decode_message(&buf[..36]).is_ok());
    RpmsgHdr::new(1, 2, 497).encode(&mut buf).unwrap();
    assert_eq!(decode_message(&buf), Err(MsgError::PayloadTooLarge));
    assert_eq!(decode_message(&buf[..10]), Err(MsgError::TooShort));
}

proptest! {
    #[test]
    fn header_roundtrip(src: u32, dst: u32, reserved: u32, len: u16, flags: u16) {
        let h = RpmsgHdr { src, dst, reserved, len, flags };
        prop_assert_eq!(RpmsgHdr::decode(&h.to_bytes()), Ok(h));
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_message(&bytes);
        let _ = NsMsg::decode(&bytes);
        let _ = Doorbell::decode(&bytes);
    }
}
