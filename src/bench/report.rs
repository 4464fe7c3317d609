// SPDX-License-Identifier: GPL-2.0

//! The results of a run, as text: KTAP (`bench/results`), CSV (`bench/results.csv`) and the
//! one-line summaries and ratios the kernel log gets.
//!
//! Pure logic, tested on the host. Costs are picoseconds per allocation and its free (integers),
//! whatever the case's pattern; a ratio compares two variants' medians of one case, in
//! thousandths.

use core::fmt;

use crate::bench::{
    spec::{
        Case,
        Variant, //
    },
    summary::{
        ratio_milli,
        Milli,
        Summary, //
    },
};
use crate::wide::Decimal;

/// One variant of one case: its cost summary over the timed repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) case: Case,
    pub(crate) variant: Variant,
    pub(crate) iters: u32,
    pub(crate) repeat: u32,
    /// Picoseconds per allocation and its free.
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
            "Summary: {} variant={} iters={} repeat={} ps_per_op min={} median={} p99={} max={} failed={} retried={}",
            r.case,
            r.variant.name(),
            r.iters,
            r.repeat,
            Decimal(r.cost.min),
            Decimal(r.cost.median),
            Decimal(r.cost.p99),
            Decimal(r.cost.max),
            Decimal(r.failed),
            r.retried
        )
    }
}

/// The ratios of one case against its C variant: `rust/c=1.004 kernel/c=1.130`, each present
/// when both medians are.
pub(crate) struct Ratios<'a> {
    records: &'a [Record],
    case: Case,
}

impl<'a> Ratios<'a> {
    /// The ratios of `case` in `records` (which may hold other cases too).
    pub(crate) fn of(records: &'a [Record], case: Case) -> Self {
        Ratios { records, case }
    }

    fn median(&self, variant: Variant) -> Option<u64> {
        self.records
            .iter()
            .find(|r| r.case == self.case && r.variant == variant)
            .map(|r| r.cost.median)
    }
}

impl fmt::Display for Ratios<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.case)?;
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
fn cases(records: &[Record]) -> impl Iterator<Item = Case> + '_ {
    records.iter().enumerate().filter_map(|(i, r)| {
        let first = !records[..i].iter().any(|earlier| earlier.case == r.case);
        first.then_some(r.case)
    })
}

/// Writes the run as KTAP: a `# key=value` header (`context`), then per variant a diagnostic
/// line and `ok N api_pattern_size_variant` (`api_pattern_size_threadsN_variant` for a case of
/// N > 1 threads), and per case its ratios. A variant whose allocations all
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
    for case in cases(records) {
        for r in records.iter().filter(|r| r.case == case) {
            n += 1;
            writeln!(f, "# {}", r.summary_line())?;
            let verdict = if r.failed == r.calls() {
                "not ok"
            } else {
                "ok"
            };
            write!(
                f,
                "{verdict} {n} {}_{}_{}_",
                case.api.name(),
                case.pattern.name(),
                Decimal(case.size)
            )?;
            if case.threads > 1 {
                write!(f, "threads{}_", case.threads)?;
            }
            writeln!(f, "{}", r.variant.name())?;
        }
        writeln!(f, "# ratios: {}", Ratios::of(records, case))?;
    }
    Ok(())
}

/// The CSV's header line.
pub(crate) const CSV_HEADER: &str =
    "api,pattern,size,variant,threads,iters,repeat,min_ps,median_ps,p99_ps,max_ps,failed,retried";

