//! The traffic source (remote to Linux, one-way benchmarks).

use proptest::prelude::*;
use rpmsg_proto::layout::*;
use rpmsg_proto::message::RpmsgHdr;
use rpmsg_proto::remote::*;
use rpmsg_proto::shared_mem::{OutOfBounds, SharedMem};

mod common;
use common::{boot_at, remote, Linux, Received, TestHost, TestRemote, POOL_PHYS};

fn boot() -> (Linux, TestRemote, TestHost) {
    boot_at(0)
}

fn pattern(seq: u32, size: usize) -> Vec<u8> {
    (0..size).map(|i| (i as u8) ^ (seq as u8)).collect()
}

/// Checks that `m` is source message `seq`.
fn check_msg(m: &Received, src: u32, dst: u32, seq: u32, size: usize) {
    assert_eq!(m.hdr, RpmsgHdr::new(src, dst, size as u16), "seq {seq}");
    assert_eq!(m.used_len as usize, HDR_SIZE + size, "seq {seq}");
    assert_eq!(m.payload, pattern(seq, size), "payload of seq {seq}");
}

/// Services until the source is done, receiving and reposting after each
/// call; returns everything received and the number of calls.
fn run(l: &mut Linux, r: &mut TestRemote, h: &mut TestHost) -> (Vec<Received>, usize) {
    let mut got = Vec::new();
    for calls in 1..10_000 {
        let o = r.service(&l.rings, &l.pool, h);
        let batch = l.recv();
        assert_eq!(batch.len(), o.messages_out as usize);
        assert!(batch.len() <= 64);
        got.extend(batch);
        assert_eq!(l.post_rx(64), o.messages_out as usize, "buffers recycled");
        if !o.retry_needed {
            return (got, calls);
        }
    }
    panic!("source never finished");
}

#[test]
fn source_byte_is_the_documented_pattern() {
    assert_eq!(source_byte(0, 0), 0);
    assert_eq!(source_byte(0, 300), 300u32 as u8);
    assert_eq!(source_byte(3, 5), 6);
    assert_eq!(source_byte(0x1ff, 0x10), 0xef);
}

#[test]
fn all_messages_arrive_in_order_with_recycled_buffers() {
    let (mut l, mut r, mut h) = boot();
    r.endpoints_mut()
        .add(Endpoint::new("rpmsg-sink", 0x3010, EndpointKind::Consume, false).unwrap())
        .unwrap();
    let out_before = r.counters().messages_out;
    r.start_source(0x400, 1000, 100).unwrap();
    assert_eq!(r.source_remaining(), 1000);
    let (got, calls) = run(&mut l, &mut r, &mut h);
    assert_eq!(got.len(), 1000);
    // 64 rx buffers per call
    assert_eq!(calls, 1000usize.div_ceil(64));
    for (seq, m) in got.iter().enumerate() {
        check_msg(m, 0x3010, 0x400, seq as u32, 100);
    }
    assert_eq!(r.source_remaining(), 0);
    let c = r.counters();
    assert_eq!(c.source_sent, 1000);
    assert_eq!(c.messages_out, out_before + 1000);
    assert_eq!(c.protocol_errors, 0);
    assert_eq!(c.waits_for_buffers, calls as u64 - 1);
    // done: nothing more
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert_eq!(o, Outcome::default());
}

#[test]
fn default_source_address_and_extreme_sizes() {
    let (mut l, mut r, mut h) = boot();
    for size in [1usize, 2, 63, 64, 65, 495, MAX_PAYLOAD] {
        r.start_source(0x401, 70, size).unwrap();
        let (got, _) = run(&mut l, &mut r, &mut h);
        assert_eq!(got.len(), 70);
        for (seq, m) in got.iter().enumerate() {
            check_msg(m, SOURCE_DEFAULT_SRC, 0x401, seq as u32, size);
        }
    }
    assert_eq!(r.counters().source_sent, 7 * 70);
}

#[test]
fn waits_for_buffers_and_for_the_announcement() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    r.start_source(0x400, 5, 8).unwrap();
    // no buffers: nothing goes out
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.retry_needed && !o.doorbell_rung);
    assert_eq!(o.messages_out, 0);
    assert_eq!(r.counters().waits_for_buffers, 1);
    // one buffer: the announcement goes first
    l.post_rx(1);
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.retry_needed && o.doorbell_rung);
    let got = l.recv();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].hdr.dst, NS_ADDR);
    assert_eq!(r.source_remaining(), 5);
    assert_eq!(r.counters().waits_for_buffers, 2);
    // two buffers: two source messages, the rest waits
    l.post_rx(2);
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.retry_needed && o.doorbell_rung);
    assert_eq!(o.messages_out, 2);
    assert_eq!(r.source_remaining(), 3);
    assert_eq!(r.counters().waits_for_buffers, 3);
    let mut got = l.recv();
    // Linux refills without a kick; the retry timer calls service
    l.post_rx(64);
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(!o.retry_needed);
    assert_eq!(o.messages_out, 3);
    got.extend(l.recv());
    for (seq, m) in got.iter().enumerate() {
        check_msg(m, SOURCE_DEFAULT_SRC, 0x400, seq as u32, 8);
    }
    assert_eq!(r.counters().waits_for_buffers, 3);
    assert_eq!(r.counters().source_sent, 5);
}

