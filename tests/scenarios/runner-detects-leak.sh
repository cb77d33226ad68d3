# timeout: 120
# cost: 2
# remotes: firmware
# doorbells: mailbox
# expect-splat: unreferenced object
# boot-order: 40
# Runner self-test: loads a module that drops the only pointers to a few
# allocations; the guest's final kmemleak scan must report them. The host
# side passes this scenario only if the runner fails it and names the leak.
check "splat_trigger kind=3 (leak) loads" insmod /modules/splat_trigger.ko kind=3
