# timeout: 120
# cost: 2
# remotes: firmware
# doorbells: mailbox
# expect-splat: WARNING
# boot-order: 20
# Runner self-test: loads a module that raises a WARNING. The host side passes
# this scenario only if the runner fails it and names the splat.
check "splat_trigger loads" insmod /modules/splat_trigger.ko
