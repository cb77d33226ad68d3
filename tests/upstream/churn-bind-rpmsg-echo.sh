# timeout: 600
# Not part of `make test`: unbind / bind while rpmsg_echo creates and
# destroys endpoints through /dev/rpmsg_ctrl0. On 7.2 this soon ends in a
# KASAN use-after-free in upstream rpmsg_char: rpmsg_chrdev_eptdev_destroy()
# runs twice for one endpoint device, once from RPMSG_DESTROY_EPT_IOCTL and
# once from the control device's removal (device_for_each_child), and both
# call cdev_device_del() and put_device() (klist_del WARNING, refcount
# underflow). tests/scenarios/churn-bind.sh drives traffic through the
# channel's own endpoint device instead, which has no destroy ioctl.
# Run: cp tests/upstream/churn-bind-rpmsg-echo.sh tests/scenarios/ &&
# make test SCENARIO=churn-bind-rpmsg-echo CYCLES=50
CHURN_TRAFFIC=rpmsg_echo
. /scenarios/churn-bind.sh
