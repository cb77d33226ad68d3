//! `decimal` against the standard library's formatting.

use proptest::prelude::*;
use rpmsg_proto::decimal::{decimal, div_rem_10};

#[test]
fn edges() {
    for v in [
        0u64,
        9,
        10,
        99,
        4_294_967_295,
        4_294_967_296,
        10_000_000_000_000_000_000,
        u64::MAX,
    ] {
        let mut buf = [0u8; 20];
        assert_eq!(decimal(v, &mut buf), v.to_string().as_bytes());
    }
}

proptest! {
    #[test]
    fn matches_std(v: u64) {
        let mut buf = [0u8; 20];
        let expected = v.to_string();
        prop_assert_eq!(decimal(v, &mut buf), expected.as_bytes());
        prop_assert_eq!(div_rem_10(v), (v / 10, (v % 10) as u32));
    }
}
