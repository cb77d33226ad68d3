//! The remote-core (RT-Thread side) rpmsg engine for one instance.
//!
//! [`Remote`] plays the device side of an instance's two vrings: it
//! announces its endpoints to the name service, drains the messages Linux
//! sends on vring1, echoes or consumes them, and delivers its own messages
//! into the empty buffers Linux posts on vring0. It never blocks and never
//! allocates: outbound messages wait in a bounded queue (caller-provided
//! storage) until Linux posts receive buffers, and the caller polls again
//! when [`Outcome::retry_needed`] says so.
//!
//! Every descriptor address is checked against the buffer pool before the
//! pool is touched; violations are counted, reported through
//! [`RemoteHost::protocol_error`], and the buffer is returned with length 0.

use core::ops::DerefMut;

use super::device_queue::{AvailBuf, DeviceQueue, QueueError};
use super::layout::{
    instance_vring0, instance_vring1, VringLayout, BUF_SIZE, HDR_SIZE, NAME_SIZE, NS_ADDR,
    RPMSG_ADDR_ANY, RPMSG_NS_CREATE, RPMSG_NS_DESTROY, VRING_DESC_F_INDIRECT, VRING_DESC_F_WRITE,
};
use super::message::{MsgError, NsMsg, RpmsgHdr, RpmsgName};
use super::shared_mem::SharedMem;

/// Most endpoints one [`Remote`] can serve.
pub const MAX_ENDPOINTS: usize = 8;
/// Most messages the outbound queue holds.
pub const OUTQ_MAX: usize = 64;
/// Bytes per outbound queue slot (one whole rpmsg buffer).
pub const OUTQ_SLOT: usize = BUF_SIZE;
/// Storage size for a full-sized outbound queue (64 slots of 512 bytes).
pub const OUTQ_BYTES: usize = OUTQ_MAX * OUTQ_SLOT;
/// Most vring1 messages handled by one [`Remote::service`] call; more make
/// it report [`Outcome::retry_needed`].
pub const SERVICE_BUDGET: u32 = 256;
/// Name of the default endpoint.
pub const DEFAULT_EP_NAME: &str = "rpmsg_chrdev";
/// Address of the default endpoint.
pub const DEFAULT_EP_ADDR: u32 = 0x3000;
/// Address of the first endpoint announced by [`Fault::NsFlood`].
pub const FLOOD_BASE_ADDR: u32 = 0x5000;
/// Used element id written by [`Fault::DescIdOutOfRange`] is `num + this`.
pub const FAULT_DESC_ID_EXTRA: u32 = 7;
/// Used `idx` written by [`Fault::UsedIdxBeyondRing`] is off by `num + this`.
pub const FAULT_USED_IDX_EXTRA: u16 = 5;
/// Used length written by [`Fault::UsedLenTooLarge`].
pub const FAULT_USED_LEN: u32 = 4096;
/// Byte that fills the name of [`Fault::NsNameWithoutNul`] after the real name.
pub const FAULT_NAME_FILL: u8 = b'~';
/// What [`Fault::CorruptEcho`] XORs into the first payload byte of an echo.
pub const FAULT_CORRUPT_XOR: u8 = 0x20;

/// What an endpoint does with the messages it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// Send the payload back to the sender.
    Echo,
    /// Count the message and drop it.
    Consume,
}

/// One endpoint of the remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Name (announced through the name service if `announce`).
    pub name: RpmsgName,
    /// Local address.
    pub addr: u32,
    /// Behaviour on receive.
    pub kind: EndpointKind,
    /// Whether to announce the endpoint after each reset.
    pub announce: bool,
}

impl Endpoint {
    /// Builds an endpoint; the name must be shorter than 32 bytes, without
    /// NUL, and the address neither 53 (name service) nor `0xffffffff`.
    pub fn new(
        name: &str,
        addr: u32,
        kind: EndpointKind,
        announce: bool,
    ) -> Result<Self, EndpointError> {
        if addr == NS_ADDR || addr == RPMSG_ADDR_ANY {
            return Err(EndpointError::ReservedAddr(addr));
        }
        let name = RpmsgName::new(name).map_err(EndpointError::BadName)?;
        Ok(Endpoint {
            name,
            addr,
            kind,
            announce,
        })
    }
}

/// Why an endpoint could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointError {
    /// The table already holds [`MAX_ENDPOINTS`] endpoints.
    Full,
    /// Another endpoint has this address.
    DuplicateAddr(u32),
    /// The address is reserved (53 or `0xffffffff`).
    ReservedAddr(u32),
    /// The name is unusable.
    BadName(MsgError),
}

/// The remote's endpoints (at most [`MAX_ENDPOINTS`], in insertion order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointTable {
    eps: [Option<Endpoint>; MAX_ENDPOINTS],
}

impl Default for EndpointTable {
    /// The table with `rpmsg_chrdev` at 0x3000, echoing, announced.
    fn default() -> Self {
        let mut t = EndpointTable::new();
        if let Ok(ep) = Endpoint::new(DEFAULT_EP_NAME, DEFAULT_EP_ADDR, EndpointKind::Echo, true) {
            let _ = t.add(ep);
        }
        t
    }
}

impl EndpointTable {
    /// An empty table.
    pub const fn new() -> Self {
        EndpointTable {
            eps: [None; MAX_ENDPOINTS],
        }
    }

    /// Adds an endpoint.
    pub fn add(&mut self, ep: Endpoint) -> Result<(), EndpointError> {
        if ep.addr == NS_ADDR || ep.addr == RPMSG_ADDR_ANY {
            return Err(EndpointError::ReservedAddr(ep.addr));
        }
        if self.find(ep.addr).is_some() {
            return Err(EndpointError::DuplicateAddr(ep.addr));
        }
        match self.eps.iter_mut().find(|e| e.is_none()) {
            Some(slot) => {
                *slot = Some(ep);
                Ok(())
            }
            None => Err(EndpointError::Full),
        }
    }

