/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rockchip-rpmsg board's reset register for its remote core (the part
 * of a Rockchip SoC's CRU that holds a core in soft reset). Written for the
 * rockchip-rpmsg project's QEMU board.
 */
#ifndef HW_ARM_ROCKCHIP_RIG_CRU_H
#define HW_ARM_ROCKCHIP_RIG_CRU_H

#include "hw/sysbus.h"
#include "qom/object.h"
#include "qemu/notify.h"

#define TYPE_ROCKCHIP_RIG_CRU "rockchip-rig-cru"
OBJECT_DECLARE_SIMPLE_TYPE(RockchipRigCruState, ROCKCHIP_RIG_CRU)

struct RockchipRigCruState {
    SysBusDevice parent_obj;

    MemoryRegion iomem;
    /* MPIDR affinity of the remote core. */
    uint64_t remote_mpidr;
    /* Non-zero: the remote core runs from here at every machine reset. */
    uint64_t boot_remote_at;
    /* Bit 0: the remote core is held in reset. */
    uint32_t asserted;
    Notifier machine_done;
};

#endif
