# timeout: 90
# cost: 12
# remotes: firmware
# doorbells: mailbox
# expect-splat: blocked for more than
# boot-order: 60
# Runner self-test: insmod sleeps uninterruptibly for 12 s in the module's
# init, past the hung-task timeout this scenario sets (5 s; every other run
# keeps the rig kernel's 30 s). The host side passes this scenario only if
# the runner fails it and names the hung task. The detector checks every
# second here, so the task is reported about 6 s into its sleep.
check "hung-task timeout 5 s" sh -c 'echo 5 > /proc/sys/kernel/hung_task_timeout_secs'
check "hung-task detector checks every second" sh -c 'echo 1 > /proc/sys/kernel/hung_task_check_interval_secs'
check "splat_trigger kind=4 (hang) loads after its 12 s sleep" insmod /modules/splat_trigger.ko kind=4
