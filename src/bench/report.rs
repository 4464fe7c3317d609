// SPDX-License-Identifier: GPL-2.0

//! The results of a run, as text: KTAP (`bench/results`), CSV (`bench/results.csv`) and the
//! one-line summaries and ratios the kernel log gets.
//!
//! Pure logic, tested on the host. Costs are picoseconds per alloc+free pair (integers); a
//! ratio compares two variants' medians of one case, in thousandths.

use core::fmt;

use crate::bench::{
    spec::{
        Api,
        Variant, //
    },
    summary::{
        ratio_milli,
        Milli,
        Summary, //
    },
};

/// One variant of one case: its cost summary over the timed repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) api: Api,
    pub(crate) size: u64,
    pub(crate) variant: Variant,
    pub(crate) iters: u32,
    pub(crate) repeat: u32,
    /// Picoseconds per alloc+free pair.
    pub(crate) cost: Summary,
    /// Allocations that failed, over all of [`Record::calls`].
    pub(crate) failed: u64,
    /// Timed rounds taken again because the task was switched out during them.
    pub(crate) retried: u32,
}

impl Record {
    /// How many allocations the variant made: `iters` in the warm-up, in each timed round and in
    /// each round taken again.
    pub(crate) fn calls(&self) -> u64 {
        u64::from(self.iters) * (1 + u64::from(self.repeat) + u64::from(self.retried))
    }

    /// The grep-able line the kernel log gets, as `lib/test_vmalloc.c`'s `Summary:` lines.
    pub(crate) fn summary_line(&self) -> SummaryLine<'_> {
        SummaryLine(self)
    }
}

/// See [`Record::summary_line`].
pub(crate) struct SummaryLine<'a>(&'a Record);

impl fmt::Display for SummaryLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(
            f,
            "Summary: {} size={} variant={} iters={} repeat={} ps_per_op min={} median={} p99={} max={} failed={} retried={}",
            r.api.name(),
            r.size,
            r.variant.name(),
            r.iters,
            r.repeat,
            r.cost.min,
            r.cost.median,
            r.cost.p99,
            r.cost.max,
            r.failed,
            r.retried
        )
    }
}

/// The ratios of one case (`api` at `size`) against its C variant: `rust/c=1.004 kernel/c=1.130`,
/// each present when both medians are.
pub(crate) struct Ratios<'a> {
    records: &'a [Record],
    api: Api,
    size: u64,
}

impl<'a> Ratios<'a> {
    /// The ratios of the case of `records` (which may hold other cases too).
    pub(crate) fn of(records: &'a [Record], api: Api, size: u64) -> Self {
        Ratios { records, api, size }
    }

    fn median(&self, variant: Variant) -> Option<u64> {
        self.records
            .iter()
            .find(|r| r.api == self.api && r.size == self.size && r.variant == variant)
            .map(|r| r.cost.median)
    }
}

impl fmt::Display for Ratios<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} size={}:", self.api.name(), self.size)?;
        let Some(c) = self.median(Variant::C) else {
            return write!(f, " no c variant to compare with");
        };
        if c == 0 {
            return write!(f, " {COARSE_CLOCK}");
        }
        for variant in [Variant::Rust, Variant::Kernel] {
            if let Some(ratio) = self.median(variant).and_then(|m| ratio_milli(m, c)) {
                write!(f, " {}/c={}", variant.name(), Milli(ratio))?;
            }
        }
        Ok(())
    }
}

/// What a case's ratios say when its C median is 0: the clock ticked less often than the case
/// ran (a jiffies clocksource, as on the debug kernel).
pub(crate) const COARSE_CLOCK: &str =
    "no ratio: c's median is 0 (a clock too coarse for this case)";

/// The distinct cases of `records`, in their order.
fn cases(records: &[Record]) -> impl Iterator<Item = (Api, u64)> + '_ {
    records.iter().enumerate().filter_map(|(i, r)| {
        let first = !records[..i]
            .iter()
            .any(|earlier| earlier.api == r.api && earlier.size == r.size);
        first.then_some((r.api, r.size))
    })
}