#[test]
fn queued_replies_go_before_source_messages() {
    let (mut l, mut r, mut h) = boot();
    r.start_source(0x400, 100, 32).unwrap();
    for i in 0..3u8 {
        l.send(0x500, 0x3000, &[i]);
    }
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert_eq!((o.messages_in, o.messages_out), (3, 64));
    let got = l.recv();
    for (i, m) in got[..3].iter().enumerate() {
        assert_eq!((m.hdr.src, m.hdr.dst), (0x3000, 0x500));
        assert_eq!(m.payload, [i as u8]);
    }
    for (seq, m) in got[3..].iter().enumerate() {
        check_msg(m, SOURCE_DEFAULT_SRC, 0x400, seq as u32, 32);
    }
    // Out of buffers: an echo arriving now waits, then overtakes the source.
    l.reclaim_tx();
    l.send(0x500, 0x3000, b"late");
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.retry_needed);
    assert_eq!((o.messages_in, o.messages_out), (1, 0));
    assert_eq!(r.queued(), 1);
    l.post_rx(64);
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert_eq!(o.messages_out, 40);
    assert!(!o.retry_needed);
    let got = l.recv();
    assert_eq!(got[0].payload, b"late");
    for (k, m) in got[1..].iter().enumerate() {
        check_msg(m, SOURCE_DEFAULT_SRC, 0x400, 61 + k as u32, 32);
    }
    assert_eq!(r.counters().source_sent, 100);
}

#[test]
fn no_interrupt_is_honoured() {
    let (mut l, mut r, mut h) = boot();
    let bells = h.doorbells;
    l.rx.set_avail_flags(&l.rings, VRING_AVAIL_F_NO_INTERRUPT);
    r.start_source(0x400, 100, 16).unwrap();
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(!o.doorbell_rung && o.retry_needed);
    assert_eq!(o.messages_out, 64);
    assert_eq!(h.doorbells, bells);
    assert_eq!(r.counters().suppressed_notifications, 1);
    assert_eq!(l.recv().len(), 64);
    l.post_rx(64);
    l.rx.set_avail_flags(&l.rings, 0);
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.doorbell_rung && !o.retry_needed);
    assert_eq!(o.messages_out, 36);
    assert_eq!(h.doorbells, bells + 1, "one doorbell per service call");
}

#[test]
fn bad_arguments_are_rejected() {
    let (_l, mut r, _h) = boot();
    r.start_source(0x400, 10, 20).unwrap();
    for size in [0usize, MAX_PAYLOAD + 1, 512, 70_000, usize::MAX] {
        assert_eq!(
            r.start_source(0x400, 5, size),
            Err(SourceError::BadSize(size))
        );
    }
    for dst in [NS_ADDR, RPMSG_ADDR_ANY] {
        assert_eq!(
            r.start_source(dst, 5, 8),
            Err(SourceError::ReservedDst(dst))
        );
    }
    assert_eq!(r.source_remaining(), 10, "a refused start changes nothing");
    assert_eq!(r.start_source(0x400, 0, 8), Ok(()));
    assert_eq!(r.source_remaining(), 0, "count 0 stops the source");
    r.start_source(0x400, 7, 1).unwrap();
    r.stop_source();
    assert_eq!(r.source_remaining(), 0);
}

#[test]
fn restart_replaces_and_reset_stops() {
    let (mut l, mut r, mut h) = boot();
    l.recv();
    r.start_source(0x400, 100, 8).unwrap();
    r.start_source(0x402, 3, 9).unwrap();
    let (got, _) = run(&mut l, &mut r, &mut h);
    assert_eq!(got.len(), 3);
    for (seq, m) in got.iter().enumerate() {
        check_msg(m, SOURCE_DEFAULT_SRC, 0x402, seq as u32, 9);
    }
    r.start_source(0x400, 50, 8).unwrap();
    r.reset();
    assert_eq!(r.source_remaining(), 0);
}

#[test]
fn too_small_rx_buffer_is_returned_and_the_message_kept() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    l.post_rx(1);
    r.service(&l.rings, &l.pool, &mut h);
    l.recv();
    r.start_source(0x400, 2, 200).unwrap();
    // one short buffer, then a good one
    let id = l.rx.free.pop().unwrap();
    l.rx.write_desc(
        &l.rings,
        id,
        Linux::rx_buf_phys(id),
        100,
        VRING_DESC_F_WRITE,
        0,
    );
    l.rx.publish(&l.rings, id);
    l.post_rx(1);
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert_eq!(o.messages_out, 1);
    assert!(o.retry_needed);
    assert_eq!(
        h.errors,
        vec![ProtocolError::RxBufferTooSmall {
            head: id,
            len: 100,
            need: 216
        }]
    );
    let got = l.recv();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].used_len, 0);
    check_msg(&got[1], SOURCE_DEFAULT_SRC, 0x400, 0, 200);
    assert_eq!(r.source_remaining(), 1);
}

