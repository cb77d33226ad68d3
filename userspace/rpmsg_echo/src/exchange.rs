//! Messages, their verification, and the send/echo loop (independent of the
//! device, so it is tested against an in-memory channel).

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::options::{Payload, MAX_PAYLOAD};

/// Receive buffer: a whole RPMsg buffer, so an over-long echo shows up as a length mismatch.
pub const RX_BUF: usize = 512;

/// The vendor example's text for message `n`.
pub fn hello_text(n: u32) -> String {
    format!("hello there {n}!")
}

/// An `size`-byte pattern that differs from message to message, so a lost,
/// repeated or reordered echo is caught.
pub fn pattern(n: u32, size: usize) -> Vec<u8> {
    let start = n.wrapping_mul(31) as usize;
    (0..size).map(|i| (start + i) as u8).collect()
}

/// The bytes sent as message `n`.
pub fn payload(kind: Payload, n: u32) -> Vec<u8> {
    match kind {
        Payload::Hello => hello_text(n).into_bytes(),
        Payload::Pattern(size) => pattern(n, size),
    }
}

/// Printable form of a payload for the per-message lines.
pub fn describe(kind: Payload, bytes: &[u8]) -> String {
    match kind {
        Payload::Hello => String::from_utf8_lossy(bytes).into_owned(),
        Payload::Pattern(_) => match bytes.first() {
            Some(b) => format!("<pattern from {b:#04x}>"),
            None => "<empty>".to_string(),
        },
    }
}

/// `Sending message #N: TEXT, len: L`
pub fn sending_line(n: u32, kind: Payload, bytes: &[u8]) -> String {
    format!(
        "Sending message #{n}: {}, len: {}",
        describe(kind, bytes),
        bytes.len()
    )
}

/// `Receiving message #N: TEXT, len: L`
pub fn receiving_line(n: u32, kind: Payload, bytes: &[u8]) -> String {
    format!(
        "Receiving message #{n}: {}, len: {}",
        describe(kind, bytes),
        bytes.len()
    )
}

/// The first place where an echo differs from what was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub offset: usize,
    /// `None`: the expected message ends here.
    pub expected: Option<u8>,
    /// `None`: the echo ends here.
    pub got: Option<u8>,
    pub expected_len: usize,
    pub got_len: usize,
}

fn byte(b: Option<u8>) -> String {
    match b {
        Some(b) if b.is_ascii_graphic() || b == b' ' => format!("{b:#04x} '{}'", b as char),
        Some(b) => format!("{b:#04x}"),
        None => "end of message".to_string(),
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "byte offset {}: expected {}, got {} (lengths: expected {}, got {})",
            self.offset,
            byte(self.expected),
            byte(self.got),
            self.expected_len,
            self.got_len
        )
    }
}

/// Compares an echo with the message sent; `None` when they are identical.
pub fn find_mismatch(expected: &[u8], got: &[u8]) -> Option<Mismatch> {
    let offset = match expected.iter().zip(got).position(|(e, g)| e != g) {
        Some(i) => i,
        None if expected.len() == got.len() => return None,
        None => expected.len().min(got.len()),
    };
    Some(Mismatch {
        offset,
        expected: expected.get(offset).copied(),
        got: got.get(offset).copied(),
        expected_len: expected.len(),
        got_len: got.len(),
    })
}

/// How a single send or receive can fail.
#[derive(Debug)]
pub enum ChanError {
    Timeout,
    Interrupted,
    TooLarge(usize),
    Io(String),
}

/// One message per call in each direction.
pub trait Channel {
    /// Sends one message, waiting at most `timeout` for a free buffer.
    fn send(&mut self, msg: &[u8], timeout: Duration) -> Result<(), ChanError>;
    /// Receives one message into `buf`, waiting at most `timeout`; returns its length.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, ChanError>;
}

pub struct Plan {
    pub count: u32,
    pub payload: Payload,
    pub window: usize,
    pub timeout_ms: u32,
}

