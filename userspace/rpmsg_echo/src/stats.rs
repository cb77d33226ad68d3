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

/// Bins of the `--bench` round-trip histogram between the smallest round
/// trip and p99.
pub const HIST_BINS: usize = 40;
/// Most bins a histogram has (its bins widen so that this many reach the
/// largest round trip).
pub const HIST_MAX_BINS: usize = 400;

/// Round-trip times in linear bins of whole microseconds: bin `i` counts the
/// samples `t` with `lo + i*width <= t < lo + (i+1)*width` (`t` in µs,
/// fractions kept).
///
/// `lo` is the smallest sample rounded down to a whole µs; `width` the
/// smallest whole number of µs with which [`HIST_BINS`] bins reach past p99;
/// the bins go on at that width to the largest sample, so the first and the
/// last bin are never empty. One slow outlier thus costs bins, not the
/// resolution of the bulk: were [`HIST_BINS`] bins to span min..max, a
/// single 10 ms round trip among 1.2 ms ones would put almost every sample
/// into the first bin. Past [`HIST_MAX_BINS`] bins, `width` grows instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    pub lo_us: u64,
    /// At least 1.
    pub width_us: u64,
    /// They add up to the number of samples (none without samples).
    pub counts: Vec<u32>,
}

impl Histogram {
    /// `{"lo":..,"width":..,"counts":[..]}`.
    pub fn json(&self) -> String {
        let counts: Vec<String> = self.counts.iter().map(u32::to_string).collect();
        format!(
            "{{\"lo\":{},\"width\":{},\"counts\":[{}]}}",
            self.lo_us,
            self.width_us,
            counts.join(",")
        )
    }
}

/// The round trips' [`Histogram`] (no samples: `lo` 0, `width` 1, no bins).
pub fn histogram(rtts: &[Duration]) -> Histogram {
    let mut ns: Vec<u64> = rtts
        .iter()
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .collect();
    ns.sort_unstable();
    let (Some(&min), Some(&max)) = (ns.first(), ns.last()) else {
        return Histogram {
            lo_us: 0,
            width_us: 1,
            counts: Vec::new(),
        };
    };
    let lo_us = min / 1000;
    let lo_ns = lo_us * 1000;
    // The smallest width (µs) with which `bins` bins from lo cover `top`:
    // lo + bins * width > top.
    let width_for = |top: u64, bins: usize| {
        (top - lo_ns)
            .saturating_add(1)
            .div_ceil(bins as u64 * 1000)
            .max(1)
    };
    let mut width_us = width_for(percentile(&ns, 99.0), HIST_BINS);
    if (max - lo_ns) / (width_us * 1000) >= HIST_MAX_BINS as u64 {
        width_us = width_for(max, HIST_MAX_BINS);
    }
    let width_ns = width_us.saturating_mul(1000);
    let mut counts = vec![0u32; ((max - lo_ns) / width_ns) as usize + 1];
    for v in ns {
        counts[((v - lo_ns) / width_ns) as usize] += 1;
    }
    Histogram {
        lo_us,
        width_us,
        counts,
    }
}

