use proptest::prelude::*;
use rpmsg_proto::device_queue::QueueError;
use rpmsg_proto::layout::*;
use rpmsg_proto::message::{MsgError, NsMsg, RpmsgHdr};
use rpmsg_proto::remote::*;

mod common;
use common::{
    boot_at, c_ns_msg, remote, Linux, Received, TestHost, TestRemote, POOL_PHYS, POOL_SIZE,
};

fn service(r: &mut TestRemote, l: &Linux, h: &mut TestHost) -> Outcome {
    r.note_doorbell_in();
    r.service(&l.rings, &l.pool, h)
}

/// Linux probes: posts all rx buffers and kicks; the remote announces.
fn boot() -> (Linux, TestRemote, TestHost) {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    assert_eq!(l.post_rx(64), 64);
    let o = service(&mut r, &l, &mut h);
    assert!(o.doorbell_rung);
    assert!(!o.retry_needed);
    let got = l.recv();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].hdr.dst, NS_ADDR);
    l.post_rx(64);
    (l, r, h)
}

fn echo_roundtrip(l: &mut Linux, r: &mut TestRemote, h: &mut TestHost, payload: &[u8]) -> Received {
    l.send(0x400, 0x3000, payload);
    let o = service(r, l, h);
    assert_eq!(o.messages_in, 1);
    assert_eq!(o.messages_out, 1);
    let mut got = l.recv();
    assert_eq!(got.len(), 1);
    l.post_rx(64);
    got.remove(0)
}

#[test]
fn ns_announcement_bytes() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    l.post_rx(64);
    let o = service(&mut r, &l, &mut h);
    assert_eq!(
        o,
        Outcome {
            doorbell_rung: true,
            retry_needed: false,
            messages_in: 0,
            messages_out: 1,
            poll_soon: false,
        }
    );
    let got = l.recv();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    // hand-built C layout: rpmsg_hdr{src 0x3000, dst 53, reserved 0, len 40, flags 0} + rpmsg_ns_msg
    let mut expect = vec![0x00, 0x30, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0];
    expect.extend_from_slice(&c_ns_msg("rpmsg_chrdev", 0x3000, 0));
    assert_eq!(&m.raw[..56], &expect[..]);
    assert_eq!(m.used_len, 56);
    assert_eq!(
        NsMsg::decode(&m.payload).unwrap().name.as_str(),
        Some("rpmsg_chrdev")
    );
    assert_eq!(h.doorbells, 1);
    assert_eq!(r.counters().doorbells_out, 1);
    assert_eq!(r.counters().doorbells_in, 1);
    assert_eq!(r.counters().messages_out, 1);
    assert!(r.announced());
    // a second doorbell does not announce again
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o, Outcome::default());
    assert!(l.recv().is_empty());
}

#[test]
fn echoes_payloads_of_various_sizes() {
    let (mut l, mut r, mut h) = boot();
    for len in [0usize, 1, 14, 100, 495, 496] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
        let m = echo_roundtrip(&mut l, &mut r, &mut h, &payload);
        assert_eq!(m.hdr, RpmsgHdr::new(0x3000, 0x400, len as u16));
        assert_eq!(m.payload, payload);
        assert_eq!(m.used_len as usize, 16 + len);
        assert_eq!(h.messages.last().unwrap(), &(0x3000, payload.clone()));
        let back = l.reclaim_tx();
        assert_eq!(back.len(), 1);
        assert_eq!(
            back[0].1 as usize,
            16 + len,
            "tx buffer returned with its length"
        );
    }
    assert_eq!(r.counters().messages_in, 6);
    assert_eq!(r.counters().protocol_errors, 0);
}

#[test]
fn rpmsg_echo_session() {
    let (mut l, mut r, mut h) = boot();
    for n in 0..10 {
        let text = format!("hello there {n}!");
        assert_eq!(text.len(), 14);
        let m = echo_roundtrip(&mut l, &mut r, &mut h, text.as_bytes());
        assert_eq!(m.payload, text.as_bytes());
        assert_eq!((m.hdr.src, m.hdr.dst), (0x3000, 0x400));
    }
    assert_eq!(h.messages.len(), 10);
    // several messages in one go
    for n in 0..20u8 {
        l.send(0x1000, 0x3000, &[n; 3]);
    }
    let o = service(&mut r, &l, &mut h);
    assert_eq!((o.messages_in, o.messages_out), (20, 20));
    let got = l.recv();
    assert_eq!(
        got.iter().map(|m| m.payload[0]).collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
    assert!(got.iter().all(|m| m.hdr.dst == 0x1000));
}

#[test]
fn several_endpoints_consume_and_unknown() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    let eps = r.endpoints_mut();
    eps.add(Endpoint::new("rpmsg-client-sample", 0x3001, EndpointKind::Echo, true).unwrap())
        .unwrap();
    eps.add(Endpoint::new("rpmsg-raw", 0x3002, EndpointKind::Echo, true).unwrap())
        .unwrap();
    eps.add(Endpoint::new("rpmsg-sink", 0x3003, EndpointKind::Consume, false).unwrap())
        .unwrap();
    l.post_rx(64);
    service(&mut r, &l, &mut h);
    let names: Vec<(String, u32)> = l
        .recv()
        .iter()
        .map(|m| {
            let ns = NsMsg::decode(&m.payload).unwrap();
            assert_eq!(m.hdr.src, ns.addr);
            (ns.name.as_str().unwrap().to_string(), ns.addr)
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("rpmsg_chrdev".to_string(), 0x3000),
            ("rpmsg-client-sample".to_string(), 0x3001),
            ("rpmsg-raw".to_string(), 0x3002)
        ]
    );
    l.send(0x401, 0x3001, b"sample");
    l.send(0x402, 0x3003, b"sink");
    l.send(0x403, 0x9999, b"nobody");
    l.send(0x404, NS_ADDR, &c_ns_msg("linux-side", 0x404, 0));
    let o = service(&mut r, &l, &mut h);
    assert_eq!((o.messages_in, o.messages_out), (4, 1));
    let got = l.recv();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].hdr.src, got[0].hdr.dst), (0x3001, 0x401));
    let c = r.counters();
    assert_eq!(c.consumed, 2);
    assert_eq!(c.dropped_unknown, 1);
    assert_eq!(c.protocol_errors, 0);
    assert_eq!(
        h.errors,
        vec![ProtocolError::UnknownDestination {
            src: 0x403,
            dst: 0x9999
        }]
    );
    assert_eq!(l.reclaim_tx().len(), 4, "every tx buffer comes back");
}

