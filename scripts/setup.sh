#!/bin/bash
# Installs everything the build and the QEMU rig need. Idempotent: a second
# run with everything present does nothing but check.
set -euo pipefail
source "$(dirname "$0")/env.sh"

APT_PACKAGES=(clang-19 lld-19 llvm-19 libclang-19-dev qemu-system-arm
	device-tree-compiler gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross flex bison
	bc patch libssl-dev libelf-dev cpio xz-utils python3-venv
	meson ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev dpkg-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	say "apt-get install ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update || die "apt-get update failed"
	apt-get -q install -y --no-install-recommends "${missing[@]}" || die "could not install ${missing[*]}"
fi

if ! command -v bindgen >/dev/null; then
	say "cargo install bindgen-cli"
	cargo install --locked bindgen-cli || die "could not install bindgen-cli from crates.io"
fi

mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$DEB_DIR"
touch "$APT_DIR/status"
cat >"$APT_DIR/sources.list" <<SRC
deb [arch=amd64,arm64,armhf signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main
deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
SRC

lists_fresh() {
	[ -n "$(find "$APT_DIR/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ] &&
		[ -n "$(find "$APT_DIR/lists" -name '*binary-armhf_Packages*' 2>/dev/null | head -1)" ] &&
		[ -n "$(find "$APT_DIR/lists" -name '*Sources*' 2>/dev/null | head -1)" ]
}
update_private_lists() {
	lists_fresh && return 0
	say "updating the private apt lists (amd64, arm64, armhf)"
	private_apt -o APT::Architecture=amd64 -o APT::Architectures=amd64,arm64,armhf update >/dev/null ||
		die "could not update the private apt lists from deb.debian.org"
}

# Newest version of a package in the private lists (optionally matching a
# prefix). Only binary packages count: the deb-src line (QEMU's source) adds
# source versions, which have no .deb (binNMUs such as +b1 differ).
newest_version() {
	private_apt -o APT::Architecture=amd64 -o APT::Architectures=amd64,arm64 \
		-s install "$1" >/dev/null 2>&1 || true
	apt-cache -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status="$APT_DIR/status" \
		-o APT::Architecture=amd64 -o APT::Architectures=amd64,arm64 \
		madison "$1" | awk -F'|' '$3 ~ /Packages/ {gsub(/ /,"",$2); print $2}' | grep -E "^${2:-}" |
		sort -V | tail -1
}

fetch_deb() { # package version arch -> prints path of the .deb
	local pkg=$1 ver=$2 arch=$3 f apt_arch
	apt_arch=$arch
	[ "$arch" = all ] && apt_arch=amd64
	f=$(ls "$DEB_DIR"/"${pkg}"_*"${ver//:/%3a}"_"$arch".deb 2>/dev/null | head -1 || true)
	if [ -z "$f" ]; then
		(cd "$DEB_DIR" && private_apt -o APT::Architecture="$apt_arch" -o APT::Architectures="$apt_arch" \
			download "$pkg=$ver" >/dev/null) || die "could not download $pkg $ver ($arch)"
		f=$(ls "$DEB_DIR"/"${pkg}"_*_"$arch".deb | grep -F "$(echo "$ver" | sed 's/^[0-9]*://')" | head -1)
	fi
	echo "$f"
}

# Linux sources: the newest revision of each series the kernel matrix
# (scripts/kernels.sh) builds.
fetch_linux_source() {
	local series=$1 dir="$RPMSG_CACHE/linux-source-$1" kver deb tarball
	[ -f "$dir/.unpacked" ] && return 0
	update_private_lists
	kver=$(newest_version "linux-source-$series")
	[ -n "$kver" ] || die "no linux-source-$series in trixie/trixie-backports/sid"
	say "linux-source-$series $kver"
	deb=$(fetch_deb "linux-source-$series" "$kver" all)
	rm -rf "$dir" && mkdir -p "$dir"
	dpkg -x "$deb" "$dir"
	tarball=$(ls "$dir"/usr/src/linux-source-"$series"*.tar.xz)
	echo "$kver" >"$dir/version"
	ln -sf "$tarball" "$dir/linux.tar.xz"
	touch "$dir/.unpacked"
}
source "$PROJECT_ROOT/scripts/kernels.sh"
for series in $(kernel_series_all); do
	fetch_linux_source "$series"
done

# QEMU source: bookworm's qemu package, built by scripts/qemu.sh with the
# project's mailbox model.
QSRC_DIR="$RPMSG_CACHE/qemu-source"
if [ ! -f "$QSRC_DIR/version" ]; then
	update_private_lists
	rm -rf "$QSRC_DIR" && mkdir -p "$QSRC_DIR"
	(cd "$QSRC_DIR" && private_apt source --download-only qemu >download.log 2>&1) ||
		die "could not download the qemu source package (log: $QSRC_DIR/download.log)"
	dsc=$(ls "$QSRC_DIR"/qemu_*.dsc)
	qver=$(sed -n 's/^Version: //p' "$dsc")
	[ -n "$qver" ] || die "no Version in $dsc"
	say "qemu source $qver"
	echo "$qver" >"$QSRC_DIR/version"
fi

# rust-src of exactly this rustc's version: rustup first, Debian's as fallback.
RUST_SRC_LINK="$RPMSG_CACHE/rust-src-$RUSTC_VERSION"
if [ ! -d "$RUST_SRC_LINK/library/core" ]; then
	sysroot_src="$(rustc --print sysroot)/lib/rustlib/src/rust"
	if [ ! -d "$sysroot_src/library/core" ]; then
		rustup component add rust-src >/dev/null 2>&1 || true
	fi
	if [ -d "$sysroot_src/library/core" ]; then
		ln -sfn "$sysroot_src" "$RUST_SRC_LINK"
	else
		update_private_lists
		rver=$(newest_version rust-src "$RUSTC_VERSION\+")
		[ -n "$rver" ] || die "no rust-src for rustc $RUSTC_VERSION: rustup failed and Debian has none of that version"
		say "rust-src $rver (Debian)"
		deb=$(fetch_deb rust-src "$rver" all)
		mkdir -p "$RPMSG_CACHE/debian-rust-src"
		dpkg -x "$deb" "$RPMSG_CACHE/debian-rust-src"
		ln -sfn "$RPMSG_CACHE/debian-rust-src/usr/src/rustc-$RUSTC_VERSION" "$RUST_SRC_LINK"
		[ -d "$RUST_SRC_LINK/library/core" ] || die "Debian rust-src $rver has no library/ for $RUSTC_VERSION"
		# Userspace arm64 builds with -Zbuild-std find it through the sysroot.
		[ -e "$sysroot_src" ] || { mkdir -p "$(dirname "$sysroot_src")"; ln -sfn "$RUST_SRC_LINK" "$sysroot_src"; }
	fi
fi

# arm64 std for the userspace tools (rpmsg_echo); -Zbuild-std is the fallback.
if ! rustup target list --installed 2>/dev/null | grep -q aarch64-unknown-linux-gnu; then
	rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 ||
		echo "note: rustup target add failed; userspace builds fall back to -Zbuild-std"
fi

# The bare-metal target of the board's remote firmware (rust/remote_fw).
if ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-none; then
	say "rustup target add aarch64-unknown-none"
	rustup target add aarch64-unknown-none >/dev/null || die "could not add the Rust target aarch64-unknown-none"
fi

# 32-bit ARM std for the tools on the ARMv7 board (kernel 7.3-arm).
if ! rustup target list --installed 2>/dev/null | grep -qx armv7-unknown-linux-gnueabihf; then
	rustup target add armv7-unknown-linux-gnueabihf >/dev/null 2>&1 ||
		echo "note: rustup target add failed; 32-bit userspace builds fall back to -Zbuild-std"
fi

# busybox-static for the initramfs: arm64, and armhf for the ARMv7 board
# (armhf indexes come from bookworm only).
fetch_busybox() { # debian-arch cache-dir
	local arch=$1 dir=$2 bver deb
	[ -x "$dir/bin/busybox" ] && return 0
	update_private_lists
	bver=$(apt-cache -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		madison busybox-static | awk -F'|' '$3 ~ /Packages/ {gsub(/ /,"",$2); print $2}' | sort -V | head -1)
	[ -n "$bver" ] || die "no $arch busybox-static found"
	deb=$(fetch_deb busybox-static "$bver" "$arch")
	rm -rf "$dir" && mkdir -p "$dir"
	dpkg -x "$deb" "$dir"
	[ -x "$dir/bin/busybox" ] || die "busybox-static ($arch) package had no bin/busybox"
}
fetch_busybox arm64 "$RPMSG_CACHE/busybox"
fetch_busybox armhf "$RPMSG_CACHE/busybox-armhf"

# dtschema for the binding checks.
if [ ! -x "$RPMSG_CACHE/venv/bin/dt-validate" ]; then
	say "pip install dtschema"
	python3 -m venv "$RPMSG_CACHE/venv" || die "python3 venv failed"
	"$RPMSG_CACHE/venv/bin/pip" -q install dtschema || die "could not install dtschema from PyPI"
fi

echo "setup: all present (cache $RPMSG_CACHE)"
