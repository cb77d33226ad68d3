//! The doorbell gate under every interleaving.
//!
//! A small model checker: notifiers (each writes the ring, then runs the
//! gate's compare-and-swap loop and maybe sends) and the mailbox core
//! (which, when the doorbell in flight completes, first submits the next
//! queued message and only then calls the client's `tx_done`, as
//! `tx_tick()` does) step one atomic action at a time. A depth-first search
//! visits every order of those steps and checks, in every final state, that
//! no ring update was left without a doorbell written to the mailbox after
//! it. The same search finds the lost doorbell in the coalescing scheme the
//! driver used before (count outstanding messages, coalesce at two).

use rpmsg_proto::doorbell_gate::{self, OnNotify, OnTxDone};
use std::collections::HashSet;

/// A coalescing scheme as the model drives it.
trait Scheme {
    /// State after a notify found `s`, and whether to send.
    fn notify(s: u32) -> (u32, bool);
    /// State after `tx_done` found `s`, and whether to send.
    fn tx_done(s: u32) -> (u32, bool);
}

/// The driver's gate.
struct Gate;

impl Scheme for Gate {
    fn notify(s: u32) -> (u32, bool) {
        let (next, action) = doorbell_gate::notify(s);
        (next, action == OnNotify::Send)
    }
    fn tx_done(s: u32) -> (u32, bool) {
        let (next, action) = doorbell_gate::tx_done(s);
        (next, action == OnTxDone::SendOwed)
    }
}

/// The earlier scheme: up to two messages handed to the mailbox core (one
/// in flight, one queued there), later notifies coalesced.
struct CountOutstanding;

impl Scheme for CountOutstanding {
    fn notify(s: u32) -> (u32, bool) {
        if s >= 2 {
            (s, false)
        } else {
            (s + 1, true)
        }
    }
    fn tx_done(s: u32) -> (u32, bool) {
        (s.saturating_sub(1), false)
    }
}

/// Where a notifier is.
#[derive(Clone, Copy, Hash, PartialEq, Eq, Debug)]
enum NotifierPc {
    /// About to write the ring (`left` notifies still to do).
    WriteRing,
    /// About to read the gate word.
    Load,
    /// About to compare-and-swap from the value it read.
    Cas(u32),
    /// Its transition said "send".
    Send,
}

/// Where the mailbox core's completion path is.
#[derive(Clone, Copy, Hash, PartialEq, Eq, Debug)]
enum TxPc {
    /// Waiting for the doorbell in flight to complete.
    Waiting,
    /// `tx_tick` cleared the active message and submitted the next queued
    /// one; about to read the gate word in the client's `tx_done`.
    Load,
    /// About to compare-and-swap from the value it read.
    Cas(u32),
    /// `tx_done` said "send the owed doorbell".
    Send,
}

#[derive(Clone, Hash, PartialEq, Eq, Debug)]
struct World {
    gate: u32,
    /// A doorbell is in the mailbox hardware (the core's `active_req`).
    in_flight: bool,
    /// Messages queued in the mailbox core behind it.
    queued: u32,
    /// Largest `queued` seen.
    max_queued: u32,
    /// Some ring update has no doorbell written to the hardware after it.
    unannounced: bool,
    notifiers: Vec<(NotifierPc, u32)>,
    tx: TxPc,
}

impl World {
    fn new(notifiers: usize, notifies_each: u32) -> Self {
        World {
            gate: 0,
            in_flight: false,
            queued: 0,
            max_queued: 0,
            unannounced: false,
            notifiers: vec![(NotifierPc::WriteRing, notifies_each); notifiers],
            tx: TxPc::Waiting,
        }
    }

    /// `mbox_send_message`: written now if the channel is free, else queued.
    fn mbox_send(&mut self) {
        if self.in_flight {
            self.queued += 1;
            self.max_queued = self.max_queued.max(self.queued);
        } else {
            self.write_doorbell();
        }
    }

    /// The doorbell reaches the hardware: the remote will read the ring as
    /// it is from now on.
    fn write_doorbell(&mut self) {
        self.in_flight = true;
        self.unannounced = false;
    }