#[test]
fn endpoint_table_rules() {
    let mut t = EndpointTable::default();
    assert_eq!(t.len(), 1);
    assert_eq!(t.find(0x3000).unwrap().name.as_str(), Some(DEFAULT_EP_NAME));
    let ep = |a| Endpoint::new("e", a, EndpointKind::Echo, false).unwrap();
    assert_eq!(t.add(ep(0x3000)), Err(EndpointError::DuplicateAddr(0x3000)));
    assert_eq!(
        Endpoint::new("e", 53, EndpointKind::Echo, true),
        Err(EndpointError::ReservedAddr(53))
    );
    assert_eq!(
        Endpoint::new(&"n".repeat(32), 1, EndpointKind::Echo, true),
        Err(EndpointError::BadName(MsgError::NameTooLong))
    );
    for a in 1..8 {
        t.add(ep(a)).unwrap();
    }
    assert_eq!(t.add(ep(100)), Err(EndpointError::Full));
    t.clear();
    assert!(t.is_empty());
}

#[test]
fn construction_errors_and_instances() {
    assert_eq!(
        Remote::new(12, 0, vec![0u8; 512]).err(),
        Some(RemoteError::BadInstance)
    );
    assert_eq!(
        Remote::new(0, 0, vec![0u8; 511]).err(),
        Some(RemoteError::StorageTooSmall)
    );
    let r = Remote::new(3, 0, vec![0u8; 3 * 512 + 7]).unwrap();
    assert_eq!(r.queue_capacity(), 3);
    assert_eq!(r.rx_queue().base(), 0x30000);
    assert_eq!(r.tx_queue().base(), 0x38000);
    let r = Remote::new(0, 0, vec![0u8; 1 << 20]).unwrap();
    assert_eq!(r.queue_capacity(), OUTQ_MAX);
    assert!(std::mem::size_of::<Remote<Vec<u8>>>() < 1024);
}

#[test]
fn waits_for_buffers_then_resumes() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    // Linux kicks before posting anything: the announcement must wait.
    let o = service(&mut r, &l, &mut h);
    assert!(o.retry_needed);
    assert!(!o.doorbell_rung);
    assert_eq!(r.queued(), 1);
    assert_eq!(r.counters().waits_for_buffers, 1);
    l.send(0x400, 0x3000, b"early");
    let o = service(&mut r, &l, &mut h);
    assert!(o.retry_needed);
    assert_eq!(o.messages_in, 1);
    assert_eq!(r.queued(), 2);
    assert_eq!(r.counters().waits_for_buffers, 2);
    // one buffer: one message goes out, the other keeps waiting
    l.post_rx(1);
    let o = service(&mut r, &l, &mut h);
    assert!(o.doorbell_rung && o.retry_needed);
    assert_eq!(o.messages_out, 1);
    assert_eq!(l.recv()[0].hdr.dst, NS_ADDR);
    l.post_rx(64);
    // Linux does not kick after refilling; the retry timer calls service.
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(!o.retry_needed);
    assert_eq!(l.recv()[0].payload, b"early");
}

#[test]
fn back_pressure_with_small_queue() {
    let mut l = Linux::new();
    let mut r = Remote::new(0, POOL_PHYS, vec![0u8; 4 * 512]).unwrap();
    let mut h = TestHost::default();
    for i in 0..40u8 {
        l.send(0x400, 0x3000, &[i]);
    }
    let o = service(&mut r, &l, &mut h);
    assert!(o.retry_needed);
    // 1 announcement + 3 echoes fill the queue; the rest stays in vring1
    assert_eq!(r.queued(), 4);
    assert_eq!(o.messages_in, 3);
    assert_eq!(r.tx_queue().last_avail(), 3);
    l.post_rx(64);
    let mut got = Vec::new();
    for _ in 0..100 {
        let o = r.service(&l.rings, &l.pool, &mut h);
        got.extend(l.recv());
        l.post_rx(64);
        if !o.retry_needed {
            break;
        }
    }
    assert_eq!(got.len(), 41);
    assert_eq!(got[0].hdr.dst, NS_ADDR);
    let echoes: Vec<u8> = got[1..].iter().map(|m| m.payload[0]).collect();
    assert_eq!(echoes, (0..40).collect::<Vec<_>>(), "order kept");
    assert_eq!(r.counters().protocol_errors, 0);
}