    /// Removes all endpoints.
    pub fn clear(&mut self) {
        self.eps = [None; MAX_ENDPOINTS];
    }

    /// The endpoint with address `addr`.
    pub fn find(&self, addr: u32) -> Option<&Endpoint> {
        self.iter().find(|e| e.addr == addr)
    }

    /// The endpoint at position `i`.
    pub fn get(&self, i: usize) -> Option<&Endpoint> {
        self.eps.get(i).and_then(|e| e.as_ref())
    }

    /// Number of endpoints.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The endpoints in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Endpoint> {
        self.eps.iter().filter_map(|e| e.as_ref())
    }
}

/// Which of the instance's two vrings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueId {
    /// vring0: Linux's receive queue; the remote fills its buffers.
    Rx,
    /// vring1: Linux's send queue; the remote reads its buffers.
    Tx,
}

/// A violation of the protocol by the other side (or a failed access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    /// A ring could not be read or was inconsistent.
    Ring {
        /// The ring.
        queue: QueueId,
        /// What went wrong.
        err: QueueError,
    },
    /// A descriptor points (partly) outside the buffer pool; it was returned
    /// with length 0 and not accessed.
    OutsidePool {
        /// The ring.
        queue: QueueId,
        /// Descriptor id.
        head: u16,
        /// Descriptor address.
        addr: u64,
        /// Descriptor length.
        len: u32,
    },
    /// A descriptor is chained, indirect, or has the wrong direction
    /// (vring0 buffers must be device-writable, vring1 buffers must not).
    BadDescFlags {
        /// The ring.
        queue: QueueId,
        /// Descriptor id.
        head: u16,
        /// Descriptor flags.
        flags: u16,
        /// Descriptors in the chain.
        chain_len: u16,
    },
    /// A receive buffer is too small for the message to deliver.
    RxBufferTooSmall {
        /// Descriptor id.
        head: u16,
        /// Descriptor length.
        len: u32,
        /// Bytes needed.
        need: u32,
    },
    /// A sent message has an invalid header.
    BadHeader {
        /// Descriptor id.
        head: u16,
        /// What is wrong.
        err: MsgError,
    },
    /// A message was sent to an address with no endpoint; it was dropped.
    UnknownDestination {
        /// Sender.
        src: u32,
        /// Destination.
        dst: u32,
    },
    /// A pool access failed although the descriptor was inside the pool.
    PoolAccess {
        /// The ring.
        queue: QueueId,
        /// Descriptor id.
        head: u16,
    },
}

/// The kernel side of the engine: doorbells out, logging.
pub trait RemoteHost {
    /// Sends a doorbell to Linux; returns whether it was sent. A doorbell
    /// that could not be sent is tried again on the next service call.
    fn ring_doorbell(&mut self) -> bool;
    /// An echo endpoint at `ep_addr` received `payload` (RT-Thread prints
    /// `message:<text> len:<n>`).
    fn message(&mut self, ep_addr: u32, payload: &[u8]);
    /// Linux (or the memory) violated the protocol; already counted.
    fn protocol_error(&mut self, err: ProtocolError);
}

/// Event counters (all wrap on overflow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Doorbells received from Linux (see [`Remote::note_doorbell_in`]).
    pub doorbells_in: u64,
    /// Doorbells sent to Linux.
    pub doorbells_out: u64,
    /// Valid messages received on vring1.
    pub messages_in: u64,
    /// Messages delivered into vring0 buffers.
    pub messages_out: u64,
    /// Messages consumed without reply (consume endpoints, name service,
    /// dropped echoes).
    pub consumed: u64,
    /// Doorbells not sent because vring0's avail flags had NO_INTERRUPT.
    pub suppressed_notifications: u64,
    /// Service calls that left messages queued for lack of vring0 buffers.
    pub waits_for_buffers: u64,
    /// Ring, descriptor and header violations (not unknown destinations).
    pub protocol_errors: u64,
    /// Messages to an address with no endpoint.
    pub dropped_unknown: u64,
    /// Fault injections that took effect (once per affected message or
    /// doorbell).
    pub faults_applied: u64,
}

/// A fault to inject; see [`Remote::inject`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Mode: echo endpoints consume instead of replying.
    DropEchoes,
    /// Mode: XOR [`FAULT_CORRUPT_XOR`] into the first payload byte of each echo.
    CorruptEcho,
    /// Once: the next vring0 used `idx` is written as correct + num + 5.
    UsedIdxBeyondRing,
    /// Once: the next vring0 used element id is num + 7.
    DescIdOutOfRange,
    /// Once: the next vring0 used length is 4096.
    UsedLenTooLarge,
    /// Once: the next name service message has 32 non-NUL name bytes.
    NsNameWithoutNul,
    /// Once: announce this many endpoints `flood-N` at distinct addresses
    /// from [`FLOOD_BASE_ADDR`] on.
    NsFlood(u16),
    /// Once: announce the destruction of the first announced endpoint
    /// (`rpmsg_chrdev` at 0x3000 by default) while it stays alive here.
    DestroyLiveChannel,
    /// Mode: send no doorbell to Linux.
    NoDoorbell,
}

