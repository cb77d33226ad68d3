//! Test support: a host `SharedMem` and a harness that plays Linux (the
//! virtio driver side) on one instance's two vrings.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};

use rpmsg_proto::layout::*;
use rpmsg_proto::message::RpmsgHdr;
use rpmsg_proto::remote::{ProtocolError, QueueId, Remote, RemoteHost, OUTQ_BYTES};
use rpmsg_proto::shared_mem::{OutOfBounds, SharedMem, WireAddr};

/// A deferred set of byte writes, applied when `value` is written as a u16
/// at `offset` (simulates the other side acting at that moment).
struct Trigger {
    offset: usize,
    value: u16,
    patches: Vec<(usize, Vec<u8>)>,
}

/// Shared memory over a `Vec<u8>`, with a log of u16 writes.
pub struct HostMem {
    bytes: RefCell<Vec<u8>>,
    pub u16_writes: RefCell<Vec<(usize, u16)>>,
    pub barriers: Cell<usize>,
    trigger: RefCell<Option<Trigger>>,
}

impl HostMem {
    pub fn new(size: usize) -> Self {
        HostMem {
            bytes: RefCell::new(vec![0; size]),
            u16_writes: RefCell::new(Vec::new()),
            barriers: Cell::new(0),
            trigger: RefCell::new(None),
        }
    }

    fn range(&self, off: usize, len: usize) -> Result<std::ops::Range<usize>, OutOfBounds> {
        let end = off.checked_add(len).ok_or(OutOfBounds)?;
        if end > self.bytes.borrow().len() {
            return Err(OutOfBounds);
        }
        Ok(off..end)
    }

    pub fn get(&self, off: usize, len: usize) -> Vec<u8> {
        self.bytes.borrow()[off..off + len].to_vec()
    }

    pub fn set(&self, off: usize, data: &[u8]) {
        self.bytes.borrow_mut()[off..off + data.len()].copy_from_slice(data);
    }

    pub fn u16_at(&self, off: usize) -> u16 {
        u16::from_le_bytes(self.get(off, 2).try_into().unwrap())
    }

    pub fn u32_at(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.get(off, 4).try_into().unwrap())
    }

    pub fn set_u16(&self, off: usize, v: u16) {
        self.set(off, &v.to_le_bytes());
    }

    pub fn set_u32(&self, off: usize, v: u32) {
        self.set(off, &v.to_le_bytes());
    }

    pub fn set_u64(&self, off: usize, v: u64) {
        self.set(off, &v.to_le_bytes());
    }

    /// When the engine writes `value` (u16) at `offset`, apply `patches`.
    pub fn arm_trigger(&self, offset: usize, value: u16, patches: Vec<(usize, Vec<u8>)>) {
        *self.trigger.borrow_mut() = Some(Trigger {
            offset,
            value,
            patches,
        });
    }

    pub fn trigger_fired(&self) -> bool {
        self.trigger.borrow().is_none()
    }
}