#[test]
fn no_interrupt_is_honoured() {
    let (mut l, mut r, mut h) = boot();
    l.rx.set_avail_flags(&l.rings, VRING_AVAIL_F_NO_INTERRUPT);
    l.send(0x400, 0x3000, b"quiet");
    let o = service(&mut r, &l, &mut h);
    assert!(!o.doorbell_rung);
    assert_eq!(o.messages_out, 1);
    assert_eq!(h.doorbells, 1, "only the boot doorbell");
    assert_eq!(r.counters().suppressed_notifications, 1);
    assert_eq!(l.recv()[0].payload, b"quiet");
    l.rx.set_avail_flags(&l.rings, 0);
    l.post_rx(64);
    l.send(0x400, 0x3000, b"loud");
    assert!(service(&mut r, &l, &mut h).doorbell_rung);
}

#[test]
fn tx_interrupt_requested_by_waiting_sender() {
    let (mut l, mut r, mut h) = boot();
    r.endpoints_mut()
        .add(Endpoint::new("rpmsg-sink", 0x3003, EndpointKind::Consume, false).unwrap())
        .unwrap();
    l.send(0x400, 0x3003, b"x");
    let o = service(&mut r, &l, &mut h);
    assert!(!o.doorbell_rung, "tx callbacks off: nothing to tell Linux");
    l.tx.set_avail_flags(&l.rings, 0);
    l.send(0x400, 0x3003, b"y");
    let o = service(&mut r, &l, &mut h);
    assert!(o.doorbell_rung, "a sender waits for tx buffers");
    assert_eq!(r.counters().consumed, 2);
}

#[test]
fn no_notify_set_during_drain_and_cleared_after() {
    let (mut l, mut r, mut h) = boot();
    let flags_off = l.tx.base + l.tx.layout.used_flags();
    l.rings.u16_writes.borrow_mut().clear();
    l.send(0x400, 0x3000, b"one");
    service(&mut r, &l, &mut h);
    let writes: Vec<u16> = l
        .rings
        .u16_writes
        .borrow()
        .iter()
        .filter(|w| w.0 == flags_off)
        .map(|w| w.1)
        .collect();
    assert_eq!(writes, vec![VRING_USED_F_NO_NOTIFY, 0]);
    assert_eq!(l.tx.used_flags(&l.rings), 0);
    assert_eq!(l.recv().len(), 1);
    l.post_rx(64);
}

/// Makes Linux publish a message on vring1 at the moment the remote clears
/// vring1's NO_NOTIFY (Linux saw the flag set and did not ring).
fn publish_when_notifications_return(l: &mut Linux, payload: &[u8]) {
    let flags_off = l.tx.base + l.tx.layout.used_flags();
    let id = l.prepare_tx(0x400, 0x3000, payload);
    let slot_off = l.tx.base + l.tx.layout.avail_ring(l.tx.avail_idx);
    l.tx.avail_idx = l.tx.avail_idx.wrapping_add(1);
    let idx_off = l.tx.base + l.tx.layout.avail_idx();
    l.rings.arm_trigger(
        flags_off,
        0,
        vec![
            (slot_off, id.to_le_bytes().to_vec()),
            (idx_off, l.tx.avail_idx.to_le_bytes().to_vec()),
        ],
    );
}

#[test]
fn no_lost_wakeup_when_message_arrives_during_drain() {
    let (mut l, mut r, mut h) = boot();
    let flags_off = l.tx.base + l.tx.layout.used_flags();
    l.send(0x400, 0x3000, b"first");
    // A second message is published while NO_NOTIFY is set (so Linux does
    // not kick); it becomes visible just as the engine clears the flag.
    publish_when_notifications_return(&mut l, b"second");
    let o = service(&mut r, &l, &mut h);
    assert!(l.rings.trigger_fired());
    assert_eq!(o.messages_in, 2);
    let got = l.recv();
    assert_eq!(
        got.iter().map(|m| m.payload.clone()).collect::<Vec<_>>(),
        vec![b"first".to_vec(), b"second".to_vec()]
    );
    let writes: Vec<u16> = l
        .rings
        .u16_writes
        .borrow()
        .iter()
        .filter(|w| w.0 == flags_off)
        .map(|w| w.1)
        .collect();
    // Off, on, off again for the late message, on; then two messages in
    // one call mean Linux is streaming: off until the polls go quiet.
    assert_eq!(writes[writes.len() - 5..], [1, 0, 1, 0, 1]);
    assert!(o.poll_soon);
}

/// Polls `n` times without a doorbell; returns the last outcome.
fn poll(r: &mut TestRemote, l: &Linux, h: &mut TestHost, n: u32) -> Outcome {
    let mut o = Outcome::default();
    for _ in 0..n {
        o = r.service(&l.rings, &l.pool, h);
    }
    o
}

#[test]
fn one_message_per_doorbell_keeps_notifications_on() {
    let (mut l, mut r, mut h) = boot();
    for i in 0..5u8 {
        let got = echo_roundtrip(&mut l, &mut r, &mut h, &[b'a' + i]);
        assert_eq!(got.payload, [b'a' + i]);
        assert_eq!(
            l.tx.used_flags(&l.rings),
            0,
            "Linux must ring for the next one"
        );
    }
    assert_eq!(r.counters().stream_polls_started, 0);
}

