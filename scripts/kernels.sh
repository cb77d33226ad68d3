# The kernels this project builds and tests against; sourced, never run.
# The first row is the reference kernel: the full suite runs on it, the
# core set on the others (scripts/test.sh).
#
#   name     series  toolchain  arch
KERNEL_MATRIX=(
	"7.3     7.3     llvm       arm64"
	"7.2     7.2     llvm       arm64"
	"7.3-gcc 7.3     gcc        arm64"
	"7.3-arm 7.3     llvm       arm"
)

reference_kernel() { set -- ${KERNEL_MATRIX[0]}; echo "$1"; }
kernel_names() { local row; for row in "${KERNEL_MATRIX[@]}"; do set -- $row; echo "$1"; done; }
kernel_series_all() { local row; for row in "${KERNEL_MATRIX[@]}"; do set -- $row; echo "$2"; done | sort -u; }

# kernel_select NAME: sets K_NAME, K_SERIES, K_TOOLCHAIN and K_ARCH; fails
# for a name the matrix does not have.
kernel_select() {
	local row WANTED_KERNEL=$1
	for row in "${KERNEL_MATRIX[@]}"; do
		set -- $row
		if [ "$1" = "${WANTED_KERNEL:-}" ]; then
			K_NAME=$1 K_SERIES=$2 K_TOOLCHAIN=$3 K_ARCH=$4
			return 0
		fi
	done
	return 1
}
