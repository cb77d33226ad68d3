//! Whether a remote firmware still makes progress, judged from its
//! heartbeat count at each periodic check.
//!
//! A firmware that sleeps in WFI bumps its heartbeat only when something
//! wakes it, so a still count alone means nothing: after a while the
//! checker prods it (an interrupt with nothing to do, which a live
//! firmware answers with a beat), and only a count that stays still
//! although prodded means the firmware hangs.

/// What one check concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The count moved, or has not been still for long.
    Alive,
    /// Still for a while: prod the firmware.
    Prod,
    /// Still for the whole hang bound although prodded, after `quiet_ms`.
    Hung { quiet_ms: u32 },
}

/// The checker's memory between checks.
#[derive(Debug, Clone, Copy)]
pub struct HeartbeatWatch {
    last_beat: u32,
    quiet_checks: u32,
    period_ms: u32,
    prod_after_ms: u32,
    hang_after_ms: u32,
}

impl HeartbeatWatch {
    /// A watch checked every `period_ms`, prodding after `prod_after_ms`
    /// of stillness and calling a hang after `hang_after_ms`.
    pub const fn new(period_ms: u32, prod_after_ms: u32, hang_after_ms: u32) -> Self {
        Self {
            last_beat: 0,
            quiet_checks: 0,
            period_ms,
            prod_after_ms,
            hang_after_ms,
        }
    }

    /// Forgets what earlier checks saw: the firmware starts (its count
    /// starts at 0).
    pub fn restart(&mut self) {
        self.last_beat = 0;
        self.quiet_checks = 0;
    }

    /// One check, with the count read now.
    pub fn check(&mut self, beat: u32) -> Verdict {
        if beat != self.last_beat {
            self.last_beat = beat;
            self.quiet_checks = 0;
            return Verdict::Alive;
        }
        self.quiet_checks = self.quiet_checks.saturating_add(1);
        let quiet_ms = self.quiet_checks.saturating_mul(self.period_ms);
        if quiet_ms >= self.hang_after_ms {
            Verdict::Hung { quiet_ms }
        } else if quiet_ms >= self.prod_after_ms {
            Verdict::Prod
        } else {
            Verdict::Alive
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch() -> HeartbeatWatch {
        HeartbeatWatch::new(100, 500, 2000)
    }

    #[test]
    fn a_moving_count_is_alive_and_never_prodded() {
        let mut w = watch();
        for beat in 1..100 {
            assert_eq!(w.check(beat), Verdict::Alive);
        }
    }

    #[test]
    fn a_quiet_firmware_is_prodded_after_the_prod_bound_then_hung() {
        let mut w = watch();
        let mut verdicts = [Verdict::Alive; 20];
        for v in verdicts.iter_mut() {
            *v = w.check(0);
        }
        // Checks 1..4 (100..400 ms): alive; 5..19 (500..1900 ms): prod;
        // 20 (2000 ms): hung.
        assert!(verdicts[..4].iter().all(|v| *v == Verdict::Alive));
        assert!(verdicts[4..19].iter().all(|v| *v == Verdict::Prod));
        assert_eq!(verdicts[19], Verdict::Hung { quiet_ms: 2000 });
    }

    #[test]
    fn a_beat_answering_the_prod_starts_the_quiet_time_over() {
        let mut w = watch();
        for _ in 0..5 {
            w.check(0);
        }
        assert_eq!(w.check(1), Verdict::Alive);
        for _ in 0..4 {
            assert_eq!(w.check(1), Verdict::Alive);
        }
        assert_eq!(w.check(1), Verdict::Prod);
    }

    #[test]
    fn a_count_that_wraps_still_moves() {
        let mut w = watch();
        assert_eq!(w.check(u32::MAX), Verdict::Alive);
        assert_eq!(w.check(0), Verdict::Alive);
    }

    #[test]
    fn restart_forgets_the_quiet_time() {
        let mut w = watch();
        for _ in 0..19 {
            w.check(7);
        }
        w.restart();
        // The new run's first count (0) differs from the old one's.
        assert_eq!(w.check(0), Verdict::Alive);
        assert_eq!(w.check(0), Verdict::Alive);
    }

    #[test]
    fn long_stillness_does_not_overflow() {
        let mut w = HeartbeatWatch::new(u32::MAX / 2, 1, u32::MAX);
        for _ in 0..10 {
            w.check(0);
        }
        assert!(matches!(w.check(0), Verdict::Hung { .. }));
    }
}