#[test]
fn streaming_is_polled_with_notifications_off_until_quiet() {
    let (mut l, mut r, mut h) = boot();
    assert!(!r.streaming());
    for p in [b"s1", b"s2", b"s3"] {
        l.send(0x400, 0x3000, p);
    }
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o.messages_in, 3);
    assert!(o.poll_soon);
    assert!(r.streaming());
    assert_eq!(l.tx.used_flags(&l.rings), VRING_USED_F_NO_NOTIFY);
    assert_eq!(r.counters().stream_polls_started, 1);
    assert_eq!(l.recv().len(), 3);
    l.post_rx(64);
    // Linux sees NO_NOTIFY and does not ring: the poll finds the message.
    l.send(0x400, 0x3000, b"s4");
    let o = poll(&mut r, &l, &mut h, 1);
    assert_eq!(o.messages_in, 1);
    assert!(o.poll_soon);
    assert_eq!(l.recv()[0].payload, b"s4");
    let o = poll(&mut r, &l, &mut h, STREAM_IDLE_POLLS - 1);
    assert!(o.poll_soon, "not quiet for long enough yet");
    assert_eq!(l.tx.used_flags(&l.rings), VRING_USED_F_NO_NOTIFY);
    let o = poll(&mut r, &l, &mut h, 1);
    assert!(!o.poll_soon);
    assert!(!o.retry_needed);
    assert!(!r.streaming());
    assert_eq!(l.tx.used_flags(&l.rings), 0);
    assert_eq!(r.counters().stream_polls_started, 1);
}

#[test]
fn an_interrupt_driven_remote_never_switches_to_polling() {
    let (mut l, mut r, mut h) = boot();
    r.set_stream_polling(false);
    for p in [b"s1", b"s2", b"s3"] {
        l.send(0x400, 0x3000, p);
    }
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o.messages_in, 3);
    assert!(!o.poll_soon, "a firmware in WFI cannot poll");
    assert!(!r.streaming());
    assert_eq!(l.tx.used_flags(&l.rings), 0, "Linux must keep ringing");
    assert_eq!(r.counters().stream_polls_started, 0);
    assert_eq!(l.recv().len(), 3);
}

#[test]
fn a_console_endpoint_answers_with_what_the_host_writes() {
    let (mut l, mut r, mut h) = boot();
    let ep = Endpoint::new("rpmsg-tty", 0x3004, EndpointKind::Console, true).unwrap();
    r.endpoints_mut().add(ep).unwrap();
    h.console_reply = b"remote_fw 0.1.0\n".to_vec();
    l.send(0x400, 0x3004, b"version\n");
    service(&mut r, &l, &mut h);
    assert_eq!(h.console_input, b"version\n");
    let got = l.recv();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payload, b"remote_fw 0.1.0\n");
    // No answer, no message.
    h.console_reply.clear();
    l.send(0x400, 0x3004, b"x");
    service(&mut r, &l, &mut h);
    assert!(l.recv().is_empty());
}

#[test]
fn consumed_buffers_ring_linux_only_with_the_notification_on() {
    for on in [true, false] {
        let (mut l, mut r, mut h) = boot();
        r.set_stream_polling(false);
        r.set_consumed_notify(on);
        let rung = h.doorbells;
        // One message to the consume-only sink: no reply, only a returned
        // tx buffer, and vring1's flags ask for an interrupt (a sender waits).
        l.tx.set_avail_flags(&l.rings, 0);
        l.send(0x400, 0x3003, b"sink");
        let o = service(&mut r, &l, &mut h);
        assert_eq!(o.messages_in, 1);
        assert_eq!(h.doorbells - rung, usize::from(on), "consumed notify {on}");
        assert_eq!(o.doorbell_rung, on);
    }
}

#[test]
fn doorbells_to_linux_are_batched_while_linux_streams() {
    let (mut l, mut r, mut h) = boot();
    let rung = h.doorbells;
    for p in [b"s1", b"s2", b"s3"] {
        l.send(0x400, 0x3000, p);
    }
    // Streaming from here on: 3 in and 3 echoed are fewer than a batch.
    assert!(!service(&mut r, &l, &mut h).doorbell_rung);
    assert_eq!(h.doorbells, rung);
    assert_eq!(l.recv().len(), 3, "the echoes are in vring0 all the same");
    l.post_rx(64);
    l.send(0x400, 0x3000, b"s4");
    assert!(
        poll(&mut r, &l, &mut h, 1).doorbell_rung,
        "8 messages moved"
    );
    assert_eq!(h.doorbells, rung + 1);
    assert_eq!(l.recv().len(), 1);
    l.post_rx(64);
    l.send(0x400, 0x3000, b"s5");
    poll(&mut r, &l, &mut h, NOTIFY_HOLD_POLLS);
    assert_eq!(h.doorbells, rung + 1, "held for NOTIFY_HOLD_POLLS calls");
    assert!(poll(&mut r, &l, &mut h, 1).doorbell_rung);
    assert_eq!(h.doorbells, rung + 2);
    assert_eq!(l.recv()[0].payload, b"s5");
    assert!(r.counters().doorbells_held > 0);
}

