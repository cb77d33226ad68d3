//! Round-trip statistics and the `--bench` JSON line.

use std::time::Duration;

/// Nearest-rank percentile of ascending `sorted` samples (`p` in 0..=100):
/// the smallest sample with at least p% of the samples at or below it.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    assert!(!sorted.is_empty(), "percentile of no samples");
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

/// p50, p99 and max of the round trips, in microseconds.
pub fn summarize(rtts: &[Duration]) -> Summary {
    if rtts.is_empty() {
        return Summary {
            p50_us: 0.0,
            p99_us: 0.0,
            max_us: 0.0,
        };
    }
    let mut ns: Vec<u64> = rtts.iter().map(|d| d.as_nanos() as u64).collect();
    ns.sort_unstable();
    let us = |v: u64| v as f64 / 1000.0;
    Summary {
        p50_us: us(percentile(&ns, 50.0)),
        p99_us: us(percentile(&ns, 99.0)),
        max_us: us(*ns.last().unwrap()),
    }
}

pub struct Bench {
    pub payload_bytes: usize,
    pub messages: u32,
    pub window: usize,
    pub summary: Summary,
    pub elapsed: Duration,
}

impl Bench {
    pub fn msgs_per_s(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.messages as f64 / s
        } else {
            0.0
        }
    }

    /// Echoed payload per second, one direction, in 10^6 bytes.
    pub fn mb_per_s(&self) -> f64 {
        self.msgs_per_s() * self.payload_bytes as f64 / 1e6
    }

    /// The single JSON line `--bench` prints.
    pub fn json(&self) -> String {
        format!(
            "{{\"payload_bytes\":{},\"messages\":{},\"window\":{},\"rtt_us\":{{\"p50\":{:.1},\"p99\":{:.1},\"max\":{:.1}}},\"msgs_per_s\":{:.1},\"mb_per_s\":{:.3}}}",
            self.payload_bytes,
            self.messages,
            self.window,
            self.summary.p50_us,
            self.summary.p99_us,
            self.summary.max_us,
            self.msgs_per_s(),
            self.mb_per_s()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_1_to_100() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&v, 1.0), 1);
    }

    #[test]
    fn percentiles_small_sets() {
        assert_eq!(percentile(&[7], 50.0), 7);
        assert_eq!(percentile(&[7], 99.0), 7);
        let v = [10, 20, 30, 40];
        assert_eq!(percentile(&v, 50.0), 20);
        assert_eq!(percentile(&v, 75.0), 30);
        assert_eq!(percentile(&v, 99.0), 40);
        let v = [1, 2, 3, 4, 5];
        assert_eq!(percentile(&v, 50.0), 3);
        // 1000 samples: p99 is the 990th.
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 99.0), 990);
        assert_eq!(percentile(&v, 50.0), 500);
    }

    #[test]
    fn summary_unsorted_input() {
        let mut d: Vec<Duration> = (1..=100)
            .rev()
            .map(|u| Duration::from_micros(u * 10))
            .collect();
        d.swap(3, 70);
        let s = summarize(&d);
        assert_eq!(
            s,
            Summary {
                p50_us: 500.0,
                p99_us: 990.0,
                max_us: 1000.0
            }
        );
        assert_eq!(summarize(&[Duration::from_nanos(1500)]).p50_us, 1.5);
        assert_eq!(summarize(&[]).max_us, 0.0);
    }

    #[test]
    fn json_line() {
        let b = Bench {
            payload_bytes: 496,
            messages: 1000,
            window: 4,
            summary: Summary {
                p50_us: 120.0,
                p99_us: 340.26,
                max_us: 1000.0,
            },
            elapsed: Duration::from_millis(500),
        };
        assert_eq!(b.msgs_per_s(), 2000.0);
        assert!((b.mb_per_s() - 0.992).abs() < 1e-9);
        assert_eq!(
            b.json(),
            "{\"payload_bytes\":496,\"messages\":1000,\"window\":4,\"rtt_us\":{\"p50\":120.0,\"p99\":340.3,\"max\":1000.0},\"msgs_per_s\":2000.0,\"mb_per_s\":0.992}"
        );
    }
}