impl SharedMem for HostMem {
    fn size(&self) -> usize {
        self.bytes.borrow().len()
    }
    fn read_u16(&self, off: usize) -> Result<u16, OutOfBounds> {
        let r = self.range(off, 2)?;
        Ok(u16::from_le_bytes(
            self.bytes.borrow()[r].try_into().unwrap(),
        ))
    }
    fn read_u32(&self, off: usize) -> Result<u32, OutOfBounds> {
        let r = self.range(off, 4)?;
        Ok(u32::from_le_bytes(
            self.bytes.borrow()[r].try_into().unwrap(),
        ))
    }
    fn read_u64(&self, off: usize) -> Result<u64, OutOfBounds> {
        let r = self.range(off, 8)?;
        Ok(u64::from_le_bytes(
            self.bytes.borrow()[r].try_into().unwrap(),
        ))
    }
    fn write_u16(&self, off: usize, v: u16) -> Result<(), OutOfBounds> {
        let r = self.range(off, 2)?;
        self.bytes.borrow_mut()[r].copy_from_slice(&v.to_le_bytes());
        self.u16_writes.borrow_mut().push((off, v));
        let fire = matches!(&*self.trigger.borrow(), Some(t) if t.offset == off && t.value == v);
        if fire {
            let t = self.trigger.borrow_mut().take().unwrap();
            for (o, data) in t.patches {
                self.set(o, &data);
            }
        }
        Ok(())
    }
    fn write_u32(&self, off: usize, v: u32) -> Result<(), OutOfBounds> {
        let r = self.range(off, 4)?;
        self.bytes.borrow_mut()[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn read_bytes(&self, off: usize, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        let r = self.range(off, buf.len())?;
        buf.copy_from_slice(&self.bytes.borrow()[r]);
        Ok(())
    }
    fn write_bytes(&self, off: usize, buf: &[u8]) -> Result<(), OutOfBounds> {
        let r = self.range(off, buf.len())?;
        self.bytes.borrow_mut()[r].copy_from_slice(buf);
        Ok(())
    }
    fn barrier(&self) {
        self.barriers.set(self.barriers.get() + 1);
    }
}

/// Records what the engine asks of the kernel.
#[derive(Default)]
pub struct TestHost {
    pub doorbells: usize,
    pub refuse_doorbell: bool,
    pub messages: Vec<(u32, Vec<u8>)>,
    pub errors: Vec<ProtocolError>,
    /// Console input received, and the answer to give.
    pub console_input: Vec<u8>,
    pub console_reply: Vec<u8>,
}

impl RemoteHost for TestHost {
    fn ring_doorbell(&mut self) -> bool {
        if self.refuse_doorbell {
            return false;
        }
        self.doorbells += 1;
        true
    }
    fn message(&mut self, ep_addr: u32, payload: &[u8]) {
        self.messages.push((ep_addr, payload.to_vec()));
    }
    fn protocol_error(&mut self, err: ProtocolError) {
        self.errors.push(err);
    }
    fn console(&mut self, _ep_addr: u32, input: &[u8], reply: &mut [u8]) -> usize {
        self.console_input.extend_from_slice(input);
        let n = self.console_reply.len().min(reply.len());
        reply[..n].copy_from_slice(&self.console_reply[..n]);
        n
    }
}

pub const POOL_PHYS: WireAddr = 0x7b0_0000;
pub const POOL_SIZE: usize = 0x10000;
/// Pool offset of the rx buffers (64 x 512) and of the tx buffers.
pub const RX_BUFS: usize = 0;
pub const TX_BUFS: usize = 0x8000;

/// The driver side of one vring.
pub struct DriverQueue {
    pub base: usize,
    pub layout: VringLayout,
    pub avail_idx: u16,
    pub last_used: u16,
    pub free: Vec<u16>,
}

impl DriverQueue {
    fn new(base: usize, start: u16) -> Self {
        let layout = VringLayout::rockchip();
        DriverQueue {
            base,
            layout,
            avail_idx: start,
            last_used: start,
            free: (0..layout.num()).collect(),
        }
    }

    pub fn desc_off(&self, id: u16) -> usize {
        self.base + self.layout.desc(id)
    }

    pub fn write_desc(
        &self,
        mem: &HostMem,
        id: u16,
        addr: WireAddr,
        len: u32,
        flags: u16,
        next: u16,
    ) {
        let off = self.desc_off(id);
        mem.set_u64(off, addr);
        mem.set_u32(off + 8, len);
        mem.set_u16(off + 12, flags);
        mem.set_u16(off + 14, next);
    }

    /// Puts `id` in the avail ring and publishes the new index.
    pub fn publish(&mut self, mem: &HostMem, id: u16) {
        mem.set_u16(self.base + self.layout.avail_ring(self.avail_idx), id);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        mem.set_u16(self.base + self.layout.avail_idx(), self.avail_idx);
    }

    pub fn used_idx(&self, mem: &HostMem) -> u16 {
        mem.u16_at(self.base + self.layout.used_idx())
    }

    pub fn used_flags(&self, mem: &HostMem) -> u16 {
        mem.u16_at(self.base + self.layout.used_flags())
    }

    pub fn set_avail_flags(&self, mem: &HostMem, flags: u16) {
        mem.set_u16(self.base + self.layout.avail_flags(), flags);
    }

    /// Takes the next used element, if any: (id, len).
    pub fn take_used(&mut self, mem: &HostMem) -> Option<(u32, u32)> {
        if self.used_idx(mem) == self.last_used {
            return None;
        }
        let off = self.base + self.layout.used_ring(self.last_used);
        self.last_used = self.last_used.wrapping_add(1);
        Some((mem.u32_at(off), mem.u32_at(off + 4)))
    }
}

/// A received message as Linux sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub id: u32,
    pub used_len: u32,
    pub hdr: RpmsgHdr,
    pub payload: Vec<u8>,
    pub raw: Vec<u8>,
}

/// Plays Linux on instance 0: rx = vring0, tx = vring1.
pub struct Linux {
    pub rings: HostMem,
    pub pool: HostMem,
    pub rx: DriverQueue,
    pub tx: DriverQueue,
}

impl Linux {
    pub fn new() -> Self {
        Self::starting_at(0)
    }

    /// Rings whose indices (avail and used) all start at `start`.
    pub fn starting_at(start: u16) -> Self {
        let rings = HostMem::new(region_size(1).unwrap());
        let rx = DriverQueue::new(instance_vring0(0).unwrap(), start);
        let tx = DriverQueue::new(instance_vring1(0).unwrap(), start);
        for q in [&rx, &tx] {
            rings.set_u16(q.base + q.layout.avail_idx(), start);
            rings.set_u16(q.base + q.layout.used_idx(), start);
        }
        // Like virtio_rpmsg_bus: no callbacks for the send queue.
        tx.set_avail_flags(&rings, VRING_AVAIL_F_NO_INTERRUPT);
        Linux {
            rings,
            pool: HostMem::new(POOL_SIZE),
            rx,
            tx,
        }
    }

