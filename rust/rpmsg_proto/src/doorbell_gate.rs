//! Coalescing of Linux's doorbells to the remote over a mailbox channel.
//!
//! A mailbox channel carries one doorbell at a time. The mailbox core
//! queues further messages, but it submits the next queued one *before* it
//! tells the client that the previous one completed (`tx_tick()` in
//! `drivers/mailbox/mailbox.c`); a client that counts outstanding
//! messages therefore sees "two outstanding" while the second is already on
//! the wire, and a notify that coalesces into it can come after the remote
//! read the ring. A remote that wakes only on doorbells (RT-Thread) never
//! sees that buffer.
//!
//! The gate keeps the queue out of the mailbox core: at most one doorbell is
//! handed to the mailbox, and a notify that finds one in flight records that
//! another is *owed*. The owed doorbell is sent when the one in flight
//! completes, so it is always submitted after every ring update whose
//! notify was coalesced into it.
//!
//! The state is one word, changed with compare-and-swap; this file holds the
//! transitions as pure functions, the caller owns the atomic.

/// No doorbell in the mailbox.
pub const IDLE: u32 = 0;
/// One doorbell in the mailbox, nothing owed.
pub const IN_FLIGHT: u32 = 1;
/// One doorbell in the mailbox and another owed for notifies since it was
/// sent.
pub const IN_FLIGHT_OWED: u32 = 2;

/// What a notify must do after its transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnNotify {
    /// Hand a doorbell to the mailbox now.
    Send,
    /// Nothing: the doorbell owed after the one in flight covers this notify.
    Coalesced,
}

/// What the completion of the doorbell in flight must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnTxDone {
    /// Hand the owed doorbell to the mailbox now.
    SendOwed,
    /// Nothing: the mailbox is idle.
    Idle,
}

/// The state after a notify that found `state`, and what to do.
///
/// An unknown state is treated as "in flight": the notify is owed a
/// doorbell rather than sending a second one into a busy channel.
pub const fn notify(state: u32) -> (u32, OnNotify) {
    match state {
        IDLE => (IN_FLIGHT, OnNotify::Send),
        _ => (IN_FLIGHT_OWED, OnNotify::Coalesced),
    }
}

/// The state after the doorbell in flight completed (or failed), and what
/// to do.
pub const fn tx_done(state: u32) -> (u32, OnTxDone) {
    match state {
        IN_FLIGHT_OWED => (IN_FLIGHT, OnTxDone::SendOwed),
        _ => (IDLE, OnTxDone::Idle),
    }
}

/// The state after the mailbox refused a doorbell the gate had let through,
/// and whether notifies that were owed a doorbell lost it with this one.
///
/// Nothing is in flight after a refusal, so the gate opens again; the caller
/// reports the loss (it happens only when the channel is being freed).
pub const fn send_failed(state: u32) -> (u32, bool) {
    (IDLE, state == IN_FLIGHT_OWED)
}

/// Doorbells in the mailbox or owed, for display (0, 1 or 2).
pub const fn outstanding(state: u32) -> u32 {
    match state {
        IDLE => 0,
        IN_FLIGHT => 1,
        _ => 2,
    }
}