#[test]
fn message_posted_as_polling_ends_is_not_lost() {
    let (mut l, mut r, mut h) = boot();
    for p in [b"s1", b"s2"] {
        l.send(0x400, 0x3000, p);
    }
    assert!(service(&mut r, &l, &mut h).poll_soon);
    assert_eq!(l.recv().len(), 2);
    l.post_rx(64);
    poll(&mut r, &l, &mut h, STREAM_IDLE_POLLS - 1);
    // Linux posts a message (no doorbell: NO_NOTIFY was still set) just as
    // the remote turns notifications back on.
    publish_when_notifications_return(&mut l, b"late");
    let o = poll(&mut r, &l, &mut h, 1);
    assert!(l.rings.trigger_fired());
    assert!(!o.poll_soon);
    assert!(o.retry_needed, "the late message needs another call");
    let o = poll(&mut r, &l, &mut h, 1);
    assert_eq!(o.messages_in, 1);
    assert_eq!(l.recv()[0].payload, b"late");
}

#[test]
fn fault_drop_echoes() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::DropEchoes);
    l.send(0x400, 0x3000, b"lost");
    let o = service(&mut r, &l, &mut h);
    assert_eq!((o.messages_in, o.messages_out), (1, 0));
    assert!(l.recv().is_empty());
    assert_eq!(h.messages.last().unwrap().1, b"lost", "still logged");
    assert_eq!(r.counters().consumed, 1);
    assert_eq!(l.reclaim_tx().len(), 1);
    r.faults_mut().disarm(Fault::DropEchoes);
    assert_eq!(
        echo_roundtrip(&mut l, &mut r, &mut h, b"back").payload,
        b"back"
    );
}

#[test]
fn fault_corrupt_echo() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::CorruptEcho);
    assert_eq!(
        echo_roundtrip(&mut l, &mut r, &mut h, b"hello there 0!").payload,
        b"Hello there 0!"
    );
    assert_eq!(
        echo_roundtrip(&mut l, &mut r, &mut h, &[0xff, 1]).payload,
        [0xdf, 1]
    );
    assert_eq!(
        h.messages.last().unwrap().1,
        [0xff, 1],
        "logged uncorrupted"
    );
    assert_eq!(r.counters().faults_applied, 2);
    r.clear_faults();
    assert_eq!(echo_roundtrip(&mut l, &mut r, &mut h, b"ok").payload, b"ok");
}

#[test]
fn fault_used_idx_beyond_ring() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::UsedIdxBeyondRing);
    let before = l.rx.used_idx(&l.rings);
    l.send(0x400, 0x3000, b"x");
    service(&mut r, &l, &mut h);
    assert_eq!(l.rx.used_idx(&l.rings), before.wrapping_add(1 + 64 + 5));
    assert!(!r.faults().any(), "one-shot consumed");
    // the next push goes back to the correct index
    l.send(0x400, 0x3000, b"y");
    service(&mut r, &l, &mut h);
    assert_eq!(l.rx.used_idx(&l.rings), before.wrapping_add(2));
}

#[test]
fn fault_desc_id_out_of_range_and_len_too_large() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::DescIdOutOfRange);
    let m = echo_roundtrip(&mut l, &mut r, &mut h, b"a");
    assert_eq!(m.id, 64 + 7);
    r.inject(Fault::UsedLenTooLarge);
    let m = echo_roundtrip(&mut l, &mut r, &mut h, b"b");
    assert_eq!(m.used_len, 4096);
    assert!(m.id < 64);
    let m = echo_roundtrip(&mut l, &mut r, &mut h, b"c");
    assert_eq!(m.used_len, 17);
    assert_eq!(r.counters().faults_applied, 2);
}

#[test]
fn fault_ns_name_without_nul() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    r.inject(Fault::NsNameWithoutNul);
    l.post_rx(64);
    service(&mut r, &l, &mut h);
    let got = l.recv();
    let name = &got[0].payload[..32];
    assert!(!name.contains(&0));
    assert_eq!(&name[..12], b"rpmsg_chrdev");
    assert!(name[12..].iter().all(|&b| b == FAULT_NAME_FILL));
    assert_eq!(&got[0].payload[32..], &[0x00, 0x30, 0, 0, 0, 0, 0, 0]);
    assert_eq!(NsMsg::decode(&got[0].payload), Err(MsgError::BadName));
    // consumed: after a reset the announcement is clean again
    r.reset();
    let mut l = Linux::new();
    l.post_rx(64);
    service(&mut r, &l, &mut h);
    assert!(NsMsg::decode(&l.recv()[0].payload).is_ok());
}

#[test]
fn fault_ns_flood() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::NsFlood(100));
    let mut seen = Vec::new();
    for _ in 0..10 {
        let o = r.service(&l.rings, &l.pool, &mut h);
        seen.extend(l.recv());
        l.post_rx(64);
        if !o.retry_needed {
            break;
        }
    }
    assert_eq!(seen.len(), 100);
    let mut names = std::collections::HashSet::new();
    let mut addrs = std::collections::HashSet::new();
    for (i, m) in seen.iter().enumerate() {
        assert_eq!(m.hdr.dst, NS_ADDR);
        let ns = NsMsg::decode(&m.payload).unwrap();
        assert_eq!(ns.name.as_str().unwrap(), format!("flood-{i}"));
        assert_eq!(ns.addr, FLOOD_BASE_ADDR + i as u32);
        assert_eq!(m.hdr.src, ns.addr);
        assert!(!ns.is_destroy());
        names.insert(ns.name);
        addrs.insert(ns.addr);
    }
    assert_eq!((names.len(), addrs.len()), (100, 100));
    // a second flood continues the numbering
    r.inject(Fault::NsFlood(1));
    r.service(&l.rings, &l.pool, &mut h);
    let ns = NsMsg::decode(&l.recv()[0].payload).unwrap();
    assert_eq!(ns.name.as_str(), Some("flood-100"));
}

