# timeout: 120
# cost: 2
# remotes: firmware
# doorbells: mailbox
# expect-splat: possible circular locking dependency
# boot-order: 10
# Runner self-test: loads a module that takes two mutexes A->B, then B->A.
# The host side passes this scenario only if the runner fails it and names
# lockdep's report.
check "splat_trigger kind=2 (lockdep) loads" insmod /modules/splat_trigger.ko kind=2
