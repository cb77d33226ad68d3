/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rockchip AMP mailbox: the doorbell block between the application cores
 * ("A", Linux) and the remote core ("B", RT-Thread) of Rockchip SoCs.
 * Written for the rockchip-rpmsg project's QEMU board.
 */
#ifndef HW_MISC_ROCKCHIP_AMP_MAILBOX_H
#define HW_MISC_ROCKCHIP_AMP_MAILBOX_H

#include "hw/sysbus.h"
#include "qom/object.h"

#define TYPE_ROCKCHIP_AMP_MAILBOX "rockchip-amp-mailbox"
OBJECT_DECLARE_SIMPLE_TYPE(RockchipAmpMailboxState, ROCKCHIP_AMP_MAILBOX)

/* The four-channel block (RK3368, RK3562, RK3568, RK3588). */
#define RK_AMP_MBOX_MAX_CHANNELS 4

struct RockchipAmpMailboxState {
    SysBusDevice parent_obj;

    MemoryRegion iomem;
    /* 4: the four-channel block; 1: the RK3576/RK3506 block. */
    uint32_t channels;

    /* One direction of the block: A2B (to the remote) or B2A (to Linux). */
    struct RockchipAmpMailboxDirection {
        uint32_t inten;
        uint32_t status;
        uint32_t cmd[RK_AMP_MBOX_MAX_CHANNELS];
        uint32_t dat[RK_AMP_MBOX_MAX_CHANNELS];
        /* Interrupt lines: the remote's (A2B) or Linux's (B2A), per channel. */
        qemu_irq irq[RK_AMP_MBOX_MAX_CHANNELS];
    } a2b, b2a;
};

#endif
