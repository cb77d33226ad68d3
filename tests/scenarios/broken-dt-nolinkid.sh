# timeout: 120
# remotes: firmware
# doorbells: mailbox
# overlay: broken-nolinkid
# A node with no rockchip,link-id fails its probe.
broken_dt_case bad-nolinkid -22 "rockchip,link-id: missing (required, 0..0xff)"