    pub fn rx_buf_phys(id: u16) -> WireAddr {
        POOL_PHYS + (RX_BUFS + usize::from(id) * BUF_SIZE) as u64
    }

    pub fn tx_buf_off(id: u16) -> usize {
        TX_BUFS + usize::from(id) * BUF_SIZE
    }

    /// Posts up to `n` empty receive buffers; returns how many.
    pub fn post_rx(&mut self, n: usize) -> usize {
        let mut posted = 0;
        while posted < n {
            let Some(id) = self.rx.free.pop() else { break };
            self.rx.write_desc(
                &self.rings,
                id,
                Self::rx_buf_phys(id),
                BUF_SIZE as u32,
                VRING_DESC_F_WRITE,
                0,
            );
            self.rx.publish(&self.rings, id);
            posted += 1;
        }
        posted
    }

    /// Prepares a tx buffer with a message (pool bytes and descriptor), not
    /// yet published. Returns the descriptor id.
    pub fn prepare_tx(&mut self, src: u32, dst: u32, payload: &[u8]) -> u16 {
        let id = self.tx.free.pop().expect("no free tx buffer");
        let off = Self::tx_buf_off(id);
        let hdr = RpmsgHdr::new(src, dst, payload.len() as u16);
        self.pool.set(off, &hdr.to_bytes());
        self.pool.set(off + HDR_SIZE, payload);
        self.tx.write_desc(
            &self.rings,
            id,
            POOL_PHYS + off as u64,
            (HDR_SIZE + payload.len()) as u32,
            0,
            0,
        );
        id
    }

    /// Sends a message on vring1.
    pub fn send(&mut self, src: u32, dst: u32, payload: &[u8]) -> u16 {
        self.reclaim_tx();
        let id = self.prepare_tx(src, dst, payload);
        self.tx.publish(&self.rings, id);
        id
    }

    /// Takes back used tx buffers; returns (id, len) of each.
    pub fn reclaim_tx(&mut self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        while let Some((id, len)) = self.tx.take_used(&self.rings) {
            if id < 64 {
                self.tx.free.push(id as u16);
            }
            out.push((id, len));
        }
        out
    }

    /// Takes the messages delivered into rx buffers (buffers go back to the
    /// free list, not reposted).
    pub fn recv(&mut self) -> Vec<Received> {
        let mut out = Vec::new();
        while let Some((id, used_len)) = self.rx.take_used(&self.rings) {
            let off = RX_BUFS + (id as usize % 64) * BUF_SIZE;
            let raw = self.pool.get(off, BUF_SIZE);
            let hdr = RpmsgHdr::decode(&raw).unwrap();
            let plen = (hdr.len as usize).min(BUF_SIZE - HDR_SIZE);
            let payload = raw[HDR_SIZE..HDR_SIZE + plen].to_vec();
            if id < 64 {
                self.rx.free.push(id as u16);
            }
            out.push(Received {
                id,
                used_len,
                hdr,
                payload,
                raw,
            });
        }
        out
    }
}

/// The C layout of `struct rpmsg_ns_msg`, built by hand.
pub fn c_ns_msg(name: &str, addr: u32, flags: u32) -> [u8; 40] {
    let mut b = [0u8; 40];
    b[..name.len()].copy_from_slice(name.as_bytes());
    b[32..36].copy_from_slice(&addr.to_le_bytes());
    b[36..40].copy_from_slice(&flags.to_le_bytes());
    b
}

/// The engine under test, with host memory for its outbound queue.
pub type TestRemote = Remote<Vec<u8>>;

/// A fresh engine for instance 0.
pub fn remote() -> TestRemote {
    Remote::new(0, POOL_PHYS, vec![0; OUTQ_BYTES]).unwrap()
}

/// Linux probes at ring index `start`: posts all rx buffers and kicks; the
/// remote announces; the buffer is reposted.
pub fn boot_at(start: u16) -> (Linux, TestRemote, TestHost) {
    let mut l = Linux::starting_at(start);
    let mut r = remote();
    r.set_ring_indices(QueueId::Rx, start, start);
    r.set_ring_indices(QueueId::Tx, start, start);
    let mut h = TestHost::default();
    assert_eq!(l.post_rx(64), 64);
    r.note_doorbell_in();
    let o = r.service(&l.rings, &l.pool, &mut h);
    assert!(o.doorbell_rung && !o.retry_needed);
    let got = l.recv();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].hdr.dst, NS_ADDR);
    l.post_rx(64);
    (l, r, h)
}
