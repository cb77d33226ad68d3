# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-nomboxes
# A node with no mboxes fails its probe.
broken_dt_case bad-nomboxes -22 "mboxes: missing (rx and tx doorbell channels)"
