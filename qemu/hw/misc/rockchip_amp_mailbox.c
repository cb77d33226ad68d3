/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rockchip AMP mailbox device model (rockchip-rpmsg project).
 *
 * Each direction of the block has INTEN, STATUS and a CMD/DAT pair per
 * channel: A2B carries the application cores' (Linux's) messages to the
 * remote core, B2A the remote's messages to Linux. A message latches a
 * STATUS bit; the receiver clears it by writing 1. The receiver's interrupt
 * line is high while a STATUS bit is set and its INTEN enable is on, so a
 * sender that waits for STATUS to clear waits for the receiver.
 *
 * Two layouts exist:
 * - four channels (RK3368/RK3562/RK3568/RK3588): B2A registers at 0x28,
 *   INTEN bit n enables channel n, writing DAT(n) latches STATUS bit n;
 * - one channel (RK3576/RK3506): B2A registers at 0x10, INTEN writes carry
 *   a write-enable mask in bits 31:16 so that the two cores can each set
 *   their own bits; bit 0 enables the interrupt and bit 8 chooses whether
 *   the DAT write (1) or the CMD write (0) latches STATUS.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/irq.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "hw/misc/rockchip_amp_mailbox.h"

#define REG_INTEN  0x00
#define REG_STATUS 0x04
#define REG_CMD0   0x08
#define REG_DAT0   0x0c
#define CHANNEL_STRIDE 0x08

#define FOUR_CHANNEL_B2A_BASE 0x28
#define ONE_CHANNEL_B2A_BASE  0x10

/* One-channel layout, INTEN bits. */
#define ONE_CHANNEL_ENABLE      (1u << 0)
#define ONE_CHANNEL_TRIGGER_DAT (1u << 8)
#define ONE_CHANNEL_INTEN_BITS  (ONE_CHANNEL_ENABLE | ONE_CHANNEL_TRIGGER_DAT)

typedef struct RockchipAmpMailboxDirection Direction;

static bool one_channel(const RockchipAmpMailboxState *s)
{
    return s->channels == 1;
}

static hwaddr b2a_base(const RockchipAmpMailboxState *s)
{
    return one_channel(s) ? ONE_CHANNEL_B2A_BASE : FOUR_CHANNEL_B2A_BASE;
}

static uint32_t channel_bits(const RockchipAmpMailboxState *s)
{
    return (1u << s->channels) - 1;
}

static bool channel_enabled(const RockchipAmpMailboxState *s,
                            const Direction *d, unsigned chan)
{
    if (one_channel(s)) {
        return d->inten & ONE_CHANNEL_ENABLE;
    }
    return d->inten & (1u << chan);
}

static void update_lines(RockchipAmpMailboxState *s, Direction *d)
{
    for (unsigned chan = 0; chan < s->channels; chan++) {
        bool level = (d->status & (1u << chan)) && channel_enabled(s, d, chan);
        qemu_set_irq(d->irq[chan], level);
    }
}

/* Finds the direction and the offset inside it that @addr names. */
static Direction *decode(RockchipAmpMailboxState *s, hwaddr addr, hwaddr *off)
{
    hwaddr base = b2a_base(s);
    hwaddr span = REG_DAT0 + CHANNEL_STRIDE * (s->channels - 1) + 4;

    if (addr < span) {
        *off = addr;
        return &s->a2b;
    }
    if (addr >= base && addr - base < span) {
        *off = addr - base;
        return &s->b2a;
    }
    return NULL;
}

static uint64_t rk_amp_mbox_read(void *opaque, hwaddr addr, unsigned size)
{
    RockchipAmpMailboxState *s = opaque;
    hwaddr off;
    Direction *d = decode(s, addr, &off);
    unsigned chan;

    if (!d) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: read of unknown offset 0x%"
                      HWADDR_PRIx "\n", __func__, addr);
        return 0;
    }
    switch (off) {
    case REG_INTEN:
        return d->inten;
    case REG_STATUS:
        return d->status;
    default:
        chan = (off - REG_CMD0) / CHANNEL_STRIDE;
        return (off - REG_CMD0) % CHANNEL_STRIDE ? d->dat[chan] : d->cmd[chan];
    }
}

static void latch(RockchipAmpMailboxState *s, Direction *d, unsigned chan)
{
    d->status |= 1u << chan;
    update_lines(s, d);
}