#[test]
fn fault_destroy_live_channel() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::DestroyLiveChannel);
    let o = service(&mut r, &l, &mut h);
    assert!(o.doorbell_rung);
    let got = l.recv();
    assert_eq!(got.len(), 1);
    let mut expect = vec![0x00, 0x30, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0];
    expect.extend_from_slice(&c_ns_msg("rpmsg_chrdev", 0x3000, 1));
    assert_eq!(&got[0].raw[..56], &expect[..]);
    l.post_rx(64);
    // the endpoint itself is still alive
    assert_eq!(
        echo_roundtrip(&mut l, &mut r, &mut h, b"still here").payload,
        b"still here"
    );
}

#[test]
fn fault_destroy_name_service() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::DestroyNameService);
    let o = service(&mut r, &l, &mut h);
    assert!(o.doorbell_rung);
    let got = l.recv();
    assert_eq!(got.len(), 1);
    // src 0x35, dst 0x35 (the name service), then the destroy message
    let mut expect = vec![53, 0, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0];
    expect.extend_from_slice(&c_ns_msg("rpmsg_ns", 53, 1));
    assert_eq!(&got[0].raw[..56], &expect[..]);
    assert!(!r.faults().any(), "a one-shot fault is consumed");
}

#[test]
fn fault_stall_intake() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::StallIntake);
    l.send(0x400, 0x3000, b"waits");
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o.messages_in, 0);
    assert!(l.recv().is_empty());
    r.faults_mut().stall_intake = false;
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o.messages_in, 1);
    assert_eq!(l.recv()[0].payload, b"waits");
}

#[test]
fn fault_no_doorbell() {
    let (mut l, mut r, mut h) = boot();
    r.inject(Fault::NoDoorbell);
    l.send(0x400, 0x3000, b"silent");
    let o = service(&mut r, &l, &mut h);
    assert!(!o.doorbell_rung);
    assert_eq!(o.messages_out, 1);
    assert_eq!(h.doorbells, 1);
    assert_eq!(r.counters().doorbells_out, 1);
    assert_eq!(l.recv()[0].payload, b"silent");
    assert!(r.faults().no_doorbell, "a mode stays on");
    r.faults_mut().no_doorbell = false;
    l.post_rx(64);
    l.send(0x400, 0x3000, b"loud");
    assert!(service(&mut r, &l, &mut h).doorbell_rung);
}

#[test]
fn fault_names_parse() {
    let all = [
        Fault::DropEchoes,
        Fault::CorruptEcho,
        Fault::UsedIdxBeyondRing,
        Fault::DescIdOutOfRange,
        Fault::UsedLenTooLarge,
        Fault::NsNameWithoutNul,
        Fault::DestroyLiveChannel,
        Fault::DestroyNameService,
        Fault::NoDoorbell,
        Fault::StallIntake,
    ];
    for f in all {
        assert_eq!(Fault::parse(f.name()), Some(f));
        let mut s = FaultState::default();
        s.arm(f);
        assert!(s.any());
        s.disarm(f);
        assert!(!s.any());
    }
    assert_eq!(Fault::parse(" ns-flood=12\n"), Some(Fault::NsFlood(12)));
    assert_eq!(Fault::parse("ns-flood=x"), None);
    assert_eq!(Fault::parse("ns-flood"), None);
    assert_eq!(Fault::parse("bogus"), None);
    assert_eq!(Fault::parse("drop-echoes=1"), None);
}

#[test]
fn out_of_pool_rx_descriptor_is_rejected() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    let pool_before = l.pool.get(0, POOL_SIZE);
    // one buffer just past the pool end, one straddling it, then a good one
    let end = POOL_PHYS + POOL_SIZE as u64;
    l.rx.write_desc(&l.rings, 0, end, 512, VRING_DESC_F_WRITE, 0);
    l.rx.publish(&l.rings, 0);
    l.rx.write_desc(&l.rings, 1, end - 8, 16, VRING_DESC_F_WRITE, 0);
    l.rx.publish(&l.rings, 1);
    l.rx.write_desc(&l.rings, 2, POOL_PHYS - 512, 512, VRING_DESC_F_WRITE, 0);
    l.rx.publish(&l.rings, 2);
    l.rx.write_desc(&l.rings, 3, u64::MAX - 4, 512, VRING_DESC_F_WRITE, 0);
    l.rx.publish(&l.rings, 3);
    l.rx.free.retain(|&i| i > 3);
    let o = service(&mut r, &l, &mut h);
    assert!(o.retry_needed, "announcement still waiting");
    assert_eq!(l.pool.get(0, POOL_SIZE), pool_before, "pool untouched");
    let got: Vec<(u32, u32)> = std::iter::from_fn(|| l.rx.take_used(&l.rings)).collect();
    assert_eq!(got, vec![(0, 0), (1, 0), (2, 0), (3, 0)]);
    assert_eq!(r.counters().protocol_errors, 4);
    assert!(matches!(
        h.errors[0],
        ProtocolError::OutsidePool {
            queue: QueueId::Rx,
            head: 0,
            ..
        }
    ));
    l.post_rx(1);
    r.service(&l.rings, &l.pool, &mut h);
    assert_eq!(l.recv()[0].hdr.dst, NS_ADDR);
}

