/* SPDX-License-Identifier: GPL-2.0 */
/* The C APIs bindgen generates bindings for (see allowlist.txt). */
#include <linux/arm-smccc.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/interrupt.h>
#include <linux/mailbox_client.h>
#include <linux/mailbox_controller.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/of_reserved_mem.h>
#include <linux/rcupdate.h>
#include <linux/remoteproc.h>
#include <linux/reset.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/virtio_config.h>
