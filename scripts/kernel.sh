#!/bin/bash
# The kernels of scripts/kernels.sh: each built once per (kernel version,
# config fragments, upstream fixes in kernel/patches/<series>, rustc,
# compiler) key, cached outside the checkout.
#   kernel.sh dir [NAME]          print the cached tree's path (no build)
#   kernel.sh build [NAME]        build it unless the cache already has it
#   kernel.sh image [NAME]        the kernel image QEMU boots
#   kernel.sh kbuild-args [NAME]  make arguments for modules against it
# NAME is a row of scripts/kernels.sh (default: $KERNEL, else the reference).
set -euo pipefail
source "$(dirname "$0")/env.sh"

source "$PROJECT_ROOT/scripts/kernels.sh"

kernel_select "${2:-${KERNEL:-$(reference_kernel)}}" ||
	die "no kernel named '${2:-$KERNEL}' (have: $(kernel_names | tr '\n' ' '))"
KSOURCE="$RPMSG_CACHE/linux-source-$K_SERIES"
KVERSION_FILE="$KSOURCE/version"
PATCHES=("$PROJECT_ROOT/kernel/patches/$K_SERIES"/*.patch)
# The rig's fragment, then what the toolchain or architecture changes in it.
FRAGMENTS=("$PROJECT_ROOT/kernel/qemu-rig.config")
[ "$K_TOOLCHAIN" = gcc ] && FRAGMENTS+=("$PROJECT_ROOT/kernel/qemu-rig-gcc.config")
[ "$K_ARCH" = arm ] && FRAGMENTS+=("$PROJECT_ROOT/kernel/qemu-rig-arm.config")

case "$K_TOOLCHAIN-$K_ARCH" in
llvm-*) KBUILD_ARGS=(ARCH="$K_ARCH" LLVM="$LLVM_SUFFIX") ;;
gcc-arm64) KBUILD_ARGS=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
*) die "no build recipe for $K_TOOLCHAIN on $K_ARCH" ;;
esac
case "$K_ARCH" in
arm64) KIMAGE=arch/arm64/boot/Image ;;
arm) KIMAGE=arch/arm/boot/zImage ;;
esac

compiler_version() {
	case "$K_TOOLCHAIN" in
	llvm) clang$LLVM_SUFFIX --version | head -1 ;;
	gcc) aarch64-linux-gnu-gcc --version | head -1 ;;
	esac
}

kernel_key() {
	[ -f "$KVERSION_FILE" ] || die "no linux-source-$K_SERIES in $RPMSG_CACHE: run scripts/setup.sh"
	{
		cat "$KVERSION_FILE"
		cat "${FRAGMENTS[@]}"
		cat "${PATCHES[@]}"
		echo "$RUSTC_VERSION"
		compiler_version
		# The LLVM arm64 key predates the matrix: unchanged, so its cache holds.
		[ "$K_TOOLCHAIN-$K_ARCH" = llvm-arm64 ] || echo "$K_TOOLCHAIN $K_ARCH"
	} | sha256sum | cut -c1-16
}

kernel_dir() {
	local tag=""
	[ "$K_TOOLCHAIN-$K_ARCH" = llvm-arm64 ] || tag="-$K_TOOLCHAIN-$K_ARCH"
	echo "$RPMSG_CACHE/kernel/$(tr "~" _ <"$KVERSION_FILE")$tag-$(kernel_key)"
}

kmake() {
	make -C "$KDIR_BUILD" "${KBUILD_ARGS[@]}" \
		RUST_LIB_SRC="$RPMSG_CACHE/rust-src-$RUSTC_VERSION/library" "$@"
}

# Upstream rpmsg fixes the rig's checks depend on, per series
# (kernel/patches/<series>/, README: "Upstream fixes").
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
	say "building kernel $K_NAME ($K_SERIES, $K_TOOLCHAIN, $K_ARCH) in $KDIR_BUILD (about 10 minutes)"
	rm -rf "$KDIR_BUILD" && mkdir -p "$KDIR_BUILD"
	tar -xf "$KSOURCE/linux.tar.xz" --strip-components=1 -C "$KDIR_BUILD"
	apply_patches
	kmake -s allnoconfig
	(cd "$KDIR_BUILD" && env "${KBUILD_ARGS[@]}" scripts/kconfig/merge_config.sh -m .config "${FRAGMENTS[@]}" >/dev/null)
	kmake -s olddefconfig
	# Every option the fragments ask for must survive olddefconfig (a later
	# fragment may turn off what an earlier one asked for).
	local lost=0 line sym
	while IFS= read -r line; do
		case "$line" in CONFIG_*=y | CONFIG_*=m)
			grep -qx "$line" "$KDIR_BUILD/.config" || { echo "kernel config lost: $line" >&2; lost=1; } ;;
		esac
	done < <(cat "${FRAGMENTS[@]}" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { sym=$0; sub(/=.*/, "", sym); last[sym]=$0; order[++n]=sym }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { last[$2]="off"; order[++n]=$2 }
		END { for (i=1;i<=n;i++) if (!seen[order[i]]++ && last[order[i]]!="off") print last[order[i]] }')
	((lost == 0)) || die "the config fragment does not survive olddefconfig"
	kmake -s rustavailable >/dev/null || die "Rust is not available for this kernel (see make rustavailable)"
	kmake -j"$(nproc)" "$(basename "$KIMAGE")" modules >"$KDIR_BUILD/build.log" 2>&1 ||
		{ tail -40 "$KDIR_BUILD/build.log" >&2; die "kernel build failed (log: $KDIR_BUILD/build.log)"; }
	touch "$KDIR_BUILD/.rig-built"
	echo "kernel: built $KDIR_BUILD"
}

case "${1:-build}" in
dir) kernel_dir ;;
build) build ;;
image) echo "$(kernel_dir)/$KIMAGE" ;;
kbuild-args) echo "${KBUILD_ARGS[*]}" ;;
arch) echo "$K_ARCH" ;;
*) die "usage: kernel.sh dir|build|image|kbuild-args|arch [kernel name]" ;;
esac
