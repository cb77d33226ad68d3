use proptest::prelude::*;
use rpmsg_proto::device_queue::*;
use rpmsg_proto::layout::*;

mod common;
use common::{DriverQueue, HostMem, Linux, POOL_PHYS};

fn setup(start: u16) -> (Linux, DeviceQueue) {
    let linux = Linux::starting_at(start);
    let dq = DeviceQueue::with_indices(linux.rx.base, VringLayout::rockchip(), start, start);
    (linux, dq)
}

fn post(q: &mut DriverQueue, mem: &HostMem, id: u16, flags: u16) {
    q.write_desc(mem, id, POOL_PHYS + u64::from(id) * 512, 512, flags, 0);
    q.publish(mem, id);
}

#[test]
fn empty_queue_pops_nothing() {
    let (linux, mut dq) = setup(0);
    assert_eq!(dq.pop_avail(&linux.rings), Ok(None));
    assert_eq!(dq.has_pending(&linux.rings), Ok(false));
}

#[test]
fn pop_and_push_single() {
    let (mut linux, mut dq) = setup(0);
    post(&mut linux.rx, &linux.rings, 5, VRING_DESC_F_WRITE);
    assert_eq!(dq.has_pending(&linux.rings), Ok(true));
    let b = dq.pop_avail(&linux.rings).unwrap().unwrap();
    assert_eq!(b.head, 5);
    assert_eq!(b.chain_len, 1);
    assert_eq!(
        b.desc,
        Desc {
            addr: POOL_PHYS + 5 * 512,
            len: 512,
            flags: VRING_DESC_F_WRITE,
            next: 0
        }
    );
    let barriers = linux.rings.barriers.get();
    dq.push_used(&linux.rings, 5, 30).unwrap();
    assert_eq!(
        linux.rings.barriers.get(),
        barriers + 1,
        "barrier between elem and idx"
    );
    assert_eq!(linux.rx.used_idx(&linux.rings), 1);
    assert_eq!(linux.rx.take_used(&linux.rings), Some((5, 30)));
    assert_eq!(dq.last_avail(), 1);
    assert_eq!(dq.used_idx(), 1);
    dq.reset();
    assert_eq!((dq.last_avail(), dq.used_idx()), (0, 0));
}

#[test]
fn avail_index_beyond_ring_is_refused() {
    let (linux, mut dq) = setup(0);
    linux
        .rings
        .set_u16(linux.rx.base + VringLayout::rockchip().avail_idx(), 65);
    let err = dq.pop_avail(&linux.rings).unwrap_err();
    assert_eq!(
        err,
        QueueError::AvailBeyondRing {
            avail_idx: 65,
            last_avail: 0
        }
    );
    assert_eq!(dq.last_avail(), 0, "nothing taken");
    assert_eq!(err.returnable_head(), None);
    // exactly num is fine
    linux
        .rings
        .set_u16(linux.rx.base + VringLayout::rockchip().avail_idx(), 64);
    assert_eq!(dq.pending(&linux.rings), Ok(64));
}

#[test]
fn head_out_of_range_is_skipped() {
    let (mut linux, mut dq) = setup(0);
    linux.rx.publish(&linux.rings, 64);
    post(&mut linux.rx, &linux.rings, 1, VRING_DESC_F_WRITE);
    assert_eq!(
        dq.pop_avail(&linux.rings),
        Err(QueueError::HeadOutOfRange { head: 64 })
    );
    assert_eq!(dq.pop_avail(&linux.rings).unwrap().unwrap().head, 1);
}

#[test]
fn chains() {
    let (mut linux, mut dq) = setup(0);
    let l = VringLayout::rockchip();
    let q = &mut linux.rx;
    // 3 -> 4, valid 2-chain
    q.write_desc(&linux.rings, 3, POOL_PHYS, 16, VRING_DESC_F_NEXT, 4);
    q.write_desc(&linux.rings, 4, POOL_PHYS, 16, 0, 0);
    q.publish(&linux.rings, 3);
    // 6 -> 6 -> ... loop
    q.write_desc(&linux.rings, 6, POOL_PHYS, 16, VRING_DESC_F_NEXT, 6);
    q.publish(&linux.rings, 6);
    // 7 -> 99
    q.write_desc(&linux.rings, 7, POOL_PHYS, 16, VRING_DESC_F_NEXT, 99);
    q.publish(&linux.rings, 7);
    assert_eq!(dq.pop_avail(&linux.rings).unwrap().unwrap().chain_len, 2);
    let e = dq.pop_avail(&linux.rings).unwrap_err();
    assert_eq!(e, QueueError::ChainTooLong { head: 6 });
    assert_eq!(e.returnable_head(), Some(6));
    let e = dq.pop_avail(&linux.rings).unwrap_err();
    assert_eq!(e, QueueError::NextOutOfRange { head: 7, next: 99 });
    assert_eq!(e.returnable_head(), Some(7));
    assert_eq!(
        dq.read_desc(&linux.rings, 64),
        Err(QueueError::HeadOutOfRange { head: 64 })
    );
    let _ = l;
}