impl Fault {
    /// Parses a fault name: `drop-echoes`, `corrupt-echo`,
    /// `used-idx-beyond-ring`, `desc-id-out-of-range`, `used-len-too-large`,
    /// `ns-name-without-nul`, `ns-flood=N`, `destroy-live-channel`,
    /// `no-doorbell`. Surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Option<Fault> {
        let s = s.trim();
        if let Some((name, arg)) = s.split_once('=') {
            if name.trim() == "ns-flood" {
                return arg.trim().parse::<u16>().ok().map(Fault::NsFlood);
            }
            return None;
        }
        Some(match s {
            "drop-echoes" => Fault::DropEchoes,
            "corrupt-echo" => Fault::CorruptEcho,
            "used-idx-beyond-ring" => Fault::UsedIdxBeyondRing,
            "desc-id-out-of-range" => Fault::DescIdOutOfRange,
            "used-len-too-large" => Fault::UsedLenTooLarge,
            "ns-name-without-nul" => Fault::NsNameWithoutNul,
            "destroy-live-channel" => Fault::DestroyLiveChannel,
            "no-doorbell" => Fault::NoDoorbell,
            _ => return None,
        })
    }

    /// The name [`Fault::parse`] accepts (without the `=N` of `ns-flood`).
    pub const fn name(&self) -> &'static str {
        match self {
            Fault::DropEchoes => "drop-echoes",
            Fault::CorruptEcho => "corrupt-echo",
            Fault::UsedIdxBeyondRing => "used-idx-beyond-ring",
            Fault::DescIdOutOfRange => "desc-id-out-of-range",
            Fault::UsedLenTooLarge => "used-len-too-large",
            Fault::NsNameWithoutNul => "ns-name-without-nul",
            Fault::NsFlood(_) => "ns-flood",
            Fault::DestroyLiveChannel => "destroy-live-channel",
            Fault::NoDoorbell => "no-doorbell",
        }
    }
}

/// Armed faults. Modes stay on until cleared; one-shot flags and the flood
/// count are consumed when they take effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultState {
    /// See [`Fault::DropEchoes`].
    pub drop_echoes: bool,
    /// See [`Fault::CorruptEcho`].
    pub corrupt_echo: bool,
    /// See [`Fault::UsedIdxBeyondRing`].
    pub used_idx_beyond_ring: bool,
    /// See [`Fault::DescIdOutOfRange`].
    pub desc_id_out_of_range: bool,
    /// See [`Fault::UsedLenTooLarge`].
    pub used_len_too_large: bool,
    /// See [`Fault::NsNameWithoutNul`].
    pub ns_name_without_nul: bool,
    /// Flood announcements still to queue; see [`Fault::NsFlood`].
    pub ns_flood: u16,
    /// See [`Fault::DestroyLiveChannel`].
    pub destroy_live_channel: bool,
    /// See [`Fault::NoDoorbell`].
    pub no_doorbell: bool,
}

impl FaultState {
    /// Arms `fault` (a flood adds to any flood still pending).
    pub fn arm(&mut self, fault: Fault) {
        match fault {
            Fault::DropEchoes => self.drop_echoes = true,
            Fault::CorruptEcho => self.corrupt_echo = true,
            Fault::UsedIdxBeyondRing => self.used_idx_beyond_ring = true,
            Fault::DescIdOutOfRange => self.desc_id_out_of_range = true,
            Fault::UsedLenTooLarge => self.used_len_too_large = true,
            Fault::NsNameWithoutNul => self.ns_name_without_nul = true,
            Fault::NsFlood(n) => self.ns_flood = self.ns_flood.saturating_add(n),
            Fault::DestroyLiveChannel => self.destroy_live_channel = true,
            Fault::NoDoorbell => self.no_doorbell = true,
        }
    }

    /// Disarms `fault` (for `NsFlood`, drops the whole pending flood).
    pub fn disarm(&mut self, fault: Fault) {
        match fault {
            Fault::DropEchoes => self.drop_echoes = false,
            Fault::CorruptEcho => self.corrupt_echo = false,
            Fault::UsedIdxBeyondRing => self.used_idx_beyond_ring = false,
            Fault::DescIdOutOfRange => self.desc_id_out_of_range = false,
            Fault::UsedLenTooLarge => self.used_len_too_large = false,
            Fault::NsNameWithoutNul => self.ns_name_without_nul = false,
            Fault::NsFlood(_) => self.ns_flood = 0,
            Fault::DestroyLiveChannel => self.destroy_live_channel = false,
            Fault::NoDoorbell => self.no_doorbell = false,
        }
    }

    /// Whether any fault is armed.
    pub fn any(&self) -> bool {
        *self != FaultState::default()
    }
}

/// What one [`Remote::service`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// A doorbell was sent to Linux.
    pub doorbell_rung: bool,
    /// Work is left (messages waiting for vring0 buffers, vring1 messages
    /// beyond the budget or held back, an unsent doorbell): call again later.
    pub retry_needed: bool,
    /// Valid messages received on vring1.
    pub messages_in: u32,
    /// Messages delivered into vring0.
    pub messages_out: u32,
}

/// Why a [`Remote`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteError {
    /// Instance index not below [`super::layout::MAX_INSTANCES`].
    BadInstance,
    /// The queue storage holds less than one [`OUTQ_SLOT`].
    StorageTooSmall,
}

/// An available descriptor that points outside the pool (see
/// [`Remote::audit`]), or a ring that could not be audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFinding {
    /// The descriptor behind a pending avail entry is outside the pool.
    BadDescriptor {
        /// The ring.
        queue: QueueId,
        /// Free-running avail index of the entry.
        avail_idx: u16,
        /// Descriptor id.
        head: u16,
        /// Descriptor address.
        addr: u64,
        /// Descriptor length.
        len: u32,
    },
    /// The ring itself is inconsistent or unreadable.
    Ring {
        /// The ring.
        queue: QueueId,
        /// What went wrong.
        err: QueueError,
    },
}

