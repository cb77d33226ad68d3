# timeout: 120
# cost: 3
# remotes: firmware
# doorbells: mailbox
# overlay: broken-rproc
# Remote-core nodes with one mistake each (no rockchip,mpidr, no firmware
# region, a firmware region with no room for an image, a CPU PSCI does not
# know) each fail their probe with an error naming the mistake; the valid
# remote processor beside them starts and serves the link.
check "rig up (the valid remote processor probes next to the broken ones)" load_rig log_messages=0
check "echo with the valid remote" rpmsg_echo --count 3 --quiet
check_eq "only the valid node is a remote processor" 1 "$(ls -d /sys/class/remoteproc/remoteproc* | grep -c .)"

# rproc_probe_failed NODE ERRNO: the driver core says NODE's probe failed.
rproc_probe_failed() {
	klog | grep -qE "$1: probe with driver rockchip_rproc failed with error $2\$"
}
check_klog "no rockchip,mpidr: named" "rockchip_rproc bad-rproc-nompidr: /bad-rproc-nompidr: property 'rockchip,mpidr' is missing"
check "no rockchip,mpidr: the probe fails with EINVAL" rproc_probe_failed bad-rproc-nompidr -22
check_klog "no firmware region: named" \
	"rockchip_rproc bad-rproc-nomem: memory-region: no \"firmware\" entry (a no-map reserved-memory region) (error -22)"
check "no firmware region: the probe fails with EINVAL" rproc_probe_failed bad-rproc-nomem -22
check_klog "a firmware region without room for an image: named" \
	"rockchip_rproc bad-rproc-tiny: memory-region \"firmware\": 0x10000 bytes leave no room for an image below the 0x10000-byte log ring and lifecycle page"
check "a firmware region without room for an image: the probe fails with EINVAL" rproc_probe_failed bad-rproc-tiny -22
check_klog "a CPU PSCI does not know: named" \
	"rockchip_rproc bad-rproc-nocpu: PSCI AFFINITY_INFO for CPU 0x7 failed: InvalidParameters"
check "a CPU PSCI does not know: no driver bound (ENODEV, which the driver core does not print)" \
	test ! -e /sys/bus/platform/devices/bad-rproc-nocpu/driver
check_audit
check "unload" unload_rig