/// Busy time of each CPU in `/proc/stat` text, in USER_HZ ticks: user +
/// nice + system + irq + softirq + steal of every `cpuN` line, at index N
/// (0 for a CPU it does not list, e.g. one offline).
pub fn busy_ticks(proc_stat: &str) -> Vec<u64> {
    let mut busy = Vec::new();
    for line in proc_stat.lines() {
        let mut fields = line.split_ascii_whitespace();
        let Some(n) = fields
            .next()
            .and_then(|name| name.strip_prefix("cpu"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        // user nice system idle iowait irq softirq steal ...
        let v: Vec<u64> = fields.map(|f| f.parse().unwrap_or(0)).collect();
        let field = |i: usize| v.get(i).copied().unwrap_or(0);
        if busy.len() <= n {
            busy.resize(n + 1, 0);
        }
        busy[n] = [0, 1, 2, 5, 6, 7].iter().map(|&i| field(i)).sum();
    }
    busy
}

/// The CPUs' busy time over a run's timed part (`"cpu"` in the JSON lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuBusy {
    /// Between the two reads of `/proc/stat`.
    pub window: Duration,
    /// The unit of `ticks` (`sysconf(_SC_CLK_TCK)`).
    pub user_hz: u64,
    /// Busy ticks of each CPU in the window, index = CPU number.
    pub ticks: Vec<u64>,
}

impl CpuBusy {
    /// From two [`busy_ticks`] readings `window` apart (a CPU listed in only
    /// one of them counts 0; a counter that went back counts 0).
    pub fn between(before: &[u64], after: &[u64], window: Duration, user_hz: u64) -> CpuBusy {
        let ticks = (0..before.len().max(after.len()))
            .map(|i| match (before.get(i), after.get(i)) {
                (Some(b), Some(a)) => a.saturating_sub(*b),
                _ => 0,
            })
            .collect();
        CpuBusy {
            window,
            user_hz,
            ticks,
        }
    }

    /// `{"window_us":..,"user_hz":..,"busy_ticks":[..]}`.
    pub fn json(&self) -> String {
        let ticks: Vec<String> = self.ticks.iter().map(u64::to_string).collect();
        format!(
            "{{\"window_us\":{},\"user_hz\":{},\"busy_ticks\":[{}]}}",
            self.window.as_micros(),
            self.user_hz,
            ticks.join(",")
        )
    }
}

/// `,"cpu":{..}` to end a JSON line with, or nothing without a reading.
fn cpu_field(cpu: &Option<CpuBusy>) -> String {
    cpu.as_ref()
        .map(|c| format!(",\"cpu\":{}", c.json()))
        .unwrap_or_default()
}

pub struct Bench {
    pub payload_bytes: usize,
    pub messages: u32,
    pub window: usize,
    pub summary: Summary,
    pub histogram: Histogram,
    pub elapsed: Duration,
    pub cpu: Option<CpuBusy>,
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

    /// The single JSON line `--bench` prints (the histogram last, after
    /// the fields scripts match by prefix).
    pub fn json(&self) -> String {
        format!(
            "{{\"payload_bytes\":{},\"messages\":{},\"window\":{},\"rtt_us\":{{\"p50\":{:.1},\"p99\":{:.1},\"max\":{:.1}}},\"msgs_per_s\":{:.1},\"mb_per_s\":{:.3},\"rtt_hist_us\":{}{}}}",
            self.payload_bytes,
            self.messages,
            self.window,
            self.summary.p50_us,
            self.summary.p99_us,
            self.summary.max_us,
            self.msgs_per_s(),
            self.mb_per_s(),
            self.histogram.json(),
            cpu_field(&self.cpu)
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
    pub cpu: Option<CpuBusy>,
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
            cpu: None,
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
            cpu: None,
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
            "{{\"mode\":\"{}\",\"payload_bytes\":{},\"messages\":{},\"elapsed_us\":{},\"msgs_per_s\":{:.1},\"mb_per_s\":{:.3}{}}}",
            self.mode,
            self.payload_bytes,
            self.messages,
            self.elapsed.as_micros(),
            self.msgs_per_s(),
            self.mb_per_s(),
            cpu_field(&self.cpu)
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
            histogram: Histogram {
                lo_us: 100,
                width_us: 23,
                counts: vec![998, 0, 1, 1],
            },
            elapsed: Duration::from_millis(500),
            cpu: None,
        };
        assert_eq!(b.msgs_per_s(), 2000.0);
        assert!((b.mb_per_s() - 0.992).abs() < 1e-9);
        assert_eq!(
            b.json(),
            "{\"payload_bytes\":496,\"messages\":1000,\"window\":4,\"rtt_us\":{\"p50\":120.0,\"p99\":340.3,\"max\":1000.0},\"msgs_per_s\":2000.0,\"mb_per_s\":0.992,\"rtt_hist_us\":{\"lo\":100,\"width\":23,\"counts\":[998,0,1,1]}}"
        );
    }

    fn us(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&u| Duration::from_micros(u)).collect()
    }

    fn ns(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&n| Duration::from_nanos(n)).collect()
    }

    /// Every sample in exactly one bin; the first and the last bin hold one.
    fn check_invariants(h: &Histogram, samples: &[Duration]) {
        assert!(h.width_us >= 1);
        assert!(h.counts.len() <= HIST_MAX_BINS);
        let total: u64 = h.counts.iter().map(|&c| c as u64).sum();
        assert_eq!(total, samples.len() as u64);
        let (lo, w) = (h.lo_us as u128 * 1000, h.width_us as u128 * 1000);
        let mut expect = vec![0u32; h.counts.len()];
        for s in samples {
            let t = s.as_nanos();
            assert!(t >= lo);
            expect[((t - lo) / w) as usize] += 1;
        }
        assert_eq!(expect, h.counts);
        if !samples.is_empty() {
            assert!(h.counts[0] > 0 && *h.counts.last().unwrap() > 0);
        }
    }

    #[test]
    fn histogram_spans_min_to_p99_then_to_max() {
        // 1000..=4999 µs, p99 4959 µs: 40 bins of 99 µs reach past p99 and
        // a 41st holds the rest (4960..4999 µs).
        let d = us(&(1000..5000).collect::<Vec<_>>());
        let h = histogram(&d);
        assert_eq!((h.lo_us, h.width_us, h.counts.len()), (1000, 99, 41));
        assert!(h.counts[..40].iter().all(|&c| c == 99));
        assert_eq!(h.counts[40], 4000 - 40 * 99);
        check_invariants(&h, &d);
        // 299 samples at 1200..1498 µs and one at 4 ms (an outlier as the
        // runs have): p99 is 1497 µs, so 8 µs bins, and they go on to 4 ms.
        let mut v: Vec<u64> = (0..299).map(|i| 1200 + i).collect();
        v.push(4000);
        let d = us(&v);
        let h = histogram(&d);
        assert_eq!((h.lo_us, h.width_us), (1200, 8));
        assert_eq!(h.counts.len(), (4000 - 1200) / 8 + 1);
        assert_eq!(h.counts[0], 8);
        assert_eq!(*h.counts.last().unwrap(), 1);
        check_invariants(&h, &d);
    }

    #[test]
    fn histogram_bin_edges() {
        // lo 10, width 1: 10.999 µs is in bin 0, 11.0 µs in bin 1, 49.5 µs in bin 39.
        let d = ns(&[10_000, 10_999, 11_000, 49_500]);
        let h = histogram(&d);
        assert_eq!((h.lo_us, h.width_us), (10, 1));
        assert_eq!(h.counts.len(), 40);
        assert_eq!(&h.counts[..2], &[2, 1]);
        assert_eq!(h.counts[39], 1);
        check_invariants(&h, &d);
        // Unsorted input, fractional lo: lo rounds down to a whole µs, and
        // 40 bins of 33 µs reach past 2500.7 µs (32 µs would end at 2480).
        let d = ns(&[2_500_700, 1_200_300, 1_900_000]);
        let h = histogram(&d);
        assert_eq!((h.lo_us, h.width_us), (1200, 33));
        assert_eq!(h.counts.len(), (2500 - 1200) / 33 + 1);
        assert_eq!(h.counts[(1900 - 1200) / 33], 1);
        check_invariants(&h, &d);
    }

    #[test]
    fn histogram_degenerate() {
        let h = histogram(&[]);
        assert_eq!((h.lo_us, h.width_us), (0, 1));
        assert!(h.counts.is_empty());
        assert_eq!(h.json(), "{\"lo\":0,\"width\":1,\"counts\":[]}");
        // Identical samples: one bin of 1 µs.
        let d = us(&[777; 5]);
        let h = histogram(&d);
        assert_eq!((h.lo_us, h.width_us, h.counts.clone()), (777, 1, vec![5]));
        check_invariants(&h, &d);
        // A far outlier: at most HIST_MAX_BINS bins, widened to reach it.
        let mut v = vec![1000; 200];
        v.push(1_000_000);
        let d = us(&v);
        let h = histogram(&d);
        assert_eq!((h.lo_us, h.width_us), (1000, 2498));
        assert_eq!(h.counts.len(), HIST_MAX_BINS);
        check_invariants(&h, &d);
        // Huge and tiny together: no overflow, both counted.
        let d = vec![
            Duration::from_nanos(1),
            Duration::from_secs(3600 * 24 * 365),
        ];
        let h = histogram(&d);
        assert_eq!(h.lo_us, 0);
        check_invariants(&h, &d);
    }

    #[test]
    fn histogram_json() {
        let h = Histogram {
            lo_us: 5,
            width_us: 2,
            counts: vec![3, 0, 1],
        };
        assert_eq!(h.json(), "{\"lo\":5,\"width\":2,\"counts\":[3,0,1]}");
        assert_eq!(
            histogram(&us(&[1, 2])).json(),
            "{\"lo\":1,\"width\":1,\"counts\":[1,1]}"
        );
    }

    #[test]
    fn busy_ticks_from_proc_stat() {
        let stat = "cpu  10 1 20 500 3 4 5 6 7 8
cpu0 1 2 3 100 4 5 6 7 50 60
cpu1 10 0 30 200 9 1 2 0 0 0
intr 12345 1 2 3
ctxt 999
cpu3 1 1 1 1 1 1 1 1
";
        // cpu0: 1+2+3+5+6+7 (not idle 100, iowait 4, guest 50/60); cpu2 not listed.
        assert_eq!(busy_ticks(stat), vec![24, 43, 0, 6]);
        assert_eq!(busy_ticks(""), Vec::<u64>::new());
        // Short lines (old kernels): missing fields count 0.
        assert_eq!(busy_ticks("cpu0 1 2 3 4\n"), vec![6]);
        // The host's own /proc/stat parses to a busy time for each CPU.
        if let Ok(text) = std::fs::read_to_string("/proc/stat") {
            assert!(!busy_ticks(&text).is_empty());
        }
    }

    #[test]
    fn cpu_busy_window() {
        let c = CpuBusy::between(
            &[10, 20, 5],
            &[15, 20, 4, 9],
            Duration::from_micros(1500),
            100,
        );
        assert_eq!(c.ticks, vec![5, 0, 0, 0]);
        assert_eq!(
            c.json(),
            "{\"window_us\":1500,\"user_hz\":100,\"busy_ticks\":[5,0,0,0]}"
        );
        // It ends the JSON lines; without a reading the lines are as before.
        let mut b = OneWay::tx(16, 3, Duration::from_millis(1));
        let plain = b.json();
        b.cpu = Some(c);
        assert_eq!(
            b.json(),
            format!(
                "{},\"cpu\":{{\"window_us\":1500,\"user_hz\":100,\"busy_ticks\":[5,0,0,0]}}}}",
                &plain[..plain.len() - 1]
            )
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
