//! Host tests of the device-tree node rules (src/node_rules.rs).

use proptest::prelude::*;
use rpmsg_proto::node_rules::*;
use rpmsg_proto::shared_mem::{WireAddr, WireSize};

/// The QEMU board's valid mailbox node.
fn board() -> NodeFacts {
    NodeFacts {
        vring: Some((0x47a0_0000, 0x10000)),
        link_id: Some(0x03),
        vdev_nums: VdevNums::Absent,
        doorbells: DoorbellFacts::Mailbox {
            mboxes: true,
            rx_named: true,
            tx_named: true,
        },
        memory_region: true,
    }
}

fn fails(facts: NodeFacts) -> (NodeErrno, String) {
    let err = validate(&facts).expect_err("the node should be refused");
    (err.errno(), err.to_string())
}

#[test]
fn the_board_node_is_valid() {
    assert_eq!(
        validate(&board()),
        Ok(ValidNode {
            link_id: 3,
            vdev_nums: 1
        })
    );
}

// Each mistake of tests/overlays/broken-dt*.dtso, with the errno and the
// exact line the broken-dt scenario expects in dmesg.
#[test]
fn each_mistake_has_its_errno_and_message() {
    let inval = NodeErrno::Invalid;
    let range = NodeErrno::OutOfRange;
    let cases: [(NodeFacts, NodeErrno, &str); 10] = [
        (
            NodeFacts {
                vring: None,
                ..board()
            },
            inval,
            "reg: missing (the vring region)",
        ),
        (
            NodeFacts {
                vring: Some((0x47ac_0100, 0x10000)),
                ..board()
            },
            inval,
            "reg: vring region 0x47ac0100 is not aligned to 0x1000",
        ),
        (
            NodeFacts {
                link_id: None,
                ..board()
            },
            inval,
            "rockchip,link-id: missing (required, 0..0xff)",
        ),
        (
            NodeFacts {
                link_id: Some(0x100),
                ..board()
            },
            range,
            "rockchip,link-id: 0x100 is out of range 0..0xff",
        ),
        (
            NodeFacts {
                vdev_nums: VdevNums::Value(0),
                ..board()
            },
            range,
            "rockchip,vdev-nums: 0 is out of range 1..12",
        ),
        (
            NodeFacts {
                vdev_nums: VdevNums::Value(13),
                ..board()
            },
            range,
            "rockchip,vdev-nums: 13 is out of range 1..12",
        ),
        (
            NodeFacts {
                vring: Some((0x47a2_0000, 0x8000)),
                ..board()
            },
            inval,
            "reg: vring region of 0x8000 bytes is too small for 1 vdevs (needs 0x10000)",
        ),
        (
            NodeFacts {
                doorbells: DoorbellFacts::Mailbox {
                    mboxes: false,
                    rx_named: true,
                    tx_named: true,
                },
                ..board()
            },
            inval,
            "mboxes: missing (rx and tx doorbell channels)",
        ),
        (
            NodeFacts {
                doorbells: DoorbellFacts::Interrupts { present: false },
                ..board()
            },
            inval,
            "interrupts: missing (tx and rx doorbell lines)",
        ),
        (
            NodeFacts {
                memory_region: false,
                ..board()
            },
            inval,
            "memory-region: missing (a shared-dma-pool for the buffers)",
        ),
    ];
    for (facts, errno, message) in cases {
        assert_eq!(fails(facts), (errno, message.to_string()), "{facts:?}");
    }
    for (rx_named, tx_named) in [(false, true), (true, false), (false, false)] {
        let facts = NodeFacts {
            doorbells: DoorbellFacts::Mailbox {
                mboxes: true,
                rx_named,
                tx_named,
            },
            ..board()
        };
        assert_eq!(
            fails(facts),
            (
                inval,
                "mbox-names: needs \"rpmsg-rx\" and \"rpmsg-tx\"".to_string()
            )
        );
    }
    assert_eq!(
        fails(NodeFacts {
            vdev_nums: VdevNums::NotU32,
            ..board()
        }),
        (inval, "rockchip,vdev-nums: not a u32".to_string())
    );
}

