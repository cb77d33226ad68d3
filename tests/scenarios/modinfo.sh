# timeout: 120
# remotes: firmware
# doorbells: mailbox
# modinfo lists the seven of: aliases, so modprobe/udev autoload the driver.
kdir=/lib/modules/$(uname -r)
mkdir -p $kdir/extra
cp /modules/rockchip_rpmsg.ko $kdir/extra/
echo "extra/rockchip_rpmsg.ko:" > $kdir/modules.dep
modinfo rockchip_rpmsg >/tmp/modinfo.txt 2>&1
sed 's/^/# /' /tmp/modinfo.txt
for c in rockchip,rpmsg rockchip,rk3506-rpmsg rockchip,rk3562-rpmsg rockchip,rk3568-rpmsg rockchip,rk3576-rpmsg rockchip,rk3588-rpmsg rockchip,rpmsg-softirq; do
	check "alias of:N*T*C$c" grep -qF "of:N*T*C${c}C*" /tmp/modinfo.txt
done
check_eq "seven compatibles, two OF aliases each" 14 "$(grep -c 'alias: *of:' /tmp/modinfo.txt)"
