// SPDX-License-Identifier: GPL-2.0

//! The QEMU board's remote core: RT-Thread's side of rpmsg as firmware on
//! the board's second CPU, started through PSCI CPU_ON.
//!
//! It behaves as Rockchip's RT-Thread port does, not as a helpful
//! simulator: Linux's first doorbell brings the link up; it never resets
//! when Linux's side goes and comes back; it sleeps in WFI and wakes only
//! for its interrupts (Linux's doorbell, and its timer while replies wait
//! for receive buffers); it keeps A2B_STATUS set while it handles a
//! doorbell. The board description, its counters, its console log and the
//! rig's knobs live in the control page (`rpmsg_proto::firmware_control`).

#![no_std]
#![no_main]
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

// The bare-metal abstractions: the only `unsafe` in this firmware.
#[allow(unsafe_code, dead_code)]
#[path = "../../kabi/bare/mod.rs"]
mod bare;
// The mailbox register layouts, shared with the driver of Linux's side.
#[allow(dead_code, unreachable_pub)]
#[path = "../../rockchip_amp_mbox/regs.rs"]
mod mbox_regs;

mod console;
mod control;
mod link;
mod shell;
mod wire;

use bare::{cpu, phys::PhysWindow};
use console::Console;
use control::Control;
use rpmsg_proto::firmware_control::{BoardDescription, ConfigError, STATE_CRASHED};

/// Called by the entry code on the remote CPU.
fn main() -> ! {
    let Ok(area) = PhysWindow::control_area() else {
        cpu::power_off()
    };
    let log_ring_at = area.base();
    let control = Control::new(area);
    let mut console = Console::new(control.log_ring(), control.page());
    if log_ring_at != bare::resource_table::LOG_RING_ADDRESS as usize {
        // Linux would show the wrong memory as this core's trace.
        console.line(format_args!(
            "cannot start: the resource table's trace buffer is not the log ring at {:#x}",
            log_ring_at
        ));
        control.set_state(STATE_CRASHED);
        cpu::power_off()
    }
    control.publish_resource_table(
        core::ptr::addr_of!(bare::resource_table::RESOURCE_TABLE)
            as rpmsg_proto::shared_mem::WireAddr,
        core::mem::size_of::<bare::resource_table::ResourceTable>() as u32,
    );
    let board = match BoardDescription::read(&control.page()) {
        Ok(board) => board,
        Err(err) => {
            // Nobody may be listening on semihosting: the log ring says it.
            console.line(format_args!(
                "refusing to start: {}",
                ConfigError::describe(err.code())
            ));
            control.refuse(err);
            cpu::power_off()
        }
    };
    console.set_semihosting(board.has(rpmsg_proto::firmware_control::FLAG_SEMIHOSTING));
    link::run(&board, &control, &mut console)
}

/// Called by every exception vector: reports and turns the CPU off.
fn on_exception(vector: u64, state: cpu::ExceptionState) -> ! {
    if let Ok(area) = PhysWindow::control_area() {
        let control = Control::new(area);
        let mut console = Console::new(control.log_ring(), control.page());
        console.set_semihosting(control.semihosting());
        console.line(format_args!(
            "exception: vector {} esr {:#x} elr {:#x} far {:#x}; stopping",
            vector, state.esr, state.elr, state.far
        ));
        control.set_state(STATE_CRASHED);
    }
    cpu::power_off()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if let Ok(area) = PhysWindow::control_area() {
        let control = Control::new(area);
        let mut console = Console::new(control.log_ring(), control.page());
        console.set_semihosting(control.semihosting());
        console.line(format_args!("panic: {}; stopping", info.message()));
        control.set_state(STATE_CRASHED);
    }
    cpu::power_off()
}