/// Offset in the pool of the `len` bytes at physical address `addr`, if they
/// lie entirely inside the pool at `pool_phys` of `pool_size` bytes.
pub fn pool_offset(pool_phys: u64, pool_size: usize, addr: u64, len: u32) -> Option<usize> {
    let off = usize::try_from(addr.checked_sub(pool_phys)?).ok()?;
    let end = off.checked_add(usize::try_from(len).ok()?)?;
    if end > pool_size {
        None
    } else {
        Some(off)
    }
}

/// Bounded FIFO of encoded messages (header + payload) in caller storage.
struct OutQueue<S> {
    buf: S,
    cap: usize,
    head: usize,
    count: usize,
}

impl<S: DerefMut<Target = [u8]>> OutQueue<S> {
    fn new(buf: S) -> Self {
        let cap = (buf.len() / OUTQ_SLOT).min(OUTQ_MAX);
        OutQueue {
            buf,
            cap,
            head: 0,
            count: 0,
        }
    }

    fn clear(&mut self) {
        self.head = 0;
        self.count = 0;
    }

    fn is_full(&self) -> bool {
        self.count >= self.cap
    }

    fn slot_index(&self, n: usize) -> Option<usize> {
        self.head.checked_add(n)?.checked_rem(self.cap)
    }

    fn slot_mut(&mut self, i: usize) -> Option<&mut [u8]> {
        let start = i.checked_mul(OUTQ_SLOT)?;
        let end = start.checked_add(OUTQ_SLOT)?;
        self.buf.get_mut(start..end)
    }

    fn slot(&self, i: usize) -> Option<&[u8]> {
        let start = i.checked_mul(OUTQ_SLOT)?;
        let end = start.checked_add(OUTQ_SLOT)?;
        self.buf.get(start..end)
    }

    /// The free slot after the last message (not yet part of the queue).
    fn tail_mut(&mut self) -> Option<&mut [u8]> {
        if self.is_full() {
            return None;
        }
        let i = self.slot_index(self.count)?;
        self.slot_mut(i)
    }

    /// Makes the tail slot part of the queue.
    fn commit(&mut self) {
        if !self.is_full() {
            self.count = self.count.wrapping_add(1);
        }
    }

    /// Encodes a message into the tail slot and commits it.
    fn push(&mut self, src: u32, dst: u32, payload: &[u8]) -> bool {
        let ok = match self.tail_mut() {
            Some(slot) => super::message::encode_message(src, dst, payload, slot).is_ok(),
            None => false,
        };
        if ok {
            self.commit();
        }
        ok
    }

    /// The first message's bytes (header + payload).
    fn front(&self) -> Option<&[u8]> {
        if self.count == 0 {
            return None;
        }
        let slot = self.slot(self.slot_index(0)?)?;
        let hdr = RpmsgHdr::decode(slot).ok()?;
        let end = HDR_SIZE.checked_add(usize::from(hdr.len))?;
        slot.get(..end)
    }

    fn pop_front(&mut self) {
        if self.count > 0 {
            self.count = self.count.wrapping_sub(1);
            self.head = self.slot_index(1).unwrap_or(0);
        }
    }
}

fn report<H: RemoteHost>(counters: &mut Counters, host: &mut H, err: ProtocolError) {
    counters.protocol_errors = counters.protocol_errors.wrapping_add(1);
    host.protocol_error(err);
}

/// Whether a ring error means the ring cannot be walked further now.
fn ring_broken(err: &QueueError) -> bool {
    matches!(
        err,
        QueueError::AvailBeyondRing { .. } | QueueError::OutOfBounds
    )
}

/// Writes `n` in decimal into `out`; returns the digits written.
fn write_decimal(out: &mut [u8], mut n: u32) -> usize {
    let mut digits = [0u8; 10];
    let mut len = 0usize;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0'.wrapping_add((n % 10) as u8);
        }
        len = len.wrapping_add(1);
        n /= 10;
        if n == 0 || len >= digits.len() {
            break;
        }
    }
    let mut written = 0usize;
    for d in digits.iter().take(len).rev() {
        match out.get_mut(written) {
            Some(o) => *o = *d,
            None => break,
        }
        written = written.wrapping_add(1);
    }
    written
}

/// The remote-core engine for one instance.
///
/// `S` is the storage of the outbound queue, e.g. a `KVec<u8>` (kernel) or
/// `Vec<u8>` of [`OUTQ_BYTES`] bytes; it holds `len / 512` messages, at most
/// [`OUTQ_MAX`]. The engine itself stays well under 1 KiB.
pub struct Remote<S> {
    rvq: DeviceQueue,
    tvq: DeviceQueue,
    pool_phys: u64,
    endpoints: EndpointTable,
    outq: OutQueue<S>,
    /// Index into `endpoints` of the next endpoint to consider announcing.
    announce_next: usize,
    flood_seq: u32,
    doorbell_owed: bool,
    counters: Counters,
    faults: FaultState,
}

impl<S: DerefMut<Target = [u8]>> Remote<S> {
    /// Engine for instance `instance` (vring0 at `instance * 0x10000` of the
    /// vring region, vring1 0x8000 after it), the pool at physical address
    /// `pool_phys`, the default endpoints, and `storage` for queued messages.
    pub fn new(instance: usize, pool_phys: u64, storage: S) -> Result<Self, RemoteError> {
        let v0 = instance_vring0(instance).ok_or(RemoteError::BadInstance)?;
        let v1 = instance_vring1(instance).ok_or(RemoteError::BadInstance)?;
        Self::with_offsets(v0, v1, pool_phys, storage)
    }

