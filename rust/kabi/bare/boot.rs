// SPDX-License-Identifier: GPL-2.0

//! Entry from PSCI CPU_ON and the exception vectors.
//!
//! CPU_ON starts the core at the image's first instruction, EL1, MMU and
//! caches off, every exception masked. The entry turns FP/SIMD on (compiled
//! Rust may use its registers), sets the stack, zeroes `.bss`, installs the
//! vectors and calls `crate::main`. The image has no `.data`, so a restart
//! (CPU_OFF, then CPU_ON at the same entry) starts from a clean state.
//!
//! IRQs stay masked for good: the firmware sleeps in WFI and acknowledges
//! at the GIC. Every vector therefore reports a fault (a synchronous
//! exception, or an SError) to `crate::on_exception`.

use super::cpu::{exception_state, ExceptionState};

core::arch::global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
_start:
    mov     x0, #(3 << 20)
    msr     cpacr_el1, x0
    msr     daifset, #0xf
    isb
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
    mov     sp, x0
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:  adrp    x0, bare_vectors
    add     x0, x0, :lo12:bare_vectors
    msr     vbar_el1, x0
    isb
    bl      bare_entry
3:  wfi
    b       3b

    .section .text.vectors, "ax"
    .balign 2048
bare_vectors:
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    .balign 128
    mov     x0, #\n
    b       bare_vector_common
    .endr
bare_vector_common:
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    bl      bare_exception
4:  wfi
    b       4b
"#
);

/// Called by `_start` once the stack and `.bss` are ready.
#[no_mangle]
extern "C" fn bare_entry() -> ! {
    crate::main()
}

/// Called by every vector with its index (0..15: current EL with SP0,
/// current EL with SPx, lower EL AArch64, lower EL AArch32; each sync, IRQ,
/// FIQ, SError).
#[no_mangle]
extern "C" fn bare_exception(vector: u64) -> ! {
    let state: ExceptionState = exception_state();
    crate::on_exception(vector, state)
}
