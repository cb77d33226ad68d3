# Shared settings for every script; sourced, never run.
# The cache lives outside the checkout so fresh clones reuse the kernel build.
RPMSG_CACHE="${RPMSG_CACHE:-/var/cache/rockchip-rpmsg}"
LLVM_SUFFIX="${LLVM_SUFFIX:--19}"
export LIBCLANG_PATH="${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}"
export PATH="$HOME/.cargo/bin:$PATH"
# Empty without rustc, so that a script can say so itself (setup.sh installs it).
RUSTC_VERSION="$(rustc --version 2>/dev/null | awk '{print $2}')" || RUSTC_VERSION=""
APT_DIR="$RPMSG_CACHE/apt"
# Cargo's target directories: cargo keys each artefact by its sources,
# flags and toolchain, so every clone may share them (a clone's own crates
# are built again; the crates.io dependencies are not).
CARGO_CACHE="$RPMSG_CACHE/cargo"
DEB_DIR="$RPMSG_CACHE/debs"
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() { echo "error: $*" >&2; exit 1; }
say() { echo ">>> $*"; }

# apt-get through a private configuration: the system's sources stay untouched.
private_apt() {
	apt-get -q -o Dir::Etc::sourcelist="$APT_DIR/sources.list" \
		-o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status="$APT_DIR/status" "$@"
}
