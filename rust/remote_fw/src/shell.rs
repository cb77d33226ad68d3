// SPDX-License-Identifier: GPL-2.0

//! The firmware's console on the `rpmsg-tty` channel (Linux's
//! `/dev/ttyRPMSGn`): a few commands in the manner of RT-Thread's msh.
//! Input arrives in whatever pieces the tty sends; a line runs when its
//! newline (or carriage return) comes. Linux's tty echoes what is typed, so
//! the shell does not.

use crate::control::{slot, FwCounters};
use core::fmt::{self, Write};

/// Longest command line kept; the rest of a longer line is dropped.
const LINE_MAX: usize = 80;
const PROMPT: &str = "msh />";

/// Writes into a reply buffer, cutting what does not fit.
struct Reply<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for Reply<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
        Ok(())
    }
}

/// The console's state between messages: the line being typed.
pub(crate) struct Shell {
    line: [u8; LINE_MAX],
    len: usize,
}

impl Shell {
    pub(crate) fn new() -> Self {
        Self {
            line: [0; LINE_MAX],
            len: 0,
        }
    }

    /// Takes `input`; writes the output of every line it completes into
    /// `reply` and returns its length.
    pub(crate) fn input(&mut self, input: &[u8], reply: &mut [u8], counters: &FwCounters) -> usize {
        let mut out = Reply { buf: reply, len: 0 };
        for &b in input {
            match b {
                b'\n' | b'\r' => {
                    let len = core::mem::take(&mut self.len);
                    let line = core::str::from_utf8(&self.line[..len]).unwrap_or("");
                    let line = line.trim();
                    if !line.is_empty() {
                        let _ = run(line, &mut out, counters);
                        let _ = out.write_str(PROMPT);
                    }
                }
                _ => {
                    if let Some(slot) = self.line.get_mut(self.len) {
                        *slot = b;
                        self.len += 1;
                    }
                }
            }
        }
        out.len
    }
}

fn run(line: &str, out: &mut Reply<'_>, counters: &FwCounters) -> fmt::Result {
    let c = &counters.values;
    match line {
        "help" => writeln!(out, "commands: help version counters"),
        "version" => writeln!(
            out,
            "remote_fw {}: rpmsg remote firmware (RT-Thread's rpmsg side) on CPU {:#x}",
            env!("CARGO_PKG_VERSION"),
            crate::bare::cpu::affinity()
        ),
        "counters" => writeln!(
            out,
            "wakeups {} interrupts {} doorbells_in {} doorbells_out {}",
            c[slot::WAKEUPS],
            c[slot::INTERRUPTS],
            c[slot::DOORBELLS_IN],
            c[slot::DOORBELLS_OUT]
        ),
        other => writeln!(out, "{}: command not found.", other),
    }
}
