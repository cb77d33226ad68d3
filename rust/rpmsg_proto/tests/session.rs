//! The mark an earlier Linux session leaves in the rings.

mod common;

use common::{boot_at, Linux, POOL_PHYS, POOL_SIZE};
use proptest::prelude::*;
use rpmsg_proto::layout::{instance_vring0, region_size, VringLayout};
use rpmsg_proto::session::{earlier_session, EarlierSession};

fn look(l: &Linux) -> Option<EarlierSession> {
    earlier_session(
        &l.rings,
        instance_vring0(0).unwrap(),
        &VringLayout::rockchip(),
        POOL_PHYS,
        POOL_SIZE as u64,
    )
}

#[test]
fn a_session_that_posted_its_buffers_is_seen() {
    let (l, _r, _h) = boot_at(0);
    let seen = look(&l).expect("Linux's receive buffers are in vring0");
    assert_eq!(
        seen.avail_idx, 65,
        "64 posted, and the one the announcement used reposted"
    );
    assert_eq!(seen.used_idx, 1, "the name-service announcement");
}

#[test]
fn zeroed_rings_are_a_fresh_start() {
    let (l, _r, _h) = boot_at(0);
    l.rings.set(0, &vec![0; region_size(1).unwrap()]);
    assert_eq!(look(&l), None);
}

#[test]
fn buffers_outside_the_pool_are_not_a_session() {
    let (l, _r, _h) = boot_at(0);
    // One descriptor pointing past the pool: not what virtio_rpmsg_bus posts.
    let vring0 = instance_vring0(0).unwrap();
    let desc = vring0 + VringLayout::rockchip().desc(5);
    l.rings.set_u64(desc, POOL_PHYS + POOL_SIZE as u64);
    assert_eq!(look(&l), None);
}

proptest! {
    /// RAM nobody initialised is not taken for a session.
    #[test]
    fn random_memory_is_not_a_session(bytes in proptest::collection::vec(any::<u8>(), 0x2000)) {
        let l = Linux::new();
        l.rings.set(instance_vring0(0).unwrap(), &bytes);
        prop_assert_eq!(look(&l), None);
    }
}