    /// Every state one step from `self`.
    fn successors<S: Scheme>(&self) -> Vec<World> {
        let mut next = Vec::new();
        for i in 0..self.notifiers.len() {
            let (pc, left) = self.notifiers[i];
            let mut w = self.clone();
            match pc {
                NotifierPc::WriteRing if left > 0 => {
                    w.unannounced = true;
                    w.notifiers[i] = (NotifierPc::Load, left - 1);
                }
                NotifierPc::WriteRing => continue,
                NotifierPc::Load => w.notifiers[i].0 = NotifierPc::Cas(w.gate),
                NotifierPc::Cas(seen) => {
                    if w.gate == seen {
                        let (state, send) = S::notify(seen);
                        w.gate = state;
                        w.notifiers[i].0 = if send {
                            NotifierPc::Send
                        } else {
                            NotifierPc::WriteRing
                        };
                    } else {
                        w.notifiers[i].0 = NotifierPc::Load;
                    }
                }
                NotifierPc::Send => {
                    w.mbox_send();
                    w.notifiers[i].0 = NotifierPc::WriteRing;
                }
            }
            next.push(w);
        }
        let mut w = self.clone();
        match self.tx {
            TxPc::Waiting if self.in_flight => {
                // tx_tick(): active_req = NULL, msg_submit(), then tx_done().
                w.in_flight = false;
                if w.queued > 0 {
                    w.queued -= 1;
                    w.write_doorbell();
                }
                w.tx = TxPc::Load;
                next.push(w);
            }
            TxPc::Waiting => {}
            TxPc::Load => {
                w.tx = TxPc::Cas(w.gate);
                next.push(w);
            }
            TxPc::Cas(seen) => {
                if w.gate == seen {
                    let (state, send) = S::tx_done(seen);
                    w.gate = state;
                    w.tx = if send { TxPc::Send } else { TxPc::Waiting };
                } else {
                    w.tx = TxPc::Load;
                }
                next.push(w);
            }
            TxPc::Send => {
                w.mbox_send();
                w.tx = TxPc::Waiting;
                next.push(w);
            }
        }
        next
    }
}

/// What the search found.
#[derive(Debug, Default)]
struct Findings {
    states: usize,
    final_states: usize,
    /// Final states with a ring update no doorbell followed.
    lost: usize,
    max_queued: u32,
}

fn explore<S: Scheme>(notifiers: usize, notifies_each: u32) -> Findings {
    let mut seen = HashSet::new();
    let mut stack = vec![World::new(notifiers, notifies_each)];
    let mut f = Findings::default();
    while let Some(w) = stack.pop() {
        if !seen.insert(w.clone()) {
            continue;
        }
        f.states += 1;
        f.max_queued = f.max_queued.max(w.max_queued);
        let next = w.successors::<S>();
        if next.is_empty() {
            // Nothing can move: every notify done, the mailbox idle.
            f.final_states += 1;
            if w.unannounced {
                f.lost += 1;
            }
        }
        stack.extend(next);
    }
    f
}

#[test]
fn gate_never_loses_a_ring_update() {
    for (notifiers, each) in [(1, 3), (2, 2), (3, 1), (3, 2)] {
        let f = explore::<Gate>(notifiers, each);
        assert!(f.final_states > 0, "{notifiers}x{each}: {f:?}");
        assert_eq!(f.lost, 0, "{notifiers}x{each}: {f:?}");
    }
}

#[test]
fn gate_never_queues_in_the_mailbox_core() {
    let f = explore::<Gate>(3, 2);
    assert_eq!(f.max_queued, 0, "{f:?}");
}

#[test]
fn every_final_state_is_idle() {
    // Terminal states are the only ones without successors; in all of them
    // the gate is back to idle (no doorbell owed forever).
    let mut seen = HashSet::new();
    let mut stack = vec![World::new(3, 2)];
    while let Some(w) = stack.pop() {
        if !seen.insert(w.clone()) {
            continue;
        }
        let next = w.successors::<Gate>();
        if next.is_empty() {
            assert_eq!(w.gate, doorbell_gate::IDLE, "{w:?}");
            assert!(!w.in_flight);
        }
        stack.extend(next);
    }
}

#[test]
fn the_search_finds_the_lost_doorbell_of_counting_outstanding() {
    // Two notifiers suffice: the second coalesces while the first's queued
    // doorbell was already submitted by tx_tick before tx_done ran.
    let f = explore::<CountOutstanding>(2, 2);
    assert!(f.lost > 0, "{f:?}");
}

#[test]
fn transitions() {
    use doorbell_gate::*;
    assert_eq!(notify(IDLE), (IN_FLIGHT, OnNotify::Send));
    assert_eq!(notify(IN_FLIGHT), (IN_FLIGHT_OWED, OnNotify::Coalesced));
    assert_eq!(
        notify(IN_FLIGHT_OWED),
        (IN_FLIGHT_OWED, OnNotify::Coalesced)
    );
    assert_eq!(notify(7), (IN_FLIGHT_OWED, OnNotify::Coalesced));
    assert_eq!(tx_done(IN_FLIGHT), (IDLE, OnTxDone::Idle));
    assert_eq!(tx_done(IN_FLIGHT_OWED), (IN_FLIGHT, OnTxDone::SendOwed));
    assert_eq!(tx_done(IDLE), (IDLE, OnTxDone::Idle));
    assert_eq!(send_failed(IN_FLIGHT), (IDLE, false));
    assert_eq!(send_failed(IN_FLIGHT_OWED), (IDLE, true));
    assert_eq!(
        [IDLE, IN_FLIGHT, IN_FLIGHT_OWED].map(outstanding),
        [0, 1, 2]
    );
}
