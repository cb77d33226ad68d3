#!/bin/bash
# Builds the guest's userspace tools as static arm64 binaries into
# build/userspace/, which scripts/initramfs.sh copies to the guest's /usr/bin:
# rpmsg_echo (userspace/rpmsg_echo/) and the test tools hold_poll and tx_fill
# (one crate in tests/tools/). Idempotent: prints nothing when everything is
# up to date.
#
# Toolchain: the rustup target aarch64-unknown-linux-gnu when it is installed
# or can be added; otherwise -Zbuild-std against the running rustc's rust-src
# (which scripts/setup.sh provides). Linker: aarch64-linux-gnu-gcc.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# Each crate, then the binaries it builds for the guest.
CRATES=(
	"userspace/rpmsg_echo rpmsg_echo"
	"tests/tools hold_poll tx_fill klog_wait"
)
# USERSPACE_ARCH=arm builds them for the 32-bit ARM board instead, into
# build/userspace-arm/.
case "${USERSPACE_ARCH:-arm64}" in
arm64)
	OUT_DIR="$PROJECT_ROOT/build/userspace"
	TARGET=aarch64-unknown-linux-gnu LINKER=aarch64-linux-gnu-gcc
	ELF_KIND='ELF 64-bit*ARM aarch64' LINKER_PKGS="gcc-aarch64-linux-gnu and libc6-dev-arm64-cross" ;;
arm)
	OUT_DIR="$PROJECT_ROOT/build/userspace-arm"
	TARGET=armv7-unknown-linux-gnueabihf LINKER=arm-linux-gnueabihf-gcc
	ELF_KIND='ELF 32-bit*ARM' LINKER_PKGS="gcc-arm-linux-gnueabihf and libc6-dev-armhf-cross" ;;
*) echo "build-userspace: USERSPACE_ARCH must be arm64 or arm" >&2; exit 1 ;;
esac
# Cargo's target directory is shared by every clone (scripts/env.sh).
TARGET_DIR="$CARGO_CACHE/userspace-$TARGET"

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
command -v rustc >/dev/null || die "rustc not found (install Rust with rustup)"
command -v "$LINKER" >/dev/null ||
	die "$LINKER not found: install $LINKER_PKGS (scripts/setup.sh does)"
command -v file >/dev/null || die "'file' not found: apt-get install file"
for entry in "${CRATES[@]}"; do
	crate=${entry%% *} # the binaries follow it
	[ -f "$PROJECT_ROOT/$crate/Cargo.toml" ] || die "no crate at $PROJECT_ROOT/$crate"
done

# Prefer the prebuilt std for the target; fall back to building std from rust-src
# (BUILD_USERSPACE_BUILD_STD=1 forces the fallback, to test it).
build_std=()
have_target() { command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; }
if [ "${BUILD_USERSPACE_BUILD_STD:-0}" = 1 ] || ! have_target; then
	if [ "${BUILD_USERSPACE_BUILD_STD:-0}" != 1 ] && command -v rustup >/dev/null &&
		rustup target add "$TARGET" >/dev/null 2>&1 && have_target; then
		:
	else
		sysroot="$(rustc --print sysroot)"
		src="$sysroot/lib/rustlib/src/rust"
		[ -d "$src/library/std" ] ||
			die "no std for $TARGET and no rust-src at $src ($(rustc --version)); run scripts/setup.sh"
		export RUSTC_BOOTSTRAP=1
		build_std=(-Zbuild-std=std,panic_abort)
		TARGET_DIR="$TARGET_DIR-build-std" # its artefacts differ; keep both cached
	fi
fi

mkdir -p "$OUT_DIR" "$CARGO_CACHE"
# One clone at a time builds and takes its binaries out of the shared
# target directory.
exec 8>"$CARGO_CACHE/.userspace.lock"
flock 8
target_env=$(echo "$TARGET" | tr 'a-z-' 'A-Z_')
export "CARGO_TARGET_${target_env}_LINKER=$LINKER"
export "CARGO_TARGET_${target_env}_RUSTFLAGS=-C target-feature=+crt-static"

# build CRATE BIN...: builds the crate, checks each BIN is a static ELF of
# the target, and installs it into $OUT_DIR when it changed. Only the binaries go
# there (the initramfs takes every file in it); the log stays in the target
# directory.
build() {
	local crate=$1 name bin log built kind dest
	shift
	name=$(basename "$crate")
	mkdir -p "$TARGET_DIR"
	log="$TARGET_DIR/cargo-build-$name.log"
	if ! cargo build --release --locked --quiet \
		--manifest-path "$PROJECT_ROOT/$crate/Cargo.toml" \
		--target "$TARGET" --target-dir "$TARGET_DIR" \
		${build_std[@]+"${build_std[@]}"} >"$log" 2>&1; then
		cat "$log" >&2
		die "cargo build of $crate for $TARGET failed (log: $log)"
	fi

	for bin in "$@"; do
		built="$TARGET_DIR/$TARGET/release/$bin"
		[ -x "$built" ] || die "cargo built $crate but $built is missing"
		kind="$(file -b "$built")"
		# shellcheck disable=SC2254
		case "$kind" in
		*$ELF_KIND*) ;;
		*) die "$built is not an $TARGET ELF: $kind" ;;
		esac
		case "$kind" in
		*statically\ linked* | *static-pie\ linked*) ;;
		*) die "$built is not statically linked: $kind" ;;
		esac

		dest="$OUT_DIR/$bin"
		if ! cmp -s "$built" "$dest"; then
			install -m 0755 "$built" "$dest.tmp"
			mv -f "$dest.tmp" "$dest"
			echo "build-userspace: ${dest#"$PROJECT_ROOT"/} ($(file -b "$dest" | cut -d, -f1-2), static)"
		fi
	done
}

for entry in "${CRATES[@]}"; do
	read -ra crate_and_bins <<<"$entry"
	build "${crate_and_bins[@]}"
done
