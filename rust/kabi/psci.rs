// SPDX-License-Identifier: GPL-2.0

//! PSCI calls on another core, through the conduit the board's `/psci`
//! node names (HVC on QEMU's virt, SMC to TF-A on a Rockchip SoC). The
//! SMCCC core's own conduit is not used: it reports none for firmware that
//! implements SMCCC 1.0 only, as QEMU's PSCI does.

use crate::shared_mem::wire_addr;
use crate::sys;
use kernel::{io::PhysAddr, prelude::*};

// The calling convention of Linux's own width: SMC64 ids on arm64, SMC32
// ids on 32-bit ARM (whose MPIDRs and entry points fit in 32 bits).
#[cfg(target_pointer_width = "64")]
const PSCI_0_2_FN_CPU_ON: usize = 0xc400_0003;
#[cfg(target_pointer_width = "64")]
const PSCI_0_2_FN_AFFINITY_INFO: usize = 0xc400_0004;
#[cfg(target_pointer_width = "32")]
const PSCI_0_2_FN_CPU_ON: usize = 0x8400_0003;
#[cfg(target_pointer_width = "32")]
const PSCI_0_2_FN_AFFINITY_INFO: usize = 0x8400_0004;

/// What PSCI answered, when it was not success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PsciError {
    /// No SMCCC conduit (no `psci` node, or PSCI before 1.0).
    NoConduit,
    NotSupported,
    InvalidParameters,
    Denied,
    AlreadyOn,
    OnPending,
    InternalFailure,
    NotPresent,
    Disabled,
    InvalidAddress,
    Other(i32),
}

impl PsciError {
    fn from_code(code: i64) -> Self {
        match code {
            -1 => Self::NotSupported,
            -2 => Self::InvalidParameters,
            -3 => Self::Denied,
            -4 => Self::AlreadyOn,
            -5 => Self::OnPending,
            -6 => Self::InternalFailure,
            -7 => Self::NotPresent,
            -8 => Self::Disabled,
            -9 => Self::InvalidAddress,
            // PSCI return values are 32-bit; a wider one is reported as is.
            other => Self::Other(i32::try_from(other).unwrap_or(i32::MIN)),
        }
    }
}

/// The power state PSCI reports for a core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AffinityState {
    On,
    Off,
    OnPending,
}

/// How PSCI is reached, as the board's `/psci` node says (`method`).
#[derive(Clone, Copy)]
enum Conduit {
    Hvc,
    Smc,
}

fn conduit() -> Result<Conduit, PsciError> {
    // SAFETY: the path is NUL-terminated; the lookup takes a reference on
    // the node it returns, dropped below.
    let np =
        unsafe { sys::of_find_node_opts_by_path(c"/psci".as_char_ptr(), core::ptr::null_mut()) };
    if np.is_null() {
        return Err(PsciError::NoConduit);
    }
    let mut method: *const kernel::ffi::c_char = core::ptr::null();
    // SAFETY: `np` is a live node (referenced above); `method` is writable.
    let ret = unsafe { sys::of_property_read_string(np, c"method".as_char_ptr(), &mut method) };
    let conduit = if ret == 0 && !method.is_null() {
        // SAFETY: on success `method` points at the property's
        // NUL-terminated value, which lives as long as the node, still
        // referenced here.
        match unsafe { CStr::from_char_ptr(method) }.to_bytes() {
            b"hvc" => Ok(Conduit::Hvc),
            b"smc" => Ok(Conduit::Smc),
            _ => Err(PsciError::NoConduit),
        }
    } else {
        Err(PsciError::NoConduit)
    };
    // Nodes are reference-counted only with CONFIG_OF_DYNAMIC; without it
    // `of_node_put` is an empty inline that has no symbol.
    #[cfg(CONFIG_OF_DYNAMIC)]
    // SAFETY: drops the reference the lookup took; `method` is not used
    // after this.
    unsafe {
        sys::of_node_put(np)
    };
    conduit
}

fn call(function: usize, a1: u64, a2: u64, a3: u64) -> Result<i64, PsciError> {
    let conduit = conduit()?;
    // SAFETY: all-zero is a valid `arm_smccc_res` (four integers).
    let mut res: sys::arm_smccc_res = unsafe { core::mem::zeroed() };
    // A value wider than a register is not one PSCI could be given.
    let arg = |v: u64| usize::try_from(v).map_err(|_| PsciError::InvalidParameters);
    let args = (function, arg(a1)?, arg(a2)?, arg(a3)?);
    let smccc = match conduit {
        Conduit::Hvc => sys::__arm_smccc_hvc,
        Conduit::Smc => sys::__arm_smccc_smc,
    };
    // SAFETY: both conduit functions take eight register values and a
    // writable result; the PSCI functions used here take only integers (a
    // core's MPIDR, a physical entry point, a context id) and touch no
    // memory of Linux's.
    unsafe {
        smccc(
            args.0,
            args.1,
            args.2,
            args.3,
            0,
            0,
            0,
            0,
            &mut res,
            core::ptr::null_mut(),
        )
    };
    // PSCI's return value is signed at the register's width.
    Ok(res.a0 as isize as i64)
}

/// Starts the core with affinity `mpidr` at physical address `entry`
/// (EL1, MMU off), with `context` in its x0.
pub(crate) fn cpu_on(mpidr: u64, entry: PhysAddr, context: u64) -> Result<(), PsciError> {
    match call(PSCI_0_2_FN_CPU_ON, mpidr, wire_addr(entry), context)? {
        0 => Ok(()),
        code => Err(PsciError::from_code(code)),
    }
}

/// The power state of the core with affinity `mpidr`.
pub(crate) fn affinity_info(mpidr: u64) -> Result<AffinityState, PsciError> {
    match call(PSCI_0_2_FN_AFFINITY_INFO, mpidr, 0, 0)? {
        0 => Ok(AffinityState::On),
        1 => Ok(AffinityState::Off),
        2 => Ok(AffinityState::OnPending),
        code => Err(PsciError::from_code(code)),
    }
}
