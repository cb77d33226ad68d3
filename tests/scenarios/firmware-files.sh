# timeout: 180
# cost: 11
# remotes: firmware
# doorbells: mailbox
# The remote is a remote processor (remoteproc): its firmware comes from
# /lib/firmware (the node's firmware-name, then its sysfs firmware), the
# whole image is checked before any of it is written, a broken file is
# refused with its name and the reason in dmesg and nothing is started,
# and a good file starts the remote again. The broken files (scripts/bad-firmware.py) are
# the good one with one mistake each.
FW=rockchip-rpmsg/remote_fw.elf
check "rig up" load_rig log_messages=0
check_klog "the firmware file was loaded: its segments and entry point" \
	"firmware $FW: 3 segment(s), "
check_klog "the remote runs from the ELF's entry point" \
	"remote firmware running on CPU 0x1 (entry 0x47000000,"
check "echo works" rpmsg_echo --count 2 --quiet
check "unload the transport" rmmod rockchip_rpmsg
R=$(rproc_dir)
check "the remote is a remote processor ($R)" test -n "$R"
check_eq "remoteproc: its state" running "$(cat $R/state)"
check_eq "remoteproc: its firmware" "$FW" "$(cat $R/firmware)"
check "remoteproc: stop" sh -c "echo stop >$R/state"
check_eq "remoteproc: stopped" offline "$(cat $R/state)"
check_klog "dmesg: the CPU turned off" "remote firmware on CPU 0x1 stopped (CPU off after"

# refused FILE REASON: offered FILE, the start fails, dmesg names the file
# and starts with REASON, and the remote stays offline.
refused() {
	dmesg -c >/dev/null
	echo "$1" >$R/firmware
	check_fails "$1: the start fails" sh -c "echo start >$R/state"
	check_klog "$1: dmesg names the file and why" "firmware $1: $2"
	check_eq "$1: the remote stays offline" offline "$(cat $R/state)"
}
refused rockchip-rpmsg/bad/not-elf.elf "refused, nothing started: not an ELF file (no ELF magic)"
refused rockchip-rpmsg/bad/wrong-machine.elf \
	"refused, nothing started: ELF machine 40, the remote core needs 183"
refused rockchip-rpmsg/bad/truncated.elf \
	"refused, nothing started: truncated: segment 0 ends at file offset 0x"
refused rockchip-rpmsg/bad/outside.elf \
	"refused, nothing started: segment 0 at 0x40000000.."
dmesg -c >/dev/null
echo rockchip-rpmsg/no-such-file.elf >$R/firmware
check_fails "a missing file: the start fails" sh -c "echo start >$R/state"
check_klog "a missing file: the remoteproc core says so" "Direct firmware load for rockchip-rpmsg/no-such-file.elf failed"

echo "$FW" >$R/firmware
dmesg -c >/dev/null
check "the good file again: the remote starts" sh -c "echo start >$R/state"
check_eq "remoteproc: running" running "$(cat $R/state)"
check_klog "it was loaded from the file again" "firmware $FW: 3 segment(s), "
check_klog "and runs" "remote firmware running on CPU 0x1"
check "insmod the transport" insmod /modules/rockchip_rpmsg.ko
check "the remote announces its channel" wait_klog 10 "$CHRDEV_ANNOUNCED"
check "echo works" rpmsg_echo --count 3 --quiet
check_audit
check "unload" unload_rig
check_klog "unloading the helper stops the remote it started" "remote firmware on CPU 0x1 stopped"