#[test]
fn a_region_above_4_gib_prints_in_full() {
    let (_, message) = fails(NodeFacts {
        vring: Some((0x1_0000_0100, 0x10000)),
        ..board()
    });
    assert_eq!(
        message,
        "reg: vring region 0x100000100 is not aligned to 0x1000"
    );
}

#[test]
fn a_node_with_two_mistakes_reports_the_first_in_reading_order() {
    let (_, message) = fails(NodeFacts {
        link_id: Some(0x100),
        memory_region: false,
        ..board()
    });
    assert!(message.starts_with("rockchip,link-id:"), "{message}");
    let (_, message) = fails(NodeFacts {
        vring: Some((0x47a0_0000, 0x8000)),
        doorbells: DoorbellFacts::Interrupts { present: false },
        ..board()
    });
    assert!(message.starts_with("reg:"), "{message}");
}

fn any_facts() -> impl Strategy<Value = NodeFacts> {
    let vring = proptest::option::weighted(
        0.9,
        (
            prop_oneof![any::<WireAddr>(), (0u64..0x1_0000).prop_map(|p| p * 0x1000)],
            prop_oneof![any::<WireSize>(), (0u64..=13).prop_map(|n| n * 0x10000)],
        ),
    );
    let link_id = proptest::option::weighted(0.9, prop_oneof![0u32..0x100, any::<u32>()]);
    let vdev_nums = prop_oneof![
        Just(VdevNums::Absent),
        Just(VdevNums::NotU32),
        (0u32..16).prop_map(VdevNums::Value),
        any::<u32>().prop_map(VdevNums::Value),
    ];
    let doorbells = prop_oneof![
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(mboxes, rx_named, tx_named)| {
            DoorbellFacts::Mailbox {
                mboxes,
                rx_named,
                tx_named,
            }
        }),
        any::<bool>().prop_map(|present| DoorbellFacts::Interrupts { present }),
    ];
    (vring, link_id, vdev_nums, doorbells, any::<bool>()).prop_map(
        |(vring, link_id, vdev_nums, doorbells, memory_region)| NodeFacts {
            vring,
            link_id,
            vdev_nums,
            doorbells,
            memory_region,
        },
    )
}

proptest! {
    // Accepted exactly when every rule holds, and what is accepted is
    // what the node says.
    #[test]
    fn accepts_exactly_the_nodes_that_keep_every_rule(facts in any_facts()) {
        let vdevs = match facts.vdev_nums {
            VdevNums::Absent => Some(1u32),
            VdevNums::NotU32 => None,
            VdevNums::Value(n) => Some(n),
        };
        let doorbells_ok = match facts.doorbells {
            DoorbellFacts::Mailbox { mboxes, rx_named, tx_named } => mboxes && rx_named && tx_named,
            DoorbellFacts::Interrupts { present } => present,
        };
        let keeps_every_rule = match (facts.vring, facts.link_id, vdevs) {
            (Some((base, size)), Some(link), Some(n)) => {
                base % 0x1000 == 0
                    && link <= 0xff
                    && (1..=12).contains(&n)
                    && size >= u64::from(n) * 0x10000
                    && doorbells_ok
                    && facts.memory_region
            }
            _ => false,
        };
        match validate(&facts) {
            Ok(node) => {
                prop_assert!(keeps_every_rule);
                prop_assert_eq!(Some(u32::from(node.link_id)), facts.link_id);
                prop_assert_eq!(Some(node.vdev_nums as u32), vdevs);
            }
            Err(err) => {
                prop_assert!(!keeps_every_rule);
                // The message names a property of the node.
                let message = err.to_string();
                let named = ["reg:", "rockchip,link-id:", "rockchip,vdev-nums:", "mboxes:",
                    "mbox-names:", "interrupts:", "memory-region:"];
                prop_assert!(named.iter().any(|p| message.starts_with(p)), "{}", message);
            }
        }
    }
}
