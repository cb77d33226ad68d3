#!/bin/bash
# The board's QEMU: Debian's qemu source package (bookworm), aarch64 target
# only, with the project's Rockchip AMP mailbox device model (qemu/) added.
# Built once per (source version, model, patches, configure flags) key and
# cached outside the checkout, like the kernel.
#   qemu.sh path   print the cached binary's path (no build)
#   qemu.sh build  build it unless the cache already has it
set -euo pipefail
source "$(dirname "$0")/env.sh"

MODEL_DIR="$PROJECT_ROOT/qemu"
QVERSION_FILE="$RPMSG_CACHE/qemu-source/version"
CONFIGURE_FLAGS=(--target-list=aarch64-softmmu --disable-docs --disable-werror
	--enable-fdt=system --disable-gtk --disable-sdl --disable-vnc --disable-opengl
	--disable-spice --disable-xen --disable-curses --disable-tools --disable-guest-agent)

qemu_key() {
	[ -f "$QVERSION_FILE" ] || die "no QEMU source in $RPMSG_CACHE: run scripts/setup.sh"
	{
		cat "$QVERSION_FILE"
		echo "${CONFIGURE_FLAGS[*]}"
		(cd "$MODEL_DIR" && find . -type f | LC_ALL=C sort | xargs sha256sum)
	} | sha256sum | cut -c1-16
}

# Named after the Debian version without its epoch (no ':' in the path).
qemu_dir() { echo "$RPMSG_CACHE/qemu/$(sed 's/^[0-9]*://' "$QVERSION_FILE")-$(qemu_key)"; }

build() {
	local dir src
	dir="$(qemu_dir)"
	if [ -x "$dir/bin/qemu-system-aarch64" ]; then
		echo "qemu: cached $dir"
		return 0
	fi
	say "building QEMU $(cat "$QVERSION_FILE") with the mailbox model in $dir (about 4 minutes on 2 cores)"
	rm -rf "$dir" && mkdir -p "$dir"
	src="$dir/src"
	dpkg-source --no-check -x "$RPMSG_CACHE/qemu-source/"*.dsc "$src" >"$dir/unpack.log" 2>&1 ||
		die "could not unpack the QEMU source package (log: $dir/unpack.log)"
	rm -f "$dir"/*.tar.*
	cp -r "$MODEL_DIR/hw" "$MODEL_DIR/include" "$src/"
	local patch
	for patch in "$MODEL_DIR"/patches/*.patch; do
		patch -d "$src" -p1 -s -N <"$patch" || die "$(basename "$patch") does not apply to QEMU $(cat "$QVERSION_FILE")"
	done
	mkdir -p "$dir/build"
	(cd "$dir/build" && "$src/configure" "${CONFIGURE_FLAGS[@]}" >"$dir/configure.log" 2>&1) ||
		{ tail -20 "$dir/configure.log" >&2; die "QEMU configure failed (log: $dir/configure.log)"; }
	ninja -C "$dir/build" qemu-system-aarch64 >"$dir/build.log" 2>&1 ||
		{ tail -40 "$dir/build.log" >&2; die "QEMU build failed (log: $dir/build.log)"; }
	mkdir -p "$dir/bin"
	cp "$dir/build/qemu-system-aarch64" "$dir/bin/"
	# The binary is all the rig runs: the tree and objects go (about 1 GB).
	rm -rf "$src" "$dir/build"
	echo "qemu: built $dir"
}

case "${1:-build}" in
path) echo "$(qemu_dir)/bin/qemu-system-aarch64" ;;
build) build ;;
*) die "usage: qemu.sh path|build" ;;
esac
