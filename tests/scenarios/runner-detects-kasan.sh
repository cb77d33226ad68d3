# timeout: 120
# cost: 2
# remotes: firmware
# doorbells: mailbox
# expect-splat: KASAN: slab-out-of-bounds
# boot-order: 30
# Runner self-test: loads a module that reads one byte past a heap
# allocation. The host side passes this scenario only if the runner fails it
# and names the KASAN report.
check "splat_trigger kind=1 (KASAN) loads" insmod /modules/splat_trigger.ko kind=1
