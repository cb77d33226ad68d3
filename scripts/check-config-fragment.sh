#!/bin/bash
# Checks kernel/board-rpmsg.config, the fragment a board kernel merges onto
# its own config: merged onto the reference kernel's (Linux 7.3) arm64
# defconfig, every option in
# it must still have its value after olddefconfig. Prints TAP; exit 0 only
# if all passed.
#
#   make O=build/config-check ARCH=arm64 LLVM=-19 defconfig
#   scripts/kconfig/merge_config.sh -m -O build/config-check .config <fragment>
#   make O=build/config-check ... olddefconfig
#
# Configuration only: nothing is compiled but kconfig's own host tools, and
# nothing is written to the kernel source. The source is the reference
# kernel's (scripts/kernel.sh dir) if that tree is clean enough for O=;
# the cached one is an in-tree build, which kbuild refuses as an O= source,
# so then the Kconfig, Makefile and scripts files of the same version are
# extracted once from the cached linux-source tarball into
# build/config-check-src/<version>/ (about 20 s; later runs reuse it).
#
# Environment: KSRC (a clean kernel source to use instead), ARCH (arm64),
# DEFCONFIG (defconfig), FRAGMENT (kernel/board-rpmsg.config).
# A fragment line "# implied: CONFIG_X=y" is checked but not merged: for
# options without a prompt, which only a select or default can set.
set -uo pipefail
source "$(dirname "$0")/env.sh"

root="$PROJECT_ROOT"
fragment="${FRAGMENT:-$root/kernel/board-rpmsg.config}"
arch="${ARCH:-arm64}"
defconfig="${DEFCONFIG:-defconfig}"
out="$root/build/config-check"
rust_lib_src="$RPMSG_CACHE/rust-src-$RUSTC_VERSION/library"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { # title [reason lines...]
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local line
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/# /'; done
}
bail() { echo "Bail out! $*"; exit 1; }

[ -r "$fragment" ] || bail "no fragment $fragment"

# A tree kbuild accepts as an O= source: no in-tree configuration or build.
clean_source() { # dir
	[ -f "$1/Makefile" ] && [ -f "$1/Kconfig" ] && [ ! -e "$1/.config" ] &&
		[ ! -d "$1/include/config" ] && [ ! -d "$1/arch/$arch/include/generated" ]
}

# Kconfig, Makefiles and scripts of the cached kernel version, from the
# tarball the reference kernel was unpacked from.
scratch_source() {
	local series
	series=$(source "$root/scripts/kernels.sh" && kernel_select "$(reference_kernel)" && echo "$K_SERIES")
	local tarball="$RPMSG_CACHE/linux-source-$series/linux.tar.xz"
	local version_file="$RPMSG_CACHE/linux-source-$series/version"
	[ -f "$tarball" ] && [ -f "$version_file" ] || bail "no kernel source in $RPMSG_CACHE (run scripts/setup.sh)"
	local version; version="$(cat "$version_file")"
	local src="$root/build/config-check-src/$version"
	local want; want="$version $(stat -Lc '%s %Y' "$tarball")"
	if [ "$(cat "$src/.extracted" 2>/dev/null)" != "$want" ]; then
		rm -rf "$src" && mkdir -p "$src" || bail "cannot create $src"
		tar -xJf "$tarball" -C "$src" --strip-components=1 --wildcards --wildcards-match-slash \
			'*/Kconfig*' '*/Makefile*' '*/Kbuild*' '*/scripts/*' '*/configs/*' \
			'*/arch/*/tools/*' '*/include/uapi/asm-generic/*' '*/.clippy.toml' 2>"$src.log" ||
			{ cat "$src.log" >&2; rm -rf "$src"; bail "cannot extract $tarball"; }
		echo "$want" >"$src/.extracted"
	fi
	echo "$src"
}

