#!/bin/bash
# Compiles every dts/*.dtso into build/dts/<name>.dtbo with `dtc -@`.
# dtc warnings count as errors: the overlays must compile clean, with no
# -W suppressions. References to labels of the board DT (&mailbox0, ...)
# become __fixups__ and are resolved when the overlay is applied.
#
# Environment: DTC (default: dtc), OUT_DIR (default: build/dts).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dtc="${DTC:-dtc}"
out="${OUT_DIR:-$root/build/dts}"

command -v "$dtc" >/dev/null || { echo "error: $dtc not found (apt-get install device-tree-compiler)" >&2; exit 1; }
mkdir -p "$out"

shopt -s nullglob
sources=("$root"/dts/*.dtso)
((${#sources[@]})) || { echo "error: no dts/*.dtso" >&2; exit 1; }

status=0
built=0
for src in "${sources[@]}"; do
	name="$(basename "$src" .dtso)"
	dtbo="$out/$name.dtbo"
	log="$out/$name.dtc.log"
	if ! "$dtc" -@ -I dts -O dtb -o "$dtbo.tmp" "$src" 2>"$log"; then
		echo "FAIL $name: dtc failed" >&2
		cat "$log" >&2
		rm -f "$dtbo.tmp"
		status=1
		continue
	fi
	if [ -s "$log" ]; then
		echo "FAIL $name: dtc printed warnings (treated as errors)" >&2
		cat "$log" >&2
		rm -f "$dtbo.tmp"
		status=1
		continue
	fi
	mv "$dtbo.tmp" "$dtbo"
	rm -f "$log"
	echo "  DTC     ${dtbo#"$root"/}"
	built=$((built + 1))
done

if ((status)); then
	echo "build-dtbs: $built of ${#sources[@]} overlays built" >&2
	exit 1
fi
echo "build-dtbs: $built overlays in ${out#"$root"/}"