#[test]
fn out_of_pool_tx_descriptor_is_rejected() {
    let (mut l, mut r, mut h) = boot();
    let id = l.prepare_tx(0x400, 0x3000, b"x");
    l.tx.write_desc(&l.rings, id, 0x1000, 17, 0, 0);
    l.tx.publish(&l.rings, id);
    let o = service(&mut r, &l, &mut h);
    assert_eq!((o.messages_in, o.messages_out), (0, 0));
    assert_eq!(l.reclaim_tx(), vec![(u32::from(id), 0)]);
    assert!(matches!(
        h.errors[0],
        ProtocolError::OutsidePool {
            queue: QueueId::Tx,
            addr: HexAddr(0x1000),
            len: 17,
            ..
        }
    ));
}

#[test]
fn bad_headers_and_flags() {
    let (mut l, mut r, mut h) = boot();
    // hdr.len beyond the descriptor
    let id = l.prepare_tx(0x400, 0x3000, b"abc");
    l.pool.set_u16(Linux::tx_buf_off(id) + 12, 4);
    l.tx.publish(&l.rings, id);
    // hdr.len 497 in a big descriptor
    let id2 = l.prepare_tx(0x400, 0x3000, &[0; 100]);
    l.pool.set_u16(Linux::tx_buf_off(id2) + 12, 497);
    l.tx.write_desc(
        &l.rings,
        id2,
        POOL_PHYS + Linux::tx_buf_off(id2) as u64,
        1024,
        0,
        0,
    );
    l.tx.publish(&l.rings, id2);
    // descriptor shorter than a header
    let id3 = l.prepare_tx(0x400, 0x3000, b"");
    l.tx.write_desc(
        &l.rings,
        id3,
        POOL_PHYS + Linux::tx_buf_off(id3) as u64,
        15,
        0,
        0,
    );
    l.tx.publish(&l.rings, id3);
    // device-writable tx buffer
    let id4 = l.prepare_tx(0x400, 0x3000, b"w");
    l.tx.write_desc(
        &l.rings,
        id4,
        POOL_PHYS + Linux::tx_buf_off(id4) as u64,
        17,
        VRING_DESC_F_WRITE,
        0,
    );
    l.tx.publish(&l.rings, id4);
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o.messages_in, 0);
    assert_eq!(
        h.errors,
        vec![
            ProtocolError::BadHeader {
                head: id,
                err: MsgError::LenBeyondBuffer
            },
            ProtocolError::BadHeader {
                head: id2,
                err: MsgError::PayloadTooLarge
            },
            ProtocolError::BadHeader {
                head: id3,
                err: MsgError::TooShort
            },
            ProtocolError::BadDescFlags {
                queue: QueueId::Tx,
                head: id4,
                flags: VRING_DESC_F_WRITE,
                chain_len: 1
            },
        ]
    );
    assert!(l.reclaim_tx().iter().all(|&(_, len)| len == 0));
    assert_eq!(r.counters().protocol_errors, 4);
}

#[test]
fn unusable_rx_buffers() {
    let mut l = Linux::new();
    let mut r = remote();
    let mut h = TestHost::default();
    // read-only rx buffer, then one too small for the 56-byte announcement
    l.rx.write_desc(&l.rings, 0, POOL_PHYS, 512, 0, 0);
    l.rx.publish(&l.rings, 0);
    l.rx.write_desc(&l.rings, 1, POOL_PHYS + 512, 55, VRING_DESC_F_WRITE, 0);
    l.rx.publish(&l.rings, 1);
    // a chain
    l.rx.write_desc(
        &l.rings,
        2,
        POOL_PHYS + 1024,
        512,
        VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
        3,
    );
    l.rx.write_desc(&l.rings, 3, POOL_PHYS + 1536, 512, VRING_DESC_F_WRITE, 0);
    l.rx.publish(&l.rings, 2);
    l.rx.free.retain(|&i| i > 3);
    service(&mut r, &l, &mut h);
    assert_eq!(
        h.errors,
        vec![
            ProtocolError::BadDescFlags {
                queue: QueueId::Rx,
                head: 0,
                flags: 0,
                chain_len: 1
            },
            ProtocolError::RxBufferTooSmall {
                head: 1,
                len: 55,
                need: 56
            },
            ProtocolError::BadDescFlags {
                queue: QueueId::Rx,
                head: 2,
                flags: VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
                chain_len: 2
            },
        ]
    );
    assert_eq!(r.queued(), 1);
}

#[test]
fn ring_errors_are_reported() {
    let (l, mut r, mut h) = boot();
    l.rings.set_u16(
        l.tx.base + l.tx.layout.avail_idx(),
        l.tx.avail_idx.wrapping_add(200),
    );
    let o = service(&mut r, &l, &mut h);
    assert_eq!(o.messages_in, 0);
    assert!(matches!(
        h.errors[0],
        ProtocolError::Ring {
            queue: QueueId::Tx,
            err: QueueError::AvailBeyondRing { .. }
        }
    ));
    assert_eq!(r.counters().protocol_errors, 1);
}