static void rk_amp_mbox_write(void *opaque, hwaddr addr, uint64_t value,
                              unsigned size)
{
    RockchipAmpMailboxState *s = opaque;
    hwaddr off;
    Direction *d = decode(s, addr, &off);
    uint32_t v = value;
    unsigned chan;
    bool is_dat;

    if (!d) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write of unknown offset 0x%"
                      HWADDR_PRIx "\n", __func__, addr);
        return;
    }
    switch (off) {
    case REG_INTEN:
        if (one_channel(s)) {
            uint32_t mask = (v >> 16) & ONE_CHANNEL_INTEN_BITS;

            d->inten = (d->inten & ~mask) | (v & mask);
        } else {
            d->inten = v & channel_bits(s);
        }
        update_lines(s, d);
        return;
    case REG_STATUS:
        d->status &= ~(v & channel_bits(s));
        update_lines(s, d);
        return;
    default:
        chan = (off - REG_CMD0) / CHANNEL_STRIDE;
        is_dat = (off - REG_CMD0) % CHANNEL_STRIDE;
        if (is_dat) {
            d->dat[chan] = v;
        } else {
            d->cmd[chan] = v;
        }
        if (!one_channel(s)) {
            if (is_dat) {
                latch(s, d, chan);
            }
        } else if (is_dat == !!(d->inten & ONE_CHANNEL_TRIGGER_DAT)) {
            latch(s, d, chan);
        }
        return;
    }
}

static const MemoryRegionOps rk_amp_mbox_ops = {
    .read = rk_amp_mbox_read,
    .write = rk_amp_mbox_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

static void rk_amp_mbox_reset(DeviceState *dev)
{
    RockchipAmpMailboxState *s = ROCKCHIP_AMP_MAILBOX(dev);
    Direction *dirs[] = { &s->a2b, &s->b2a };

    for (unsigned i = 0; i < ARRAY_SIZE(dirs); i++) {
        Direction *d = dirs[i];

        d->inten = 0;
        d->status = 0;
        memset(d->cmd, 0, sizeof(d->cmd));
        memset(d->dat, 0, sizeof(d->dat));
        update_lines(s, d);
    }
}

static void rk_amp_mbox_realize(DeviceState *dev, Error **errp)
{
    RockchipAmpMailboxState *s = ROCKCHIP_AMP_MAILBOX(dev);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);

    if (s->channels != 1 && s->channels != RK_AMP_MBOX_MAX_CHANNELS) {
        error_setg(errp, "rockchip-amp-mailbox: channels must be 1 or 4, not %u",
                   s->channels);
        return;
    }
    memory_region_init_io(&s->iomem, OBJECT(dev), &rk_amp_mbox_ops, s,
                          TYPE_ROCKCHIP_AMP_MAILBOX, 0x1000);
    sysbus_init_mmio(sbd, &s->iomem);
    /* Outputs 0..channels-1: B2A (to Linux); then A2B (to the remote). */
    for (unsigned chan = 0; chan < s->channels; chan++) {
        sysbus_init_irq(sbd, &s->b2a.irq[chan]);
    }
    for (unsigned chan = 0; chan < s->channels; chan++) {
        sysbus_init_irq(sbd, &s->a2b.irq[chan]);
    }
}

static const VMStateDescription vmstate_direction = {
    .name = "rockchip-amp-mailbox/direction",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(inten, Direction),
        VMSTATE_UINT32(status, Direction),
        VMSTATE_UINT32_ARRAY(cmd, Direction, RK_AMP_MBOX_MAX_CHANNELS),
        VMSTATE_UINT32_ARRAY(dat, Direction, RK_AMP_MBOX_MAX_CHANNELS),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_rk_amp_mbox = {
    .name = TYPE_ROCKCHIP_AMP_MAILBOX,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_STRUCT(a2b, RockchipAmpMailboxState, 1, vmstate_direction,
                       Direction),
        VMSTATE_STRUCT(b2a, RockchipAmpMailboxState, 1, vmstate_direction,
                       Direction),
        VMSTATE_END_OF_LIST()
    }
};

static Property rk_amp_mbox_properties[] = {
    DEFINE_PROP_UINT32("channels", RockchipAmpMailboxState, channels,
                       RK_AMP_MBOX_MAX_CHANNELS),
    DEFINE_PROP_END_OF_LIST(),
};

static void rk_amp_mbox_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = rk_amp_mbox_realize;
    dc->reset = rk_amp_mbox_reset;
    dc->vmsd = &vmstate_rk_amp_mbox;
    device_class_set_props(dc, rk_amp_mbox_properties);
}

static const TypeInfo rk_amp_mbox_info = {
    .name = TYPE_ROCKCHIP_AMP_MAILBOX,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(RockchipAmpMailboxState),
    .class_init = rk_amp_mbox_class_init,
};

static void rk_amp_mbox_register_types(void)
{
    type_register_static(&rk_amp_mbox_info);
}

type_init(rk_amp_mbox_register_types)
