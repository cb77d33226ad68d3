// SPDX-License-Identifier: GPL-2.0

//! Deliberately raises one kernel splat when loaded.
//!
//! Kept only to prove that the QEMU runner notices splats and fails the run
//! (scenarios `runner-detects-*`). Never loaded on a board. The `kind`
//! parameter picks the splat (module parameters are integers only):
//!
//! - 0: a WARNING (the default);
//! - 1: a KASAN report, reading one byte past a heap allocation;
//! - 2: a lockdep report, taking two mutexes in both orders;
//! - 3: a kmemleak report, dropping the only pointers to allocations;
//! - 4: a hung task, sleeping uninterruptibly in the insmod task longer
//!   than the hung-task timeout the self-test sets (5 s).

use kernel::{
    prelude::*,
    sync::{
        new_mutex,
        Mutex, //
    },
    time::{
        delay::fsleep,
        Delta, //
    },
};

// Only its module-parameter helper is used here.
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../../rust/kabi/compat.rs"]
mod compat;

module! {
    type: SplatTrigger,
    name: "splat_trigger",
    authors: ["rockchip-rpmsg developers"],
    description: "Raises one splat so the test runner can prove it detects splats",
    license: "GPL",
    params: {
        kind: u32 {
            default: 0,
            description: "Splat to raise: 0 WARNING, 1 KASAN, 2 lockdep, 3 kmemleak, 4 hung task",
        },
    },
}

const WARNING: u32 = 0;
const KASAN: u32 = 1;
const LOCKDEP: u32 = 2;
const LEAK: u32 = 3;
const HANG: u32 = 4;

/// Longer than the hung-task timeout the self-test sets (5 s) plus one
/// check interval of the detector (1 s), with margin.
const HANG_SECS: i64 = 12;

/// Allocations `leak` loses: several, so that a stale copy of one pointer
/// left in a register or on a stack cannot hide them all from kmemleak.
const LEAKED: usize = 4;

struct SplatTrigger;

impl kernel::Module for SplatTrigger {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        match compat::param(&module_parameters::kind) {
            WARNING => warning(),
            KASAN => kasan()?,
            LOCKDEP => lockdep()?,
            LEAK => leak()?,
            HANG => hang(),
            other => {
                pr_err!("unknown kind {other} (0..=4)\n");
                return Err(EINVAL);
            }
        }
        Ok(SplatTrigger)
    }
}

fn warning() {
    pr_info!("raising a deliberate WARNING for the runner self-test\n");
    kernel::warn_on!(true);
}

fn kasan() -> Result {
    pr_info!("reading past a heap allocation for the runner self-test\n");
    let buf = KBox::new([0u8; 16], GFP_KERNEL)?;
    let past_end = buf.as_ptr().wrapping_add(buf.len());
    // SAFETY: Not safe, on purpose: `past_end` is one byte past the 16-byte
    // allocation, so this read is out of bounds and KASAN must report it.
    // The byte read is only printed; nothing depends on it.
    let byte = unsafe { past_end.read_volatile() };
    pr_info!("read {byte:#x} past the end\n");
    Ok(())
}

fn lockdep() -> Result {
    pr_info!("taking two mutexes in both orders for the runner self-test\n");
    // Two `new_mutex!` sites: two lock classes, A and B.
    let a = KBox::pin_init(new_mutex!((), "splat_trigger_a"), GFP_KERNEL)?;
    let b = KBox::pin_init(new_mutex!((), "splat_trigger_b"), GFP_KERNEL)?;
    lock_in_order(&a, &b);
    // B -> A after A -> B: lockdep reports a possible circular dependency
    // (no real deadlock: one task takes both).
    lock_in_order(&b, &a);
    Ok(())
}

fn lock_in_order(first: &Mutex<()>, second: &Mutex<()>) {
    let _first = first.lock();
    let _second = second.lock();
}

fn leak() -> Result {
    pr_info!("leaking {LEAKED} allocations for the runner self-test\n");
    for _ in 0..LEAKED {
        // Forgets the only pointer: kmemleak's scan finds no reference.
        let _ = KBox::leak(KBox::new([0x5au8; 64], GFP_KERNEL)?);
    }
    Ok(())
}

fn hang() {
    pr_info!("sleeping uninterruptibly for {HANG_SECS} s for the runner self-test\n");
    // `fsleep` of more than 20 ms is msleep(): TASK_UNINTERRUPTIBLE (D state).
    fsleep(Delta::from_secs(HANG_SECS));
    pr_info!("woke up after {HANG_SECS} s\n");
}
