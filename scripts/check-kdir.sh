#!/bin/bash
# Refuses a KDIR that cannot build Rust modules, saying why.
set -euo pipefail
kdir=${1:-}
die() { echo "error: KDIR=$kdir: $*" >&2; exit 2; }
[ -n "$kdir" ] || die "empty; pass KDIR=/path/to/a/built/kernel/tree"
[ -d "$kdir" ] || die "no such directory"
[ -f "$kdir/Makefile" ] || die "not a kernel tree (no Makefile)"
[ -f "$kdir/.config" ] || die "not configured (no .config); configure and build the kernel first"
grep -q '^CONFIG_RUST=y' "$kdir/.config" || die "CONFIG_RUST is not enabled; see the README's board-kernel section"
grep -q '^CONFIG_MODULES=y' "$kdir/.config" || die "CONFIG_MODULES is not enabled"
[ -f "$kdir/Module.symvers" ] || die "not built (no Module.symvers); run 'make modules' in the kernel tree first"
[ -f "$kdir/rust/libkernel.rmeta" ] || die "has no Rust metadata (rust/libkernel.rmeta); build the kernel with CONFIG_RUST=y"
