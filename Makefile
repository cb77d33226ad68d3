# SPDX-License-Identifier: GPL-2.0
# rockchip-rpmsg: Rust RPMsg transport for Rockchip AMP SoCs.
#
#   make                       build the modules against KDIR (default: the
#                              cached reference kernel, built if missing)
#   make KERNEL=7.2            ... against another kernel of the tested matrix
#                              (scripts/kernels.sh), built and cached likewise
#   make KDIR=/path/to/kernel  build against a board's Rust-enabled kernel tree
#                              (add ARCH=arm64 LLVM=1, ARCH=arm LLVM=1 or
#                              ARCH=arm64 CROSS_COMPILE=... as it was built)
#   make demo                  set up, build, boot the QEMU board, show the echo
#   make test [SCENARIO=name]  host unit tests and every QEMU scenario on the
#                              reference kernel, the core set on the others
#   make test KERNEL=7.2       the full suite on one kernel of the matrix
#   make qemu                  build the board's QEMU (Debian source + the
#                              mailbox device model), cached
#   make firmware              build the board's remote firmware (rust/remote_fw)
#   make dtbs                  compile the device-tree overlays
#   make bench                 benchmarks on the QEMU board -> docs/PERFORMANCE.md

SHELL := /bin/bash
PROJECT := $(CURDIR)
BUILD := $(PROJECT)/build

ifeq ($(origin KDIR),undefined)
REFERENCE_KERNEL := 1
# A kernel of the matrix (default: the reference), with its own toolchain
# and architecture.
KBUILD_ARGS ?= $(shell scripts/kernel.sh kbuild-args $(KERNEL))
else
# ARCH=, LLVM=, CROSS_COMPILE= given on the command line reach Kbuild as they are.
KBUILD_ARGS ?=
endif

.PHONY: all modules setup kernel qemu demo test soak bench dtbs userspace firmware clean check-kdir clippy fmt

all: modules

setup:
	@scripts/setup.sh

kernel: setup
	@scripts/kernel.sh build $(KERNEL)

qemu: setup
	@scripts/qemu.sh build

ifdef REFERENCE_KERNEL
check-kdir: kernel
	$(eval KDIR := $(shell scripts/kernel.sh dir $(KERNEL)))
else
check-kdir:
	@scripts/check-kdir.sh "$(KDIR)"
endif

modules: check-kdir
	@$(MAKE) --no-print-directory -C $(KDIR) M=$(PROJECT) $(KBUILD_ARGS) $(KBUILD_EXTRA) modules
	@mkdir -p $(BUILD)/modules
	@cp rust/rockchip_rpmsg/rockchip_rpmsg.ko rust/rockchip_amp_mbox/rockchip_amp_mbox.ko rust/rpmsg_remote_sim/rpmsg_remote_sim.ko rust/remote_fw_rig/remote_fw_rig.ko rust/rockchip_rproc/rockchip_rproc.ko tests/modules/splat_trigger.ko $(BUILD)/modules/
	@echo "modules: $$(cd $(BUILD)/modules && echo *.ko)"

clippy: check-kdir
	@$(MAKE) --no-print-directory -C $(KDIR) M=$(PROJECT) $(KBUILD_ARGS) CLIPPY=1 W=1 modules

# The bindings bindgen generates are not ours to format.
fmt:
	@rustfmt --edition 2021 --check $(filter-out rust/bindings/bindings_generated.rs,$(wildcard rust/*/*.rs)) tests/modules/*.rs

userspace: setup
	@scripts/build-userspace.sh

firmware: setup
	@scripts/build-firmware.sh

dtbs:
	@scripts/build-dtbs.sh

demo: modules userspace firmware dtbs qemu
	@scripts/demo.sh

test: modules userspace firmware dtbs qemu
	@scripts/test.sh $(if $(SCENARIO),--scenario $(SCENARIO))

soak: modules userspace firmware dtbs qemu
	@scripts/soak.sh

bench: modules userspace firmware qemu
	@scripts/bench.sh

clean:
	@# Kbuild's own state too (its .cmd files name the tree they were built
	@# against), also when KDIR is the matrix's default, which is not built here.
	@kdir="$(KDIR)"; [ -n "$$kdir" ] || kdir=$$(scripts/kernel.sh dir $(KERNEL)); \
	if [ -d "$$kdir" ]; then $(MAKE) -C "$$kdir" M=$(PROJECT) $(KBUILD_ARGS) clean; fi
	rm -rf $(BUILD) rust/bindings/bindings_generated.rs