#[test]
fn audit_finds_bad_descriptor() {
    let (mut l, r, _h) = boot();
    assert_eq!(r.audit(&l.rings, POOL_PHYS, POOL_SIZE), None);
    // a pending tx message pointing outside the pool
    let id = l.prepare_tx(0x400, 0x3000, b"x");
    l.tx.write_desc(&l.rings, id, POOL_PHYS + POOL_SIZE as u64 - 4, 17, 0, 0);
    l.tx.publish(&l.rings, id);
    assert_eq!(
        r.audit(&l.rings, POOL_PHYS, POOL_SIZE),
        Some(AuditFinding::BadDescriptor {
            queue: QueueId::Tx,
            avail_idx: 0,
            head: id,
            addr: POOL_PHYS + POOL_SIZE as u64 - 4,
            len: 17
        })
    );
    // rx is checked first; a bad rx buffer is reported before the tx one
    // all 64 rx buffers are posted; corrupt the descriptor of a pending one
    let head = l.rings.u16_at(
        l.rx.base
            + l.rx
                .layout
                .avail_ring(r.rx_queue().last_avail().wrapping_add(10)),
    );
    l.rx.write_desc(&l.rings, head, 0, 512, VRING_DESC_F_WRITE, 0);
    assert!(matches!(
        r.audit(&l.rings, POOL_PHYS, POOL_SIZE),
        Some(AuditFinding::BadDescriptor { queue: QueueId::Rx, head: h, addr: 0, .. }) if h == head
    ));
    // a broken ring is reported as such
    l.rings.set_u16(l.rx.base + l.rx.layout.avail_idx(), 0x7777);
    assert!(matches!(
        r.audit(&l.rings, POOL_PHYS, POOL_SIZE),
        Some(AuditFinding::Ring {
            queue: QueueId::Rx,
            err: QueueError::AvailBeyondRing { .. }
        })
    ));
}

#[test]
fn refused_doorbell_is_retried() {
    let (mut l, mut r, mut h) = boot();
    h.refuse_doorbell = true;
    l.send(0x400, 0x3000, b"x");
    let o = service(&mut r, &l, &mut h);
    assert!(!o.doorbell_rung && o.retry_needed);
    h.refuse_doorbell = false;
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.doorbell_rung && !o.retry_needed);
    assert_eq!(r.counters().doorbells_out, 2);
}

#[test]
fn reset_announces_again() {
    let (mut l, mut r, mut h) = boot();
    echo_roundtrip(&mut l, &mut r, &mut h, b"before");
    // Linux driver restarts: zeroed rings, fresh buffers
    r.reset();
    let mut l = Linux::new();
    l.post_rx(64);
    service(&mut r, &l, &mut h);
    let got = l.recv();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].hdr.dst, NS_ADDR);
    l.post_rx(64);
    assert_eq!(
        echo_roundtrip(&mut l, &mut r, &mut h, b"after").payload,
        b"after"
    );
    assert_eq!(r.counters().messages_in, 2);
}

#[test]
fn indices_wrap_at_65536() {
    let (mut l, mut r, mut h) = boot_at(65500);
    for i in 0..200u32 {
        let p = i.to_le_bytes();
        let m = echo_roundtrip(&mut l, &mut r, &mut h, &p);
        assert_eq!(m.payload, p);
        l.reclaim_tx();
    }
    assert_eq!(r.rx_queue().used_idx(), 65500u16.wrapping_add(201));
    assert_eq!(r.tx_queue().last_avail(), 65500u16.wrapping_add(200));
    assert_eq!(r.counters().protocol_errors, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any payload size up to 496, from any starting index, echoes exactly.
    #[test]
    fn echo_any_payload_any_start(start in prop_oneof![65470u16..=65535, any::<u16>()],
                                  payloads in proptest::collection::vec(
                                      proptest::collection::vec(any::<u8>(), 0..=496), 1..40)) {
        let (mut l, mut r, mut h) = boot_at(start);
        for p in &payloads {
            l.send(0x400, 0x3000, p);
        }
        let o = service(&mut r, &l, &mut h);
        prop_assert_eq!(o.messages_out as usize, payloads.len());
        let got = l.recv();
        prop_assert_eq!(got.len(), payloads.len());
        for (m, p) in got.iter().zip(&payloads) {
            prop_assert_eq!(&m.payload, p);
            prop_assert_eq!(m.used_len as usize, 16 + p.len());
        }
    }

    /// Garbage in both rings and the pool never panics the engine.
    #[test]
    fn garbage_never_panics(ring_bytes in proptest::collection::vec(any::<u8>(), 0x1300),
                            tx_bytes in proptest::collection::vec(any::<u8>(), 0x1300),
                            pool_bytes in proptest::collection::vec(any::<u8>(), 4096)) {
        let l = Linux::new();
        l.rings.set(0, &ring_bytes);
        l.rings.set(0x8000, &tx_bytes);
        l.pool.set(0, &pool_bytes);
        let mut r = remote();
        let mut h = TestHost::default();
        r.inject(Fault::CorruptEcho);
        for _ in 0..3 {
            r.service(&l.rings, &l.pool, &mut h);
        }
        let _ = r.audit(&l.rings, POOL_PHYS, POOL_SIZE);
    }
}

#[test]
fn small_queue_drains_everything_in_one_call_when_buffers_exist() {
    let mut l = Linux::new();
    let mut r = Remote::new(0, POOL_PHYS, vec![0u8; 2 * 512]).unwrap();
    let mut h = TestHost::default();
    l.post_rx(64);
    for i in 0..50u8 {
        l.send(0x400, 0x3000, &[i, i]);
    }
    let o = service(&mut r, &l, &mut h);
    assert!(!o.retry_needed);
    assert_eq!((o.messages_in, o.messages_out), (50, 51));
    let got = l.recv();
    assert_eq!(got.len(), 51);
    assert_eq!(got[50].payload, [49, 49]);
    assert_eq!(h.doorbells, 1, "one doorbell per service call");
}
