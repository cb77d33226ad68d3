/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reset register for the remote core of the rockchip-rpmsg board.
 *
 * A Rockchip SoC's CRU can hold a core in soft reset: the MCU of
 * RK3506/RK3562/RK3576, or a Cortex-A core split off for AMP. Here one
 * 32-bit register at offset 0 does that for the board's remote core: bit 0
 * set holds it in reset, which stops it at once whatever it runs (a hung
 * firmware included); clearing it releases the reset, and the core stays
 * off until PSCI CPU_ON starts it. One bit per reset line, 1 = asserted:
 * the layout Linux's reset-simple driver handles ("snps,dw-high-reset").
 *
 * With "boot-remote-at" set, the remote core also starts at that address at
 * every machine reset, in AArch64 EL1, before Linux: as a boot loader that
 * starts the remote ahead of the kernel (the remoteproc attach case).
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/reset.h"
#include "sysemu/sysemu.h"
#include "target/arm/arm-powerctl.h"
#include "hw/arm/rockchip_rig_cru.h"

#define REG_SOFTRST 0x00
#define REMOTE_CORE_RESET (1u << 0)

static uint64_t rig_cru_read(void *opaque, hwaddr addr, unsigned size)
{
    RockchipRigCruState *s = opaque;

    if (addr == REG_SOFTRST) {
        return s->asserted;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: read of unknown offset 0x%" HWADDR_PRIx "\n",
                  TYPE_ROCKCHIP_RIG_CRU, addr);
    return 0;
}

static void rig_cru_write(void *opaque, hwaddr addr, uint64_t value,
                          unsigned size)
{
    RockchipRigCruState *s = opaque;
    uint32_t newly_asserted;
    int ret;

    if (addr != REG_SOFTRST) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write to unknown offset 0x%" HWADDR_PRIx "\n",
                      TYPE_ROCKCHIP_RIG_CRU, addr);
        return;
    }
    newly_asserted = value & REMOTE_CORE_RESET & ~s->asserted;
    s->asserted = value & REMOTE_CORE_RESET;
    if (!newly_asserted) {
        return;
    }
    /* Held in reset: the core stops now (an off core stays off). */
    ret = arm_set_cpu_off(s->remote_mpidr);
    if (ret != QEMU_ARM_POWERCTL_RET_SUCCESS && ret != QEMU_ARM_POWERCTL_IS_OFF) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: cannot stop core 0x%" PRIx64 ": %d\n",
                      TYPE_ROCKCHIP_RIG_CRU, s->remote_mpidr, ret);
    }
}

static const MemoryRegionOps rig_cru_ops = {
    .read = rig_cru_read,
    .write = rig_cru_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

static void rig_cru_reset(DeviceState *dev)
{
    ROCKCHIP_RIG_CRU(dev)->asserted = 0;
}

/*
 * Registered once the machine is built, so that it runs after the CPUs'
 * own reset (which leaves the secondary cores off): the remote core starts
 * as the boot loader would start it.
 */
static void rig_cru_boot_remote(void *opaque)
{
    RockchipRigCruState *s = opaque;
    int ret = arm_set_cpu_on(s->remote_mpidr, s->boot_remote_at, 0, 1, true);

    if (ret != QEMU_ARM_POWERCTL_RET_SUCCESS) {
        error_report("%s: cannot start core 0x%" PRIx64 " at 0x%" PRIx64 ": %d",
                     TYPE_ROCKCHIP_RIG_CRU, s->remote_mpidr, s->boot_remote_at, ret);
    }
}

static void rig_cru_machine_done(Notifier *notifier, void *data)
{
    RockchipRigCruState *s = container_of(notifier, RockchipRigCruState,
                                          machine_done);

    qemu_register_reset(rig_cru_boot_remote, s);
}

static void rig_cru_realize(DeviceState *dev, Error **errp)
{
    RockchipRigCruState *s = ROCKCHIP_RIG_CRU(dev);

    memory_region_init_io(&s->iomem, OBJECT(dev), &rig_cru_ops, s,
                          TYPE_ROCKCHIP_RIG_CRU, 0x1000);
    sysbus_init_mmio(SYS_BUS_DEVICE(dev), &s->iomem);
    if (s->boot_remote_at) {
        s->machine_done.notify = rig_cru_machine_done;
        qemu_add_machine_init_done_notifier(&s->machine_done);
    }
}

static const VMStateDescription vmstate_rig_cru = {
    .name = TYPE_ROCKCHIP_RIG_CRU,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(asserted, RockchipRigCruState),
        VMSTATE_END_OF_LIST()
    }
};

static Property rig_cru_properties[] = {
    DEFINE_PROP_UINT64("remote-mpidr", RockchipRigCruState, remote_mpidr, 1),
    DEFINE_PROP_UINT64("boot-remote-at", RockchipRigCruState, boot_remote_at, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static void rig_cru_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = rig_cru_realize;
    dc->reset = rig_cru_reset;
    dc->vmsd = &vmstate_rig_cru;
    device_class_set_props(dc, rig_cru_properties);
}

static const TypeInfo rig_cru_info = {
    .name = TYPE_ROCKCHIP_RIG_CRU,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(RockchipRigCruState),
    .class_init = rig_cru_class_init,
};

static void rig_cru_register_types(void)
{
    type_register_static(&rig_cru_info);
}

type_init(rig_cru_register_types)
