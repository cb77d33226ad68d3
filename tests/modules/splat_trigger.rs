// SPDX-License-Identifier: GPL-2.0

//! Deliberately raises a kernel WARNING when loaded.
//!
//! Kept only to prove that the QEMU runner notices splats and fails the run
//! (scenario `runner-detects-warning`). Never loaded on a board.

use kernel::prelude::*;

module! {
    type: SplatTrigger,
    name: "splat_trigger",
    authors: ["rockchip-rpmsg developers"],
    description: "Raises one WARNING so the test runner can prove it detects splats",
    license: "GPL",
}

struct SplatTrigger;

impl kernel::Module for SplatTrigger {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("raising a deliberate WARNING for the runner self-test\n");
        kernel::warn_on!(true);
        Ok(SplatTrigger)
    }
}
