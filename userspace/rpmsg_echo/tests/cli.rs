//! Runs the built binary on the host, where no rpmsg devices exist: checks the
//! exit codes of the paths that need no remote core.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rpmsg_echo"))
        .args(args)
        .output()
        .expect("run rpmsg_echo")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_exits_0_and_lists_exit_codes() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "--count",
        "--size",
        "--timeout",
        "--ctrl",
        "--name",
        "--src",
        "--dst",
        "--quiet",
        "--bench",
        "--window",
        "--oneway",
        "--sink",
        "--ready-file",
        "Exit codes",
        "130",
    ] {
        assert!(text.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &["--bogus"][..],
        &["--count"],
        &["--count", "0"],
        &["--window", "65"],
        &["x"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn too_large_exits_8() {
    let o = run(&["--size", "497"]);
    assert_eq!(o.status.code(), Some(8));
    assert!(stderr(&o).contains("496"), "{}", stderr(&o));
}

#[test]
fn missing_control_device_exits_3() {
    let o = run(&["--ctrl", "/nonexistent/rpmsg_ctrl9"]);
    assert_eq!(o.status.code(), Some(3));
    let e = stderr(&o);
    assert!(
        e.contains("rpmsg_char") && e.contains("rockchip_rpmsg"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1);
}

#[test]
fn default_run_without_rpmsg_exits_3() {
    if std::fs::read_dir("/dev")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("rpmsg_ctrl"))
        })
        .unwrap_or(false)
    {
        return; // a real rpmsg machine: nothing to check here
    }
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("no rpmsg control device"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn non_rpmsg_device_refuses_the_ioctl_with_4() {
    // /dev/null opens fine but rejects the create ioctl (ENOTTY).
    let o = run(&["--ctrl", "/dev/null"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("RPMSG_CREATE_EPT_IOCTL"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_mode_combinations_exit_2() {
    for args in [
        &["--oneway"][..],
        &["--sink", "--dst", "0x3003"],
        &["--bench", "--oneway", "--sink"],
        &["--bench", "--oneway", "--window", "4"],
        &["--bench", "--sink", "--window", "1"],
        &["--bench", "--sink", "--size", "64"],
        &["--bench", "--sink", "--ready-file"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn modes_without_a_control_device_exit_3_silently() {
    let dir = std::env::temp_dir().join(format!("rpmsg_echo-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ready = dir.join("ready");
    for mode in ["--oneway", "--sink"] {
        // A stale ready file from an earlier run is removed, and no new one is
        // made since no endpoint was opened.
        std::fs::write(&ready, "").unwrap();
        let o = run(&[
            "--bench",
            mode,
            "--dst",
            "0x3003",
            "--ctrl",
            "/nonexistent/rpmsg_ctrl9",
            "--ready-file",
            ready.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(3), "{mode}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{mode}");
        assert!(!ready.exists(), "{mode}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
