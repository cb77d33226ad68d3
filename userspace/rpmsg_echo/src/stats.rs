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

/// The `--oneway` / `--sink` JSON line.
#[derive(Debug, Clone, PartialEq)]
pub struct OneWay {
    /// `"oneway-tx"` or `"oneway-rx"`.
    pub mode: &'static str,
    pub payload_bytes: usize,
    pub messages: u32,
    pub elapsed: Duration,
    /// Messages and payload bytes that moved within `elapsed` (the rates' numerators).
    pub timed_messages: u64,
    pub timed_bytes: u64,
}

impl OneWay {
    /// `--oneway`: `messages` writes of `payload_bytes` each, all within `elapsed`.
    pub fn tx(payload_bytes: usize, messages: u32, elapsed: Duration) -> OneWay {
        OneWay {
            mode: "oneway-tx",
            payload_bytes,
            messages,
            elapsed,
            timed_messages: messages as u64,
            timed_bytes: messages as u64 * payload_bytes as u64,
        }
    }

    /// `--sink`: the clock starts when the first message arrives, so the rates
    /// count the messages and bytes after it.
    pub fn rx(first_len: usize, messages: u32, total_bytes: u64, elapsed: Duration) -> OneWay {
        OneWay {
            mode: "oneway-rx",
            payload_bytes: first_len,
            messages,
            elapsed,
            timed_messages: (messages as u64).saturating_sub(1),
            timed_bytes: total_bytes.saturating_sub(first_len as u64),
        }
    }

    fn per_s(&self, v: u64) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            v as f64 / s
        } else {
            0.0
        }
    }

    pub fn msgs_per_s(&self) -> f64 {
        self.per_s(self.timed_messages)
    }

    /// Payload per second, in 10^6 bytes.
    pub fn mb_per_s(&self) -> f64 {
        self.per_s(self.timed_bytes) / 1e6
    }

    /// The single JSON line `--oneway` / `--sink` print.
    pub fn json(&self) -> String {
        format!(
            "{{\"mode\":\"{}\",\"payload_bytes\":{},\"messages\":{},\"elapsed_us\":{},\"msgs_per_s\":{:.1},\"mb_per_s\":{:.3}}}",
            self.mode,
            self.payload_bytes,
            self.messages,
            self.elapsed.as_micros(),
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

    #[test]
    fn oneway_tx_json_line() {
        let b = OneWay::tx(496, 1000, Duration::from_millis(250));
        assert_eq!(b.msgs_per_s(), 4000.0);
        assert!((b.mb_per_s() - 1.984).abs() < 1e-9);
        assert_eq!(
            b.json(),
            "{\"mode\":\"oneway-tx\",\"payload_bytes\":496,\"messages\":1000,\"elapsed_us\":250000,\"msgs_per_s\":4000.0,\"mb_per_s\":1.984}"
        );
        let b = OneWay::tx(16, 3, Duration::from_nanos(1_234_567));
        assert_eq!(
            b.json(),
            "{\"mode\":\"oneway-tx\",\"payload_bytes\":16,\"messages\":3,\"elapsed_us\":1234,\"msgs_per_s\":2430.0,\"mb_per_s\":0.039}"
        );
    }

    #[test]
    fn oneway_rx_json_line() {
        // 1001 messages of 100 bytes: 1000 of them and 100000 bytes after the first, in 0.5 s.
        let b = OneWay::rx(100, 1001, 100_100, Duration::from_millis(500));
        assert_eq!(b.msgs_per_s(), 2000.0);
        assert!((b.mb_per_s() - 0.2).abs() < 1e-9);
        assert_eq!(
            b.json(),
            "{\"mode\":\"oneway-rx\",\"payload_bytes\":100,\"messages\":1001,\"elapsed_us\":500000,\"msgs_per_s\":2000.0,\"mb_per_s\":0.200}"
        );
        // Mixed sizes: payload_bytes is the first message's, the rate counts real bytes.
        let b = OneWay::rx(10, 3, 10 + 490 + 10, Duration::from_millis(1));
        assert_eq!(b.msgs_per_s(), 2000.0);
        assert!((b.mb_per_s() - 0.5).abs() < 1e-9);
        assert!(b
            .json()
            .starts_with("{\"mode\":\"oneway-rx\",\"payload_bytes\":10,\"messages\":3,"));
        // A single message has no interval: rates are 0, not infinite.
        let b = OneWay::rx(496, 1, 496, Duration::ZERO);
        assert_eq!(
            b.json(),
            "{\"mode\":\"oneway-rx\",\"payload_bytes\":496,\"messages\":1,\"elapsed_us\":0,\"msgs_per_s\":0.0,\"mb_per_s\":0.000}"
        );
    }
}