if [ -n "${KSRC:-}" ]; then
	ksrc="$KSRC"
	clean_source "$ksrc" || bail "KSRC=$ksrc is not a clean kernel source (configured or built in place?)"
else
	cached="$("$root/scripts/kernel.sh" dir)" || bail "scripts/kernel.sh dir failed"
	if clean_source "$cached"; then
		ksrc="$cached"
	else
		ksrc="$(scratch_source)" || exit 1
	fi
fi

kmake() {
	make -C "$ksrc" O="$out" ARCH="$arch" LLVM="$LLVM_SUFFIX" RUST_LIB_SRC="$rust_lib_src" "$@"
}

rm -rf "$out"
mkdir -p "$out"
log="$out/config-check.log"

if ! kmake "$defconfig" >"$log" 2>&1; then
	tail -20 "$log" | sed 's/^/# /'
	bail "make $defconfig failed (source $ksrc, log $log)"
fi
if ! (cd "$out" && ARCH="$arch" LLVM="$LLVM_SUFFIX" "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$fragment") >>"$log" 2>&1; then
	tail -20 "$log" | sed 's/^/# /'
	bail "merge_config.sh failed (log $log)"
fi
if ! kmake olddefconfig >>"$log" 2>&1; then
	tail -20 "$log" | sed 's/^/# /'
	bail "make olddefconfig failed (log $log)"
fi
echo "# source $ksrc, ARCH=$arch, $defconfig + ${fragment#"$root"/}, result $out/.config"

config="$out/.config"

# What the merged config says about CONFIG_X.
actual() { # CONFIG_X
	grep -E "^$1=|^# $1 is not set\$" "$config" || echo "absent from .config"
}
# The dependency lines of CONFIG_X's Kconfig entry (its first definition).
depends() { # CONFIG_X
	local sym="${1#CONFIG_}" file
	file="$(grep -rlE "^[[:space:]]*(menu)?config $sym\$" --include='Kconfig*' "$ksrc" 2>/dev/null | head -1)"
	[ -n "$file" ] || { echo "no 'config $sym' in any Kconfig of this kernel"; return; }
	awk -v sym="$sym" -v f="${file#"$ksrc"/}" '
		$0 ~ "^[[:space:]]*(menu)?config " sym "$" { on = 1; print f ": " $0; next }
		on && /^[[:space:]]*(menu)?config |^[[:space:]]*(endmenu|endif|choice|menu )/ { exit }
		on && /^[[:space:]]*(depends on|select|bool|tristate|def_bool|def_tristate)/ { print "  " $0 }
	' "$file"
}

while IFS= read -r line; do
	implied=""
	case "$line" in
	"# implied: CONFIG_"*) implied=1; line="${line#"# implied: "}" ;;
	CONFIG_*=* | "# CONFIG_"*" is not set") ;;
	*) continue ;;
	esac
	case "$line" in
	"# "*) sym="${line#"# "}"; sym="${sym%" is not set"}" ;;
	*) sym="${line%%=*}" ;;
	esac
	if [ -n "$implied" ]; then title="$line is implied (no prompt; selected by other options)"
	else title="$line survives olddefconfig"; fi

	if grep -qxF -- "$line" "$config" ||
		{ case "$line" in "# "*) ! grep -q "^$sym=" "$config" ;; *) false ;; esac; }; then
		ok "$title"
		continue
	fi
	reasons=("now: $(actual "$sym")")
	while IFS= read -r dep; do reasons+=("$dep"); done < <(depends "$sym")
	if [ "$sym" = CONFIG_RUST ]; then
		reasons+=("make rustavailable says:")
		while IFS= read -r dep; do reasons+=("  $dep"); done < <(kmake -s rustavailable 2>&1 | tail -8)
	fi
	not_ok "$title" "${reasons[@]}"
done <"$fragment"

((n > 0)) || bail "no CONFIG_ lines in $fragment"
echo "1..$n"
exit $((failed > 0))