/// Writes the run as CSV: [`CSV_HEADER`], then one row per record.
pub(crate) fn write_csv(records: &[Record], f: &mut impl fmt::Write) -> fmt::Result {
    writeln!(f, "{CSV_HEADER}")?;
    for r in records {
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.case.api.name(),
            r.case.pattern.name(),
            Decimal(r.case.size),
            r.variant.name(),
            r.case.threads,
            r.iters,
            r.repeat,
            Decimal(r.cost.min),
            Decimal(r.cost.median),
            Decimal(r.cost.p99),
            Decimal(r.cost.max),
            Decimal(r.failed),
            r.retried
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::spec::{
        Api,
        Pattern, //
    };

    fn case(api: Api, pattern: Pattern, size: u64) -> Case {
        Case {
            api,
            pattern,
            size,
            threads: 1,
        }
    }

    const KMALLOC_64: Case = Case {
        api: Api::Kmalloc,
        pattern: Pattern::Pairs,
        size: 64,
        threads: 1,
    };

    fn record(case: Case, variant: Variant, median: u64) -> Record {
        Record {
            case,
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

    fn run() -> [Record; 6] {
        let batch = case(Api::Kmalloc, Pattern::Batch, 64);
        [
            record(KMALLOC_64, Variant::C, 1000),
            record(KMALLOC_64, Variant::Rust, 1004),
            record(KMALLOC_64, Variant::Kernel, 1130),
            record(case(Api::Pages, Pattern::Pairs, 4096), Variant::Rust, 5000),
            record(batch, Variant::C, 2000),
            record(batch, Variant::Rust, 1990),
        ]
    }

    #[test]
    fn ratios_against_c() {
        let records = run();
        assert_eq!(
            format!("{}", Ratios::of(&records, KMALLOC_64)),
            "kmalloc pattern=pairs size=64: rust/c=1.004 kernel/c=1.130"
        );
        assert_eq!(
            format!("{}", Ratios::of(&records, records[4].case)),
            "kmalloc pattern=batch size=64: rust/c=0.995"
        );
        assert_eq!(
            format!("{}", Ratios::of(&records, records[3].case)),
            "alloc_pages pattern=pairs size=4096: no c variant to compare with"
        );
        let mut coarse = records;
        coarse[0].cost.median = 0;
        assert_eq!(
            format!("{}", Ratios::of(&coarse, KMALLOC_64)),
            format!("kmalloc pattern=pairs size=64: {COARSE_CLOCK}")
        );
    }

    #[test]
    fn ktap_has_a_result_per_record_and_ratios_per_case() {
        let mut text = String::new();
        write_ktap(&run(), "kernel=7.3.4", &mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[..3], ["KTAP version 1", "# kernel=7.3.4", "1..6"]);
        assert!(lines.contains(&"ok 3 kmalloc_pairs_64_kernel"));
        assert!(lines.contains(&"ok 4 alloc_pages_pairs_4096_rust"));
        assert!(lines.contains(&"ok 6 kmalloc_batch_64_rust"));
        assert_eq!(text.matches("# ratios: ").count(), 3);
        assert!(text.contains(
            "# Summary: kmalloc pattern=pairs size=64 variant=c iters=100 repeat=5 ps_per_op min=999 median=1000 p99=1002 max=1003 failed=0 retried=0"
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
        assert!(text.contains("not ok 2 kmalloc_pairs_64_rust"));
        assert!(text.contains("not ok 3 kmalloc_pairs_64_kernel"));
        records[2].failed -= 1;
        text.clear();
        write_ktap(&records, "", &mut text).unwrap();
        assert!(text.contains("\nok 3 kmalloc_pairs_64_kernel"));
    }

    #[test]
    fn csv_rows() {
        let mut text = String::new();
        write_csv(&run(), &mut text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(
            lines[1],
            "kmalloc,pairs,64,c,1,100,5,999,1000,1002,1003,0,0"
        );
        assert_eq!(
            lines[6],
            "kmalloc,batch,64,rust,1,100,5,1989,1990,1992,1993,0,0"
        );
        assert!(lines
            .iter()
            .all(|l| l.split(',').count() == CSV_HEADER.split(',').count()));
    }

    #[test]
    fn a_case_of_threads_says_how_many() {
        let threads = Case {
            threads: 2,
            ..KMALLOC_64
        };
        let records = [
            record(KMALLOC_64, Variant::C, 1000),
            record(threads, Variant::C, 1500),
            record(threads, Variant::Rust, 1530),
        ];
        let mut text = String::new();
        write_csv(&records, &mut text).unwrap();
        assert!(text.contains("\nkmalloc,pairs,64,c,2,100,5,1499,1500,1502,1503,0,0\n"));
        text.clear();
        write_ktap(&records, "", &mut text).unwrap();
        assert!(text.contains("\nok 1 kmalloc_pairs_64_c\n"));
        assert!(text.contains("\nok 3 kmalloc_pairs_64_threads2_rust\n"));
        // The two cases' ratios stay apart.
        assert!(text.contains("# ratios: kmalloc pattern=pairs size=64 threads=2: rust/c=1.020"));
        assert!(text.contains("# Summary: kmalloc pattern=pairs size=64 threads=2 variant=c "));
    }
}
