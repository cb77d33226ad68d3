#!/bin/bash
# Builds the QEMU board's remote firmware (rust/remote_fw, no_std, for
# aarch64-unknown-none) into build/firmware/remote_fw.elf, which
# rockchip_rproc loads from /lib/firmware, and the host tool rig_boot_page.
# Quiet when up to date.
set -euo pipefail
source "$(dirname "$0")/env.sh"

TARGET=aarch64-unknown-none
CRATE="$PROJECT_ROOT/rust/remote_fw"
OUT="$PROJECT_ROOT/build/firmware"
TARGET_DIR="$CARGO_CACHE/remote_fw"
mkdir -p "$OUT" "$CARGO_CACHE"
# One clone at a time builds and takes its binaries out of the shared
# target directory.
exec 8>"$CARGO_CACHE/.firmware.lock"
flock 8
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" ||
	die "the Rust target $TARGET is missing: run scripts/setup.sh (rustup target add $TARGET)"
log="$OUT/cargo-build.log"
if ! cargo build --release --locked --quiet --manifest-path "$CRATE/Cargo.toml" \
	--target "$TARGET" --target-dir "$TARGET_DIR" >"$log" 2>&1; then
	cat "$log" >&2
	die "cargo build of the remote firmware failed (log: $log)"
fi
# Warnings fail the build as they do for the modules.
if grep -q '^warning' "$log"; then
	cat "$log" >&2
	die "the remote firmware builds with warnings"
fi
built="$TARGET_DIR/$TARGET/release/remote_fw"
cmp -s "$built" "$OUT/remote_fw.elf" 2>/dev/null || cp "$built" "$OUT/remote_fw.elf"

# The host tool that writes the control area a boot loader leaves for the
# firmware when it starts the remote before Linux (scripts/qemu-run.sh,
# scenarios with "# remote-boot: before-linux").
log="$OUT/boot-page-build.log"
if ! cargo build --release --locked --quiet --manifest-path "$PROJECT_ROOT/rust/rig_boot_page/Cargo.toml" \
	--target-dir "$CARGO_CACHE/host" >"$log" 2>&1; then
	cat "$log" >&2
	die "cargo build of rig_boot_page failed (log: $log)"
fi
if grep -q '^warning' "$log"; then
	cat "$log" >&2
	die "rig_boot_page builds with warnings"
fi
cmp -s "$CARGO_CACHE/host/release/rig_boot_page" "$OUT/rig_boot_page" 2>/dev/null ||
	cp "$CARGO_CACHE/host/release/rig_boot_page" "$OUT/rig_boot_page"
