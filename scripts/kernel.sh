#!/bin/bash
# The reference kernel: built once per (kernel version, config fragment,
# upstream fixes in kernel/patches, rustc, LLVM) key, cached outside the
# checkout.
#   kernel.sh dir    print the cached tree's path (no build)
#   kernel.sh build  build it unless the cache already has it
set -euo pipefail
source "$(dirname "$0")/env.sh"

FRAGMENT="$PROJECT_ROOT/kernel/qemu-rig.config"
PATCHES=("$PROJECT_ROOT"/kernel/patches/*.patch)
KVERSION_FILE="$RPMSG_CACHE/linux-source/version"

kernel_key() {
	[ -f "$KVERSION_FILE" ] || die "no kernel source in $RPMSG_CACHE: run scripts/setup.sh"
	{
		cat "$KVERSION_FILE"
		cat "$FRAGMENT"
		cat "${PATCHES[@]}"
		echo "$RUSTC_VERSION"
		clang$LLVM_SUFFIX --version | head -1
	} | sha256sum | cut -c1-16
}

kernel_dir() { echo "$RPMSG_CACHE/kernel/$(cat "$KVERSION_FILE")-$(kernel_key)"; }

kmake() {
	make -C "$KDIR_BUILD" LLVM="$LLVM_SUFFIX" ARCH=arm64 \
		RUST_LIB_SRC="$RPMSG_CACHE/rust-src-$RUSTC_VERSION/library" "$@"
}

# Upstream rpmsg fixes the rig's checks depend on (README: "Upstream fixes").
apply_patches() {
	local patch
	for patch in "${PATCHES[@]}"; do
		patch -d "$KDIR_BUILD" -p1 -s -N <"$patch" || die "$(basename "$patch") does not apply to this kernel"
	done
}

build() {
	KDIR_BUILD="$(kernel_dir)"
	if [ -f "$KDIR_BUILD/.rig-built" ]; then
		echo "kernel: cached $KDIR_BUILD"
		return 0
	fi
	say "building the reference kernel in $KDIR_BUILD (about 7 minutes)"
	rm -rf "$KDIR_BUILD" && mkdir -p "$KDIR_BUILD"
	tar -xf "$RPMSG_CACHE/linux-source/linux.tar.xz" --strip-components=1 -C "$KDIR_BUILD"
	apply_patches
	kmake -s allnoconfig
	(cd "$KDIR_BUILD" && ARCH=arm64 LLVM="$LLVM_SUFFIX" scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null)
	kmake -s olddefconfig
	# Every option the fragment asks for must survive olddefconfig.
	local lost=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=y | CONFIG_*=m)
			grep -qx "$line" "$KDIR_BUILD/.config" || { echo "kernel config lost: $line" >&2; lost=1; } ;;
		esac
	done <"$FRAGMENT"
	((lost == 0)) || die "the config fragment does not survive olddefconfig"
	kmake -s rustavailable >/dev/null || die "Rust is not available for this kernel (see make rustavailable)"
	kmake -j"$(nproc)" Image modules >"$KDIR_BUILD/build.log" 2>&1 ||
		{ tail -40 "$KDIR_BUILD/build.log" >&2; die "kernel build failed (log: $KDIR_BUILD/build.log)"; }
	touch "$KDIR_BUILD/.rig-built"
	echo "kernel: built $KDIR_BUILD"
}

case "${1:-build}" in
dir) kernel_dir ;;
build) build ;;
*) die "usage: kernel.sh dir|build" ;;
esac