/// The vring region with a Linux that reposts each rx buffer the moment
/// the remote publishes it as used.
struct InstantRepost<'a> {
    l: &'a Linux,
}

impl SharedMem for InstantRepost<'_> {
    fn size(&self) -> usize {
        self.l.rings.size()
    }
    fn read_u16(&self, off: usize) -> Result<u16, OutOfBounds> {
        self.l.rings.read_u16(off)
    }
    fn read_u32(&self, off: usize) -> Result<u32, OutOfBounds> {
        self.l.rings.read_u32(off)
    }
    fn read_u64(&self, off: usize) -> Result<u64, OutOfBounds> {
        self.l.rings.read_u64(off)
    }
    fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfBounds> {
        self.l.rings.write_u16(off, v)?;
        let q = &self.l.rx;
        if off == q.base + q.layout.used_idx() {
            let m = &self.l.rings;
            let id = m.u32_at(q.base + q.layout.used_ring(v.wrapping_sub(1)));
            let avail = m.u16_at(q.base + q.layout.avail_idx());
            m.set_u16(q.base + q.layout.avail_ring(avail), id as u16);
            m.set_u16(q.base + q.layout.avail_idx(), avail.wrapping_add(1));
        }
        Ok(())
    }
    fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfBounds> {
        self.l.rings.write_u32(off, v)
    }
    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        self.l.rings.read_bytes(off, buf)
    }
    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds> {
        self.l.rings.write_bytes(off, buf)
    }
    fn barrier(&self) {}
}

#[test]
fn budget_per_service_call() {
    let (l, mut r, mut h) = boot();
    r.start_source(0x400, 1000, 4).unwrap();
    let rings = InstantRepost { l: &l };
    let o = r.service(&rings, &l.pool, &mut h);
    assert_eq!(o.messages_out, SOURCE_BUDGET);
    assert!(o.retry_needed && o.doorbell_rung);
    assert_eq!(r.counters().waits_for_buffers, 0, "not starved");
    assert_eq!(r.source_remaining(), 1000 - SOURCE_BUDGET);
    let mut calls = 1;
    loop {
        calls += 1;
        if !r.service(&rings, &l.pool, &mut h).retry_needed {
            break;
        }
    }
    assert_eq!(calls, 4, "256 + 256 + 256 + 232");
    assert_eq!(r.counters().source_sent, 1000);
    assert_eq!(r.counters().protocol_errors, 0);
    // the last buffer written holds the last message
    let used = l.rx.used_idx(&l.rings);
    let id = l
        .rings
        .u32_at(l.rx.base + l.rx.layout.used_ring(used.wrapping_sub(1)));
    let raw = l.pool.get(
        Linux::rx_buf_phys(id as u16) as usize - POOL_PHYS as usize,
        20,
    );
    assert_eq!(
        RpmsgHdr::decode(&raw).unwrap(),
        RpmsgHdr::new(SOURCE_DEFAULT_SRC, 0x400, 4)
    );
    assert_eq!(raw[16..20], pattern(999, 4)[..]);
}

#[test]
fn parse_source_knob() {
    assert_eq!(
        parse_source("source=0x400,1000,496"),
        Some((0x400, 1000, 496))
    );
    assert_eq!(
        parse_source(" source = 1024 , 5 , 1 \n"),
        Some((1024, 5, 1))
    );
    assert_eq!(parse_source("source=0X1f,0x10,3"), Some((0x1f, 16, 3)));
    assert_eq!(
        parse_source("source=0xffffffff,4294967295,0"),
        Some((u32::MAX, u32::MAX, 0))
    );
    for bad in [
        "source",
        "source=",
        "source=0x,1,1",
        "source=1,2",
        "source=1,2,3,4",
        "source=1,,3",
        "source=-1,2,3",
        "source=+1,2,3",
        "source=0x+1,2,3",
        "source=1g,2,3",
        "source=1,2,4294967296",
        "source=0x100000000,2,3",
        "sourc=1,2,3",
        "ns-flood=3",
    ] {
        assert_eq!(parse_source(bad), None, "{bad:?}");
    }
    assert_eq!(Fault::parse("source=0x400,1,1"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any size, count and starting ring index: every message arrives once,
    /// in order, intact.
    #[test]
    fn any_source_any_start(start in prop_oneof![65470u16..=65535, any::<u16>()],
                            size in 1usize..=MAX_PAYLOAD,
                            count in 0u32..300) {
        let (mut l, mut r, mut h) = boot_at(start);
        r.start_source(0x400, count, size).unwrap();
        let (got, _) = run(&mut l, &mut r, &mut h);
        prop_assert_eq!(got.len(), count as usize);
        for (seq, m) in got.iter().enumerate() {
            check_msg(m, SOURCE_DEFAULT_SRC, 0x400, seq as u32, size);
        }
        prop_assert_eq!(r.counters().protocol_errors, 0);
        prop_assert_eq!(r.counters().source_sent, u64::from(count));
    }
}
