# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-mboxnames
# A node with mbox-names other than "rpmsg-rx", "rpmsg-tx" fails its probe.
broken_dt_case bad-mboxnames -22 'mbox-names: needs "rpmsg-rx" and "rpmsg-tx"'