pub enum Event<'a> {
    Sent { n: u32, payload: &'a [u8] },
    Received { n: u32, payload: &'a [u8] },
}

#[derive(Debug)]
pub struct Report {
    /// Round-trip time of every message, in order.
    pub rtts: Vec<Duration>,
    /// From the first send to the last echo.
    pub elapsed: Duration,
}

fn chan_error(e: ChanError, msg: u32, ms: u32, sending: bool) -> Error {
    match e {
        ChanError::Timeout => Error::Timeout { msg, ms, sending },
        ChanError::Interrupted => Error::Interrupted,
        ChanError::TooLarge(n) => Error::TooLarge(n as u64),
        ChanError::Io(s) => Error::Io(format!(
            "{} message #{msg} failed: {s}",
            if sending { "sending" } else { "receiving" }
        )),
    }
}

/// Sends `plan.count` messages, keeping up to `plan.window` in flight, and checks
/// that every echo comes back in order and byte for byte.
pub fn run<C: Channel>(
    ch: &mut C,
    plan: &Plan,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Report, Error> {
    let timeout = Duration::from_millis(plan.timeout_ms as u64);
    let window = plan.window.max(1);
    let mut inflight: VecDeque<(u32, Vec<u8>, Instant)> = VecDeque::with_capacity(window);
    let mut rtts = Vec::with_capacity(plan.count as usize);
    let mut buf = [0u8; RX_BUF];
    let mut next: u32 = 0;
    let mut done: u32 = 0;
    let start = Instant::now();

    while done < plan.count {
        while next < plan.count && inflight.len() < window {
            let msg = payload(plan.payload, next);
            if msg.len() > MAX_PAYLOAD {
                return Err(Error::TooLarge(msg.len() as u64));
            }
            on_event(Event::Sent {
                n: next,
                payload: &msg,
            });
            let t0 = Instant::now();
            ch.send(&msg, timeout)
                .map_err(|e| chan_error(e, next, plan.timeout_ms, true))?;
            inflight.push_back((next, msg, t0));
            next += 1;
        }
        let (n, sent, t0) = inflight.pop_front().expect("a message is in flight");
        let len = ch
            .recv(&mut buf, timeout)
            .map_err(|e| chan_error(e, n, plan.timeout_ms, false))?;
        let rtt = t0.elapsed();
        let got = &buf[..len];
        if let Some(m) = find_mismatch(&sent, got) {
            return Err(Error::Mismatch { msg: n, m });
        }
        rtts.push(rtt);
        on_event(Event::Received { n, payload: got });
        done += 1;
    }
    Ok(Report {
        rtts,
        elapsed: start.elapsed(),
    })
}

/// Sends `plan.count` messages of `plan.payload` and reads nothing (`--oneway`);
/// each send may wait up to `plan.timeout_ms` for a free transmit buffer.
/// Returns the time from just before the first send to just after the last.
pub fn send_only<C: Channel>(ch: &mut C, plan: &Plan) -> Result<Duration, Error> {
    let timeout = Duration::from_millis(plan.timeout_ms as u64);
    let start = Instant::now();
    for n in 0..plan.count {
        let msg = payload(plan.payload, n);
        if msg.len() > MAX_PAYLOAD {
            return Err(Error::TooLarge(msg.len() as u64));
        }
        ch.send(&msg, timeout)
            .map_err(|e| chan_error(e, n, plan.timeout_ms, true))?;
    }
    Ok(start.elapsed())
}

/// What `--sink` measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkReport {
    pub messages: u32,
    /// Length of the first message.
    pub first_len: usize,
    /// Payload bytes of all messages, the first included.
    pub total_bytes: u64,
    /// From the arrival of the first message to that of the last.
    pub elapsed: Duration,
}

/// Reads `count` messages of any content and writes nothing (`--sink`); every
/// read, the first included, may wait up to `timeout_ms`.
pub fn receive_only<C: Channel>(
    ch: &mut C,
    count: u32,
    timeout_ms: u32,
) -> Result<SinkReport, Error> {
    let timeout = Duration::from_millis(timeout_ms as u64);
    let mut buf = [0u8; RX_BUF];
    let mut first: Option<(Instant, usize)> = None;
    let mut total_bytes: u64 = 0;
    let mut last = Instant::now();
    for n in 0..count {
        let len = ch.recv(&mut buf, timeout).map_err(|e| match e {
            ChanError::Timeout => Error::NoMessage {
                msg: n,
                ms: timeout_ms,
            },
            e => chan_error(e, n, timeout_ms, false),
        })?;
        last = Instant::now();
        if first.is_none() {
            first = Some((last, len));
        }
        total_bytes += len as u64;
    }
    let (t0, first_len) = first.unwrap_or((last, 0));
    Ok(SinkReport {
        messages: count,
        first_len,
        total_bytes,
        elapsed: last - t0,
    })
}

/// Turns an errno from the endpoint into the matching [`ChanError`].
pub fn from_io(e: io::Error, len: usize) -> ChanError {
    match e.raw_os_error() {
        Some(libc::EMSGSIZE) => ChanError::TooLarge(len),
        Some(libc::EPIPE) => ChanError::Io(format!("{e} (endpoint destroyed or remote gone)")),
        _ => ChanError::Io(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_texts() {
        for n in 0..10 {
            let t = hello_text(n);
            assert_eq!(t, format!("hello there {n}!"));
            assert_eq!(t.len(), 14);
            let p = payload(Payload::Hello, n);
            assert_eq!(
                sending_line(n, Payload::Hello, &p),
                format!("Sending message #{n}: hello there {n}!, len: 14")
            );
            assert_eq!(
                receiving_line(n, Payload::Hello, &p),
                format!("Receiving message #{n}: hello there {n}!, len: 14")
            );
        }
        assert_eq!(hello_text(0), "hello there 0!");
        assert_eq!(hello_text(9), "hello there 9!");
        assert_eq!(hello_text(10).len(), 15);
    }

    #[test]
    fn patterns() {
        assert_eq!(pattern(0, 4), vec![0, 1, 2, 3]);
        assert_eq!(pattern(1, 3), vec![31, 32, 33]);
        let p = pattern(0, 496);
        assert_eq!(p.len(), 496);
        assert_eq!(p[255], 255);
        assert_eq!(p[256], 0);
        assert_eq!(p[495], (495 % 256) as u8);
        assert_ne!(pattern(0, 16), pattern(1, 16));
        assert_eq!(pattern(5, 1).len(), 1);
        assert_eq!(payload(Payload::Pattern(7), 2), pattern(2, 7));
        assert_eq!(pattern(9, 100), pattern(9, 100));
        assert_eq!(
            describe(Payload::Pattern(4), &pattern(1, 4)),
            "<pattern from 0x1f>"
        );
        assert_eq!(
            sending_line(1, Payload::Pattern(4), &pattern(1, 4)),
            "Sending message #1: <pattern from 0x1f>, len: 4"
        );
    }

    #[test]
    fn mismatches() {
        assert_eq!(find_mismatch(b"hello", b"hello"), None);
        assert_eq!(find_mismatch(b"", b""), None);
        let m = find_mismatch(b"hello there 3!", b"hello thxre 3!").unwrap();
        assert_eq!((m.offset, m.expected, m.got), (8, Some(b'e'), Some(b'x')));
        let m = find_mismatch(b"hello", b"jello").unwrap();
        assert_eq!(m.offset, 0);
        let m = find_mismatch(b"hello", b"hell").unwrap();
        assert_eq!(
            (m.offset, m.expected, m.got, m.expected_len, m.got_len),
            (4, Some(b'o'), None, 5, 4)
        );
        let m = find_mismatch(b"hell", b"hello").unwrap();
        assert_eq!((m.offset, m.expected, m.got), (4, None, Some(b'o')));
        let m = find_mismatch(b"abc", b"").unwrap();
        assert_eq!(m.offset, 0);
        let s = find_mismatch(b"ab", b"aX").unwrap().to_string();
        assert_eq!(
            s,
            "byte offset 1: expected 0x62 'b', got 0x58 'X' (lengths: expected 2, got 2)"
        );
        let s = find_mismatch(&[0, 1], &[0]).unwrap().to_string();
        assert!(s.contains("expected 0x01, got end of message"), "{s}");
    }

    /// Echoes with an optional fault.
    struct Mock {
        queue: VecDeque<Vec<u8>>,
        sent: usize,
        max_queue: usize,
        corrupt: Option<(usize, usize)>,
        drop_at: Option<usize>,
    }

    impl Mock {
        fn new() -> Self {
            Mock {
                queue: VecDeque::new(),
                sent: 0,
                max_queue: 0,
                corrupt: None,
                drop_at: None,
            }
        }
    }

    impl Channel for Mock {
        fn send(&mut self, msg: &[u8], _t: Duration) -> Result<(), ChanError> {
            if msg.len() > MAX_PAYLOAD {
                return Err(ChanError::TooLarge(msg.len()));
            }
            let mut m = msg.to_vec();
            if let Some((idx, off)) = self.corrupt {
                if idx == self.sent {
                    m[off] ^= 0xff;
                }
            }
            if self.drop_at != Some(self.sent) {
                self.queue.push_back(m);
            }
            self.sent += 1;
            self.max_queue = self.max_queue.max(self.queue.len());
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8], _t: Duration) -> Result<usize, ChanError> {
            let m = self.queue.pop_front().ok_or(ChanError::Timeout)?;
            buf[..m.len()].copy_from_slice(&m);
            Ok(m.len())
        }
    }

    fn plan(count: u32, payload: Payload, window: usize) -> Plan {
        Plan {
            count,
            payload,
            window,
            timeout_ms: 2000,
        }
    }

    #[test]
    fn echo_in_order() {
        let mut ch = Mock::new();
        let mut lines = Vec::new();
        let r = run(&mut ch, &plan(10, Payload::Hello, 1), |e| match e {
            Event::Sent { n, payload } => lines.push(sending_line(n, Payload::Hello, payload)),
            Event::Received { n, payload } => {
                lines.push(receiving_line(n, Payload::Hello, payload))
            }
        })
        .unwrap();
        assert_eq!(r.rtts.len(), 10);
        assert_eq!(lines.len(), 20);
        assert_eq!(lines[0], "Sending message #0: hello there 0!, len: 14");
        assert_eq!(lines[1], "Receiving message #0: hello there 0!, len: 14");
        assert_eq!(lines[19], "Receiving message #9: hello there 9!, len: 14");
        assert_eq!(ch.max_queue, 1);
    }

    #[test]
    fn window_keeps_k_in_flight() {
        let mut ch = Mock::new();
        let r = run(&mut ch, &plan(100, Payload::Pattern(496), 8), |_| {}).unwrap();
        assert_eq!(r.rtts.len(), 100);
        assert_eq!(ch.max_queue, 8);
        assert_eq!(ch.sent, 100);
    }

    #[test]
    fn corruption_is_reported_with_offset() {
        let mut ch = Mock::new();
        ch.corrupt = Some((3, 5));
        match run(&mut ch, &plan(10, Payload::Hello, 1), |_| {}) {
            Err(Error::Mismatch { msg: 3, m }) => {
                assert_eq!(m.offset, 5);
                assert_eq!(m.expected, Some(b' '));
                assert_eq!(m.got, Some(b' ' ^ 0xff));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn lost_echo_is_a_timeout_or_mismatch() {
        let mut ch = Mock::new();
        ch.drop_at = Some(9);
        match run(&mut ch, &plan(10, Payload::Hello, 1), |_| {}) {
            Err(Error::Timeout {
                msg: 9,
                ms: 2000,
                sending: false,
            }) => {}
            other => panic!("unexpected {other:?}"),
        }
        // With a window, a lost echo shifts the next one into its place.
        let mut ch = Mock::new();
        ch.drop_at = Some(2);
        match run(&mut ch, &plan(10, Payload::Pattern(8), 4), |_| {}) {
            Err(Error::Mismatch { msg: 2, m }) => assert_eq!(m.offset, 0),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn send_only_sends_patterns_and_never_reads() {
        struct Sink {
            got: Vec<Vec<u8>>,
        }
        impl Channel for Sink {
            fn send(&mut self, msg: &[u8], _t: Duration) -> Result<(), ChanError> {
                self.got.push(msg.to_vec());
                Ok(())
            }
            fn recv(&mut self, _b: &mut [u8], _t: Duration) -> Result<usize, ChanError> {
                panic!("--oneway must not read");
            }
        }
        let mut ch = Sink { got: Vec::new() };
        send_only(&mut ch, &plan(300, Payload::Pattern(496), 1)).unwrap();
        assert_eq!(ch.got.len(), 300);
        for (n, m) in ch.got.iter().enumerate() {
            assert_eq!(*m, pattern(n as u32, 496));
        }
    }

    #[test]
    fn send_only_reports_a_full_ring_as_a_send_timeout() {
        /// Accepts `room` messages, then has no free transmit buffer.
        struct Full {
            room: usize,
        }
        impl Channel for Full {
            fn send(&mut self, _m: &[u8], _t: Duration) -> Result<(), ChanError> {
                if self.room == 0 {
                    return Err(ChanError::Timeout);
                }
                self.room -= 1;
                Ok(())
            }
            fn recv(&mut self, _b: &mut [u8], _t: Duration) -> Result<usize, ChanError> {
                unreachable!()
            }
        }
        match send_only(&mut Full { room: 64 }, &plan(100, Payload::Pattern(8), 1)) {
            Err(Error::Timeout {
                msg: 64,
                ms: 2000,
                sending: true,
            }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Delivers the queued messages, then times out.
    struct Source(VecDeque<Vec<u8>>);
    impl Channel for Source {
        fn send(&mut self, _m: &[u8], _t: Duration) -> Result<(), ChanError> {
            panic!("--sink must not write");
        }
        fn recv(&mut self, buf: &mut [u8], _t: Duration) -> Result<usize, ChanError> {
            let m = self.0.pop_front().ok_or(ChanError::Timeout)?;
            buf[..m.len()].copy_from_slice(&m);
            Ok(m.len())
        }
    }

    #[test]
    fn receive_only_counts_any_payload() {
        let msgs = vec![vec![7u8; 100], vec![0u8; 496], b"x".to_vec(), vec![1u8; 3]];
        let mut ch = Source(msgs.into());
        let r = receive_only(&mut ch, 3, 500).unwrap();
        assert_eq!((r.messages, r.first_len, r.total_bytes), (3, 100, 597));
        // The fourth message is left unread.
        assert_eq!(ch.0.len(), 1);
    }

    #[test]
    fn receive_only_times_out_with_the_message_number() {
        match receive_only(&mut Source(VecDeque::new()), 10, 300) {
            Err(e @ Error::NoMessage { msg: 0, ms: 300 }) => {
                assert_eq!(e.exit_code(), crate::error::EXIT_TIMEOUT)
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut ch = Source(vec![vec![1u8; 4]; 5].into());
        match receive_only(&mut ch, 6, 300) {
            Err(Error::NoMessage { msg: 5, ms: 300 }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errno_mapping() {
        assert!(matches!(
            from_io(io::Error::from_raw_os_error(libc::EMSGSIZE), 600),
            ChanError::TooLarge(600)
        ));
        match from_io(io::Error::from_raw_os_error(libc::EPIPE), 1) {
            ChanError::Io(s) => assert!(s.contains("Broken pipe")),
            other => panic!("unexpected {other:?}"),
        }
        match chan_error(ChanError::TooLarge(600), 1, 10, true) {
            Error::TooLarge(600) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}
