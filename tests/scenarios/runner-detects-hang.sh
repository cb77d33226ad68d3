# timeout: 150
# remotes: firmware
# doorbells: mailbox
# expect-splat: blocked for more than
# Runner self-test: insmod sleeps uninterruptibly for 50 s in the module's
# init, past the hung-task timeout (30 s). The host side passes this scenario
# only if the runner fails it and names the hung task.
# The detector checks every timeout (30 s) by default, so a task is reported
# 30-60 s into its sleep; checking every 5 s keeps the 30 s timeout and
# reports it within 35 s.
check "hung-task detector checks every 5 s" sh -c 'echo 5 > /proc/sys/kernel/hung_task_check_interval_secs'
check "splat_trigger kind=4 (hang) loads after its 50 s sleep" insmod /modules/splat_trigger.ko kind=4