    /// Like [`Remote::new`] with explicit ring offsets in the ring region.
    pub fn with_offsets(
        vring0: usize,
        vring1: usize,
        pool_phys: u64,
        storage: S,
    ) -> Result<Self, RemoteError> {
        let outq = OutQueue::new(storage);
        if outq.cap == 0 {
            return Err(RemoteError::StorageTooSmall);
        }
        let layout = VringLayout::rockchip();
        Ok(Remote {
            rvq: DeviceQueue::new(vring0, layout),
            tvq: DeviceQueue::new(vring1, layout),
            pool_phys,
            endpoints: EndpointTable::default(),
            outq,
            announce_next: 0,
            flood_seq: 0,
            doorbell_owed: false,
            counters: Counters::default(),
            faults: FaultState::default(),
        })
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &EndpointTable {
        &self.endpoints
    }

    /// The endpoints, to change before the next [`Remote::reset`].
    pub fn endpoints_mut(&mut self) -> &mut EndpointTable {
        &mut self.endpoints
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Sets all counters to 0.
    pub fn reset_counters(&mut self) {
        self.counters = Counters::default();
    }

    /// Counts a doorbell received from Linux (call before [`Remote::service`]).
    pub fn note_doorbell_in(&mut self) {
        self.counters.doorbells_in = self.counters.doorbells_in.wrapping_add(1);
    }

    /// Arms a fault; it takes effect from the next [`Remote::service`] on.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.arm(fault);
    }

    /// The armed faults.
    pub fn faults(&self) -> &FaultState {
        &self.faults
    }

    /// The armed faults, to set or clear directly.
    pub fn faults_mut(&mut self) -> &mut FaultState {
        &mut self.faults
    }

    /// Disarms every fault.
    pub fn clear_faults(&mut self) {
        self.faults = FaultState::default();
    }

    /// Messages waiting for vring0 buffers.
    pub fn queued(&self) -> usize {
        self.outq.count
    }

    /// Capacity of the outbound queue.
    pub fn queue_capacity(&self) -> usize {
        self.outq.cap
    }

    /// The vring0 (Linux receive) queue state.
    pub fn rx_queue(&self) -> &DeviceQueue {
        &self.rvq
    }

    /// The vring1 (Linux send) queue state.
    pub fn tx_queue(&self) -> &DeviceQueue {
        &self.tvq
    }

    /// Sets a queue's free-running indices, to pick up rings that are
    /// already in use at those indices (e.g. to test wrap-around at 65535).
    pub fn set_ring_indices(&mut self, queue: QueueId, last_avail: u16, used_idx: u16) {
        let q = match queue {
            QueueId::Rx => &mut self.rvq,
            QueueId::Tx => &mut self.tvq,
        };
        *q = DeviceQueue::with_indices(q.base(), *q.layout(), last_avail, used_idx);
    }

    /// Whether every announced endpoint has been queued for announcement
    /// since the last reset.
    pub fn announced(&self) -> bool {
        self.announce_next >= MAX_ENDPOINTS
    }

    /// Starts over as if the remote core had just booted: ring indices 0,
    /// queue empty, announcements due again. Counters, endpoints and armed
    /// faults are kept.
    pub fn reset(&mut self) {
        self.rvq.reset();
        self.tvq.reset();
        self.outq.clear();
        self.announce_next = 0;
        self.doorbell_owed = false;
    }

    /// Queues a name service message, applying `NsNameWithoutNul`.
    fn queue_ns(&mut self, name: RpmsgName, addr: u32, flags: u32) -> bool {
        let mut name = name;
        let mut applied = false;
        if self.faults.ns_name_without_nul {
            let mut raw = [FAULT_NAME_FILL; NAME_SIZE];
            for (r, b) in raw.iter_mut().zip(name.as_bytes()) {
                *r = *b;
            }
            name = RpmsgName::from_raw(raw);
            applied = true;
        }
        let bytes = NsMsg { name, addr, flags }.to_bytes();
        let ok = self.outq.push(addr, NS_ADDR, &bytes);
        if ok && applied {
            self.faults.ns_name_without_nul = false;
            self.counters.faults_applied = self.counters.faults_applied.wrapping_add(1);
        }
        ok
    }

    /// Queues due announcements and name-service faults, as space allows.
    fn queue_name_service(&mut self) {
        while self.announce_next < MAX_ENDPOINTS && !self.outq.is_full() {
            if let Some(ep) = self.endpoints.get(self.announce_next).copied() {
                if ep.announce && !self.queue_ns(ep.name, ep.addr, RPMSG_NS_CREATE) {
                    return;
                }
            }
            self.announce_next = self.announce_next.wrapping_add(1);
        }
        if self.faults.destroy_live_channel && !self.outq.is_full() {
            let ep = self.endpoints.iter().find(|e| e.announce).copied();
            let (name, addr) = match ep {
                Some(ep) => (ep.name, ep.addr),
                None => (
                    RpmsgName::new(DEFAULT_EP_NAME).unwrap_or(RpmsgName::EMPTY),
                    DEFAULT_EP_ADDR,
                ),
            };
            if self.queue_ns(name, addr, RPMSG_NS_DESTROY) {
                self.faults.destroy_live_channel = false;
                self.counters.faults_applied = self.counters.faults_applied.wrapping_add(1);
            }
        }
        while self.faults.ns_flood > 0 && !self.outq.is_full() {
            let mut raw = [0u8; NAME_SIZE];
            let prefix = b"flood-";
            for (r, b) in raw.iter_mut().zip(prefix.iter()) {
                *r = *b;
            }
            if let Some(rest) = raw.get_mut(prefix.len()..NAME_SIZE - 1) {
                write_decimal(rest, self.flood_seq);
            }
            let addr = FLOOD_BASE_ADDR.wrapping_add(self.flood_seq);
            if !self.queue_ns(RpmsgName::from_raw(raw), addr, RPMSG_NS_CREATE) {
                return;
            }
            self.flood_seq = self.flood_seq.wrapping_add(1);
            self.faults.ns_flood = self.faults.ns_flood.wrapping_sub(1);
            self.counters.faults_applied = self.counters.faults_applied.wrapping_add(1);
        }
    }

    /// Checks a taken buffer's flags; reports and returns it with length 0
    /// if unusable. `writable` is the direction the buffer must have.
    fn check_flags<R: SharedMem, H: RemoteHost>(
        &mut self,
        queue: QueueId,
        buf: &AvailBuf,
        rings: &R,
        host: &mut H,
    ) -> bool {
        let writable = queue == QueueId::Rx;
        let flags = buf.desc.flags;
        let dir_ok = (flags & VRING_DESC_F_WRITE != 0) == writable;
        if buf.chain_len == 1 && flags & VRING_DESC_F_INDIRECT == 0 && dir_ok {
            return true;
        }
        report(
            &mut self.counters,
            host,
            ProtocolError::BadDescFlags {
                queue,
                head: buf.head,
                flags,
                chain_len: buf.chain_len,
            },
        );
        self.give_back(queue, rings, host, buf.head);
        false
    }

    /// Returns `head` on `queue`'s used ring with length 0.
    fn give_back<R: SharedMem, H: RemoteHost>(
        &mut self,
        queue: QueueId,
        rings: &R,
        host: &mut H,
        head: u16,
    ) {
        let q = match queue {
            QueueId::Rx => &mut self.rvq,
            QueueId::Tx => &mut self.tvq,
        };
        if let Err(err) = q.push_used(rings, u32::from(head), 0) {
            report(&mut self.counters, host, ProtocolError::Ring { queue, err });
        }
    }

    /// Translates a taken buffer into a pool offset, or reports and returns it.
    fn translate<R: SharedMem, P: SharedMem, H: RemoteHost>(
        &mut self,
        queue: QueueId,
        buf: &AvailBuf,
        rings: &R,
        pool: &P,
        host: &mut H,
    ) -> Option<usize> {
        let off = pool_offset(self.pool_phys, pool.size(), buf.desc.addr, buf.desc.len);
        if off.is_none() {
            report(
                &mut self.counters,
                host,
                ProtocolError::OutsidePool {
                    queue,
                    head: buf.head,
                    addr: buf.desc.addr,
                    len: buf.desc.len,
                },
            );
            self.give_back(queue, rings, host, buf.head);
        }
        off
    }

    /// Handles one buffer taken from vring1. The queue has a free slot.
    fn handle_tx<R: SharedMem, P: SharedMem, H: RemoteHost>(
        &mut self,
        buf: AvailBuf,
        rings: &R,
        pool: &P,
        host: &mut H,
        out: &mut Outcome,
    ) {
        if !self.check_flags(QueueId::Tx, &buf, rings, host) {
            return;
        }
        let Some(off) = self.translate(QueueId::Tx, &buf, rings, pool, host) else {
            return;
        };
        let head = buf.head;
        let mut hdr_bytes = [0u8; HDR_SIZE];
        let hdr = if (buf.desc.len as usize) < HDR_SIZE {
            Err(ProtocolError::BadHeader {
                head,
                err: MsgError::TooShort,
            })
        } else if pool.read_bytes(off, &mut hdr_bytes).is_err() {
            Err(ProtocolError::PoolAccess {
                queue: QueueId::Tx,
                head,
            })
        } else {
            RpmsgHdr::decode(&hdr_bytes)
                .and_then(|h| h.check_len(buf.desc.len as usize).map(|()| h))
                .map_err(|err| ProtocolError::BadHeader { head, err })
        };
        let hdr = match hdr {
            Ok(h) => h,
            Err(e) => {
                report(&mut self.counters, host, e);
                self.give_back(QueueId::Tx, rings, host, head);
                return;
            }
        };
        self.counters.messages_in = self.counters.messages_in.wrapping_add(1);
        out.messages_in = out.messages_in.wrapping_add(1);

        let ep = self.endpoints.find(hdr.dst).copied();
        match ep {
            _ if hdr.dst == NS_ADDR => {
                self.counters.consumed = self.counters.consumed.wrapping_add(1);
            }
            None => {
                self.counters.dropped_unknown = self.counters.dropped_unknown.wrapping_add(1);
                host.protocol_error(ProtocolError::UnknownDestination {
                    src: hdr.src,
                    dst: hdr.dst,
                });
            }
            Some(Endpoint {
                kind: EndpointKind::Consume,
                ..
            }) => {
                self.counters.consumed = self.counters.consumed.wrapping_add(1);
            }
            Some(ep) => self.echo(ep.addr, hdr, off, head, pool, host),
        }
        if let Err(err) = self.tvq.push_used(rings, u32::from(head), buf.desc.len) {
            report(
                &mut self.counters,
                host,
                ProtocolError::Ring {
                    queue: QueueId::Tx,
                    err,
                },
            );
        }
    }

    /// Reads the payload into the queue's tail slot, logs it and queues
    /// the reply (subject to the echo faults).
    fn echo<P: SharedMem, H: RemoteHost>(
        &mut self,
        ep_addr: u32,
        hdr: RpmsgHdr,
        off: usize,
        head: u16,
        pool: &P,
        host: &mut H,
    ) {
        let len = usize::from(hdr.len);
        let drop_echo = self.faults.drop_echoes;
        let corrupt = self.faults.corrupt_echo;
        let Some(slot) = self.outq.tail_mut() else {
            return;
        };
        let end = HDR_SIZE.wrapping_add(len);
        let read = match (slot.get_mut(HDR_SIZE..end), off.checked_add(HDR_SIZE)) {
            (Some(payload), Some(poff)) => pool.read_bytes(poff, payload).is_ok(),
            _ => false,
        };
        if !read {
            report(
                &mut self.counters,
                host,
                ProtocolError::PoolAccess {
                    queue: QueueId::Tx,
                    head,
                },
            );
            return;
        }
        host.message(ep_addr, slot.get(HDR_SIZE..end).unwrap_or(&[]));
        if drop_echo {
            self.counters.consumed = self.counters.consumed.wrapping_add(1);
            self.counters.faults_applied = self.counters.faults_applied.wrapping_add(1);
            return;
        }
        let mut corrupted = false;
        if corrupt {
            if let Some(b) = slot.get_mut(HDR_SIZE) {
                if len > 0 {
                    *b ^= FAULT_CORRUPT_XOR;
                    corrupted = true;
                }
            }
        }
        if RpmsgHdr::new(ep_addr, hdr.src, hdr.len)
            .encode(slot)
            .is_ok()
        {
            self.outq.commit();
        }
        if corrupted {
            self.counters.faults_applied = self.counters.faults_applied.wrapping_add(1);
        }
    }

    /// Drains vring1. Returns (buffers returned, work left over).
    fn drain<R: SharedMem, P: SharedMem, H: RemoteHost>(
        &mut self,
        rings: &R,
        pool: &P,
        host: &mut H,
        out: &mut Outcome,
        budget: &mut u32,
    ) -> (bool, bool) {
        let mut returned = false;
        let mut left_over = false;
        loop {
            if let Err(err) = self.tvq.set_no_notify(rings, true) {
                report(
                    &mut self.counters,
                    host,
                    ProtocolError::Ring {
                        queue: QueueId::Tx,
                        err,
                    },
                );
                return (returned, false);
            }
            let mut stopped = false;
            loop {
                if self.outq.is_full() || *budget == 0 {
                    left_over = true;
                    stopped = true;
                    break;
                }
                match self.tvq.pop_avail(rings) {
                    Ok(None) => break,
                    Ok(Some(buf)) => {
                        *budget = budget.wrapping_sub(1);
                        self.handle_tx(buf, rings, pool, host, out);
                        returned = true;
                    }
                    Err(err) => {
                        *budget = budget.wrapping_sub(1);
                        report(
                            &mut self.counters,
                            host,
                            ProtocolError::Ring {
                                queue: QueueId::Tx,
                                err,
                            },
                        );
                        if let Some(head) = err.returnable_head() {
                            self.give_back(QueueId::Tx, rings, host, head);
                            returned = true;
                        }
                        if ring_broken(&err) {
                            stopped = true;
                            break;
                        }
                    }
                }
            }
            // Re-enable notifications, then look again so that a message
            // posted while they were off is not left without a wakeup.
            if let Err(err) = self.tvq.set_no_notify(rings, false) {
                report(
                    &mut self.counters,
                    host,
                    ProtocolError::Ring {
                        queue: QueueId::Tx,
                        err,
                    },
                );
                return (returned, left_over);
            }
            rings.barrier();
            if stopped {
                return (returned, left_over);
            }
            match self.tvq.has_pending(rings) {
                Ok(true) => continue,
                Ok(false) => return (returned, left_over),
                Err(err) => {
                    report(
                        &mut self.counters,
                        host,
                        ProtocolError::Ring {
                            queue: QueueId::Tx,
                            err,
                        },
                    );
                    return (returned, left_over);
                }
            }
        }
    }

    /// Moves queued messages into vring0 buffers. Returns (buffers
    /// returned, ran out of buffers).
    fn flush<R: SharedMem, P: SharedMem, H: RemoteHost>(
        &mut self,
        rings: &R,
        pool: &P,
        host: &mut H,
        out: &mut Outcome,
    ) -> (bool, bool) {
        let mut returned = false;
        while self.outq.count > 0 {
            let buf = match self.rvq.pop_avail(rings) {
                Ok(Some(buf)) => buf,
                Ok(None) => return (returned, true),
                Err(err) => {
                    report(
                        &mut self.counters,
                        host,
                        ProtocolError::Ring {
                            queue: QueueId::Rx,
                            err,
                        },
                    );
                    if let Some(head) = err.returnable_head() {
                        self.give_back(QueueId::Rx, rings, host, head);
                        returned = true;
                    }
                    if ring_broken(&err) {
                        return (returned, true);
                    }
                    continue;
                }
            };
            if !self.check_flags(QueueId::Rx, &buf, rings, host) {
                returned = true;
                continue;
            }
            let Some(off) = self.translate(QueueId::Rx, &buf, rings, pool, host) else {
                returned = true;
                continue;
            };
            let Some(msg) = self.outq.front() else {
                // Unreachable: count > 0 and slots are always in storage.
                self.outq.clear();
                self.give_back(QueueId::Rx, rings, host, buf.head);
                return (true, false);
            };
            let total = msg.len();
            let need = u32::try_from(total).unwrap_or(u32::MAX);
            if buf.desc.len < need {
                report(
                    &mut self.counters,
                    host,
                    ProtocolError::RxBufferTooSmall {
                        head: buf.head,
                        len: buf.desc.len,
                        need,
                    },
                );
                self.give_back(QueueId::Rx, rings, host, buf.head);
                returned = true;
                continue;
            }
            if pool.write_bytes(off, msg).is_err() {
                report(
                    &mut self.counters,
                    host,
                    ProtocolError::PoolAccess {
                        queue: QueueId::Rx,
                        head: buf.head,
                    },
                );
                self.give_back(QueueId::Rx, rings, host, buf.head);
                returned = true;
                continue;
            }
            let num = self.rvq.layout().num();
            let mut id = u32::from(buf.head);
            let mut len = need;
            let mut skew = 0u16;
            let mut applied = 0u64;
            if self.faults.desc_id_out_of_range {
                self.faults.desc_id_out_of_range = false;
                id = u32::from(num).wrapping_add(FAULT_DESC_ID_EXTRA);
                applied = applied.wrapping_add(1);
            }
            if self.faults.used_len_too_large {
                self.faults.used_len_too_large = false;
                len = FAULT_USED_LEN;
                applied = applied.wrapping_add(1);
            }
            if self.faults.used_idx_beyond_ring {
                self.faults.used_idx_beyond_ring = false;
                skew = num.wrapping_add(FAULT_USED_IDX_EXTRA);
                applied = applied.wrapping_add(1);
            }
            self.counters.faults_applied = self.counters.faults_applied.wrapping_add(applied);
            if let Err(err) = self.rvq.push_used_skewed(rings, id, len, skew) {
                report(
                    &mut self.counters,
                    host,
                    ProtocolError::Ring {
                        queue: QueueId::Rx,
                        err,
                    },
                );
                return (returned, true);
            }
            self.outq.pop_front();
            returned = true;
            self.counters.messages_out = self.counters.messages_out.wrapping_add(1);
            out.messages_out = out.messages_out.wrapping_add(1);
        }
        (returned, false)
    }

    /// Does all due work; call on every doorbell from Linux and whenever a
    /// previous call asked for a retry.
    ///
    /// `rings` is the whole vring region, `pool` the buffer pool (at the
    /// physical address given at construction).
    pub fn service<R: SharedMem, P: SharedMem, H: RemoteHost>(
        &mut self,
        rings: &R,
        pool: &P,
        host: &mut H,
    ) -> Outcome {
        let mut out = Outcome::default();
        let mut budget = SERVICE_BUDGET;
        let mut rx = false;
        let mut tx = false;
        let mut tx_left = false;
        let mut first = true;
        // Alternate flushing the outbound queue into vring0 and draining
        // vring1 until vring1 is empty, vring0 has no buffers left, or the
        // budget is spent. Every round but the last drains at least one
        // message, so this ends.
        let starved = loop {
            self.queue_name_service();
            let (pushed, starved) = self.flush(rings, pool, host, &mut out);
            rx |= pushed;
            if !first && (!tx_left || starved || budget == 0) {
                break starved;
            }
            first = false;
            let (returned, left) = self.drain(rings, pool, host, &mut out, &mut budget);
            tx |= returned;
            tx_left = left;
        };
        let pending_ns =
            !self.announced() || self.faults.ns_flood > 0 || self.faults.destroy_live_channel;
        if self.outq.count > 0 {
            if starved {
                self.counters.waits_for_buffers = self.counters.waits_for_buffers.wrapping_add(1);
            }
            out.retry_needed = true;
        }
        if tx_left || pending_ns {
            out.retry_needed = true;
        }

        let mut ring = self.doorbell_owed;
        if rx {
            match self.rvq.avail_wants_interrupt(rings) {
                Ok(true) => ring = true,
                Ok(false) => {
                    self.counters.suppressed_notifications =
                        self.counters.suppressed_notifications.wrapping_add(1);
                }
                Err(err) => report(
                    &mut self.counters,
                    host,
                    ProtocolError::Ring {
                        queue: QueueId::Rx,
                        err,
                    },
                ),
            }
        }
        if tx {
            // Linux turns vring1 interrupts on only while a sender waits
            // for a free buffer.
            if let Ok(true) = self.tvq.avail_wants_interrupt(rings) {
                ring = true;
            }
        }
        self.doorbell_owed = false;
        if ring {
            if self.faults.no_doorbell {
                self.counters.faults_applied = self.counters.faults_applied.wrapping_add(1);
            } else if host.ring_doorbell() {
                self.counters.doorbells_out = self.counters.doorbells_out.wrapping_add(1);
                out.doorbell_rung = true;
            } else {
                self.doorbell_owed = true;
                out.retry_needed = true;
            }
        }
        out
    }

    /// Checks that every descriptor Linux has made available on this
    /// instance's rings (avail entries not yet taken) lies inside the pool
    /// at `pool_phys` of `pool_size` bytes. Returns the first violation.
    pub fn audit<R: SharedMem>(
        &self,
        rings: &R,
        pool_phys: u64,
        pool_size: usize,
    ) -> Option<AuditFinding> {
        for (queue, q) in [(QueueId::Rx, &self.rvq), (QueueId::Tx, &self.tvq)] {
            if let Some(f) = audit_queue(queue, q, rings, pool_phys, pool_size) {
                return Some(f);
            }
        }
        None
    }
}

fn audit_queue<R: SharedMem>(
    queue: QueueId,
    q: &DeviceQueue,
    rings: &R,
    pool_phys: u64,
    pool_size: usize,
) -> Option<AuditFinding> {
    let ring_err = |err| Some(AuditFinding::Ring { queue, err });
    let pending = match q.pending(rings) {
        Ok(p) => p,
        Err(err) => return ring_err(err),
    };
    for n in 0..pending {
        let head = match q.peek_head(rings, n) {
            Ok(h) => h,
            Err(err) => return ring_err(err),
        };
        let desc = match q.read_desc(rings, head) {
            Ok(d) => d,
            Err(err) => return ring_err(err),
        };
        if pool_offset(pool_phys, pool_size, desc.addr, desc.len).is_none() {
            return Some(AuditFinding::BadDescriptor {
                queue,
                avail_idx: q.last_avail().wrapping_add(n),
                head,
                addr: desc.addr,
                len: desc.len,
            });
        }
    }
    None
}