#[test]
fn flags_helpers() {
    let (linux, dq) = setup(0);
    assert_eq!(dq.avail_wants_interrupt(&linux.rings), Ok(true));
    linux
        .rx
        .set_avail_flags(&linux.rings, VRING_AVAIL_F_NO_INTERRUPT);
    assert_eq!(dq.avail_wants_interrupt(&linux.rings), Ok(false));
    dq.set_no_notify(&linux.rings, true).unwrap();
    assert_eq!(linux.rx.used_flags(&linux.rings), VRING_USED_F_NO_NOTIFY);
    dq.set_no_notify(&linux.rings, false).unwrap();
    assert_eq!(linux.rx.used_flags(&linux.rings), 0);
}

#[test]
fn ring_outside_memory_is_an_error() {
    let mem = HostMem::new(0x100);
    let mut dq = DeviceQueue::new(0, VringLayout::rockchip());
    assert_eq!(dq.pop_avail(&mem), Err(QueueError::OutOfBounds));
    assert_eq!(dq.push_used(&mem, 0, 0), Err(QueueError::OutOfBounds));
    let mut far = DeviceQueue::new(usize::MAX - 4, VringLayout::rockchip());
    assert_eq!(far.pop_avail(&mem), Err(QueueError::OutOfBounds));
}

#[test]
fn skewed_push_writes_skewed_index_only() {
    let (mut linux, mut dq) = setup(0);
    post(&mut linux.rx, &linux.rings, 0, VRING_DESC_F_WRITE);
    dq.pop_avail(&linux.rings).unwrap();
    dq.push_used_skewed(&linux.rings, 0, 16, 69).unwrap();
    assert_eq!(linux.rx.used_idx(&linux.rings), 70);
    assert_eq!(dq.used_idx(), 1);
}

proptest! {
    /// Indices starting anywhere (including just below 65536) wrap cleanly:
    /// each batch comes out in order and the used idx tracks the count.
    #[test]
    fn ring_arithmetic_wraps(start in prop_oneof![65400u16..=65535, any::<u16>()],
                             batches in proptest::collection::vec(1usize..=64, 1..8)) {
        let (mut linux, mut dq) = setup(start);
        let mut total: u16 = 0;
        for n in batches {
            let ids: Vec<u16> = (0..n as u16).map(|i| (i * 7 + total) % 64).collect();
            let mut uniq = ids.clone();
            uniq.sort();
            uniq.dedup();
            for &id in &uniq {
                post(&mut linux.rx, &linux.rings, id, VRING_DESC_F_WRITE);
            }
            prop_assert_eq!(dq.pending(&linux.rings), Ok(uniq.len() as u16));
            for &id in &uniq {
                let b = dq.pop_avail(&linux.rings).unwrap().unwrap();
                prop_assert_eq!(b.head, id);
                dq.push_used(&linux.rings, u32::from(id), 100).unwrap();
                total = total.wrapping_add(1);
            }
            prop_assert_eq!(dq.pop_avail(&linux.rings), Ok(None));
            for &id in &uniq {
                prop_assert_eq!(linux.rx.take_used(&linux.rings), Some((u32::from(id), 100)));
            }
            prop_assert_eq!(linux.rx.used_idx(&linux.rings), start.wrapping_add(total));
            prop_assert_eq!(dq.last_avail(), start.wrapping_add(total));
        }
    }

    /// Any avail idx more than num ahead is refused, whatever the wrap.
    #[test]
    fn avail_beyond_ring_any_start(start: u16, ahead in 65u16..=65535) {
        let (linux, mut dq) = setup(start);
        linux.rings.set_u16(linux.rx.base + VringLayout::rockchip().avail_idx(), start.wrapping_add(ahead));
        let is_beyond = matches!(dq.pop_avail(&linux.rings), Err(QueueError::AvailBeyondRing { .. }));
        prop_assert!(is_beyond);
        prop_assert_eq!(dq.last_avail(), start);
    }

    /// Garbage rings never panic.
    #[test]
    fn garbage_ring_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0x1210..0x1300), pops in 1usize..80) {
        let mem = HostMem::new(bytes.len());
        mem.set(0, &bytes);
        let mut dq = DeviceQueue::new(0, VringLayout::rockchip());
        for _ in 0..pops {
            match dq.pop_avail(&mem) {
                Ok(Some(b)) => { dq.push_used(&mem, u32::from(b.head), b.desc.len).unwrap(); }
                Ok(None) => break,
                Err(_) => {}
            }
        }
    }
}