/// Writes the run as KTAP: a `# key=value` header (`context`), then per variant a diagnostic
/// line and `ok N api_size_variant`, and per case its ratios. A variant whose allocations all
/// failed is `not ok`.
pub(crate) fn write_ktap(
    records: &[Record],
    context: impl fmt::Display,
    f: &mut impl fmt::Write,
) -> fmt::Result {
    writeln!(f, "KTAP version 1")?;
    writeln!(f, "# {context}")?;
    writeln!(f, "1..{}", records.len())?;
    let mut n = 0;
    for (api, size) in cases(records) {
        for r in records.iter().filter(|r| r.api == api && r.size == size) {
            n += 1;
            writeln!(f, "# {}", r.summary_line())?;
            let verdict = if r.failed == r.calls() {
                "not ok"
            } else {
                "ok"
            };
            writeln!(
                f,
                "{verdict} {n} {}_{}_{}",
                api.name(),
                size,
                r.variant.name()
            )?;
        }
        writeln!(f, "# ratios: {}", Ratios::of(records, api, size))?;
    }
    Ok(())
}

/// The CSV's header line.
pub(crate) const CSV_HEADER: &str =
    "api,size,variant,threads,iters,repeat,min_ps,median_ps,p99_ps,max_ps,failed,retried";

/// Writes the run as CSV: [`CSV_HEADER`], then one row per record.
pub(crate) fn write_csv(records: &[Record], f: &mut impl fmt::Write) -> fmt::Result {
    writeln!(f, "{CSV_HEADER}")?;
    for r in records {
        writeln!(
            f,
            "{},{},{},1,{},{},{},{},{},{},{},{}",
            r.api.name(),
            r.size,
            r.variant.name(),
            r.iters,
            r.repeat,
            r.cost.min,
            r.cost.median,
            r.cost.p99,
            r.cost.max,
            r.failed,
            r.retried
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(api: Api, size: u64, variant: Variant, median: u64) -> Record {
        Record {
            api,
            size,
            variant,
            iters: 100,
            repeat: 5,
            cost: Summary {
                min: median - 1,
                median,
                p99: median + 2,
                max: median + 3,
            },
            failed: 0,
            retried: 0,
        }
    }

    fn run() -> [Record; 4] {
        [
            record(Api::Kmalloc, 64, Variant::C, 1000),
            record(Api::Kmalloc, 64, Variant::Rust, 1004),
            record(Api::Kmalloc, 64, Variant::Kernel, 1130),
            record(Api::Pages, 4096, Variant::Rust, 5000),
        ]
    }

    #[test]
    fn ratios_against_c() {
        let records = run();
        assert_eq!(
            format!("{}", Ratios::of(&records, Api::Kmalloc, 64)),
            "kmalloc size=64: rust/c=1.004 kernel/c=1.130"
        );
        assert_eq!(
            format!("{}", Ratios::of(&records, Api::Pages, 4096)),
            "alloc_pages size=4096: no c variant to compare with"
        );
        let mut coarse = records;
        coarse[0].cost.median = 0;
        assert_eq!(
            format!("{}", Ratios::of(&coarse, Api::Kmalloc, 64)),
            format!("kmalloc size=64: {COARSE_CLOCK}")
        );
    }

    #[test]
    fn ktap_has_a_result_per_record_and_ratios_per_case() {
        let mut text = String::new();
        write_ktap(&run(), "kernel=7.3.4", &mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..3], ["KTAP version 1", "# kernel=7.3.4", "1..4"]);
        assert!(lines.contains(&"ok 3 kmalloc_64_kernel"));
        assert!(lines.contains(&"ok 4 alloc_pages_4096_rust"));
        assert_eq!(text.matches("# ratios: ").count(), 2);
        assert!(text.contains(
            "# Summary: kmalloc size=64 variant=c iters=100 repeat=5 ps_per_op min=999 median=1000 p99=1002 max=1003 failed=0 retried=0"
        ));
    }

    #[test]
    fn a_variant_whose_every_allocation_failed_is_not_ok() {
        let mut records = run();
        records[1].failed = 100 * 6;
        records[2].retried = 2;
        records[2].failed = 100 * 8;
        let mut text = String::new();
        write_ktap(&records, "", &mut text).unwrap();
        assert!(text.contains("not ok 2 kmalloc_64_rust"));
        assert!(text.contains("not ok 3 kmalloc_64_kernel"));
        records[2].failed -= 1;
        text.clear();
        write_ktap(&records, "", &mut text).unwrap();
        assert!(text.contains("\nok 3 kmalloc_64_kernel"));
    }

    #[test]
    fn csv_rows() {
        let mut text = String::new();
        write_csv(&run(), &mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[1], "kmalloc,64,c,1,100,5,999,1000,1002,1003,0,0");
        assert!(lines
            .iter()
            .all(|l| l.split(',').count() == CSV_HEADER.split(',').count()));
    }
}
