//! Host tests of the used-index rule (src/ring_index.rs).

use proptest::prelude::*;
use rpmsg_proto::ring_index::used_within_avail;

#[test]
fn every_used_index_of_a_small_ring() {
    // A 4-entry ring: used may trail avail by 0..=4 entries and nothing
    // else. Every distance from a few starting points, and every starting
    // point (the 2^16 wrap included) at the distances near the edges.
    for avail in [0, 1, 4, 0x8000, u16::MAX - 3, u16::MAX] {
        for behind in 0..=u16::MAX {
            let used = avail.wrapping_sub(behind);
            assert_eq!(
                used_within_avail(avail, used, 4),
                behind <= 4,
                "avail {avail} used {used}"
            );
        }
    }
    for avail in 0..=u16::MAX {
        for behind in (0..=8).chain(u16::MAX - 8..=u16::MAX) {
            let used = avail.wrapping_sub(behind);
            assert_eq!(
                used_within_avail(avail, used, 4),
                behind <= 4,
                "avail {avail} used {used}"
            );
        }
    }
}

#[test]
fn the_reports_seen_on_the_board() {
    // "remote wrote used index 13 beyond available index 1" (issue 16).
    assert!(!used_within_avail(1, 13, 64));
    assert!(used_within_avail(64, 0, 64));
    assert!(!used_within_avail(65, 0, 64));
    assert!(used_within_avail(3, 65533, 64));
}

proptest! {
    #[test]
    fn used_may_trail_avail_by_at_most_the_ring(avail in any::<u16>(), behind in any::<u16>(), num in 1u32..=1024) {
        let used = avail.wrapping_sub(behind);
        prop_assert_eq!(used_within_avail(avail, used, num), u32::from(behind) <= num);
    }
}
