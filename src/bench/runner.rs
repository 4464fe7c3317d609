// SPDX-License-Identifier: GPL-2.0

//! Runs a spec: per case (an API, a pattern, a size), one untimed warm-up of each variant, then
//! `repeat` timed rounds in which the variants take turns, so that a drift of the machine
//! during the case touches every variant alike.
//!
//! A round during which the task was switched out (another task ran: a kworker, the boot's
//! crypto self-tests, the console) timed that task too; it is taken again, up to [`RETRIES`]
//! times, and the report counts the retries. (A guest script should still wait for the boot
//! to settle first, as `qemu/bench` does.)
//!
//! A case of N threads runs each round on N kernel threads at once, thread `i` pinned to CPU
//! `i` ([`crate::kthread::on_cpus`]), each with its own handle of the case's fixture: every
//! thread's cost per allocation is a sample (`repeat` × N of them), and such rounds are not
//! taken again (the threads' wall-clock spread is what they show).
//!
//! Time is the kernel's monotonic clock, read by [`cases`] around each round: nanoseconds under
//! KVM or TCG, guest instructions under QEMU's `-icount shift=0` (`scripts/vm run --icount`).

use kernel::{
    prelude::*,
    time::{
        Instant,
        Monotonic, //
    },
};

use crate::{
    bench::{
        cases::{
            self,
            Fixture, //
        },
        host::Host,
        report::{
            Ratios,
            Record, //
        },
        spec::{
            Case,
            Spec,
            Variant, //
        },
        summary::{
            Summary,
            MAX_REPEATS, //
        },
    },
    edu, kthread,
    mm::baseline,
    wide,
};

/// The longest a run may take, in seconds: the cases still to come are skipped past it.
pub(crate) const TIME_CAP_S: i64 = 120;

/// How often a timed round is taken again when the task was switched out during it (see
/// [`Record::retried`]); the last try counts, switched out or not. A variant retries at most
/// `repeat` times per case: some paths wake another task themselves (vfree's lazy purge runs
/// in a kworker), so all their rounds are switched out, and the retries would only cost time.
const RETRIES: u32 = 3;

/// Runs `spec` on `host`, appending one record per variant of each case to `records`.
///
/// # Errors
///
/// `EINVAL` for a size an API does not serve (e.g. an `alloc_pages` size that is not a power of
/// two pages) or more threads than CPUs online, before anything runs; then `EOPNOTSUPP` when a
/// debugging gate is on and the spec does not say `gates=allow` (see [`crate::bench::host`]);
/// `ENODEV` when every case needs the edu device and none is bound (cases that need it are
/// skipped otherwise, with a line in the kernel log); `ENOMEM` if `records` cannot grow
/// or a case's [`Fixture`] cannot be made; `ETIME` past [`TIME_CAP_S`] (the records of the
/// cases done are kept).
pub(crate) fn run(spec: &Spec, host: &Host, records: &mut KVec<Record>) -> Result {
    for case in spec.cases() {
        cases::serves(case.api, case.size)?;
    }
    if spec.max_threads() > host.cpus {
        pr_info!(
            "bench: threads={} needs as many CPUs online, and {} are\n",
            spec.max_threads(),
            host.cpus
        );
        return Err(EINVAL);
    }
    if !host.gates().none() && !spec.allow_gates {
        pr_info!(
            "bench: refused: debugging gates are on ({}), the numbers would time them; gates=allow runs anyway\n",
            Log(host.gates())
        );
        return Err(EOPNOTSUPP);
    }
    pr_info!("bench: {}\n", Log(host));
    let device = edu::with(|_| ()).is_ok();
    let runs = |case: &Case| device || !case.api.needs_device();
    if !device && spec.cases().any(|case| case.api.needs_device()) {
        pr_info!("bench: no edu device is bound: the ioremap and dma_coherent cases are skipped\n");
    }
    let total = spec.cases().filter(runs).count();
    if total == 0 {
        return Err(ENODEV);
    }
    let start = Instant::<Monotonic>::now();
    for (done, case) in (1..).zip(spec.cases().filter(runs)) {
        if start.elapsed().as_nanos() > TIME_CAP_S * 1_000_000_000 {
            pr_warn!("bench: stopped after {TIME_CAP_S} s, before case {done} of {total}\n");
            return Err(ETIME);
        }
        pr_info!("bench: case {done} of {total}: {}\n", Log(case));
        let first = records.len();
        // The case's variants, each indexing its own samples and counts by `as usize`.
        let variants = || {
            Variant::ALL
                .into_iter()
                .filter(|&v| spec.wants(v) && cases::exists(case, v))
        };
        let mut samples = [[0u64; MAX_REPEATS]; Variant::ALL.len()];
        let mut failed = [0u64; Variant::ALL.len()];
        let mut retried = [0u32; Variant::ALL.len()];
        let mut fixture = Fixture::new(case.api, case.size)?;
        let iters = spec.iters_for(case.size);
        let threads = case.threads as usize;
        for variant in variants() {
            if threads > 1 {
                for round in threaded_round(case, variant, iters, &fixture)? {
                    failed[variant as usize] += round?.failed;
                }
                continue;
            }
            failed[variant as usize] += cases::run(case, variant, iters, &mut fixture)?.failed;
        }
        for round in 0..spec.repeat as usize {
            for variant in variants() {
                let i = variant as usize;
                if threads > 1 {
                    let rounds = threaded_round(case, variant, iters, &fixture)?;
                    for (thread, timed) in rounds.into_iter().enumerate() {
                        let timed = timed?;
                        failed[i] += timed.failed;
                        samples[i][round * threads + thread] =
                            wide::div(timed.nanos * 1000, u64::from(iters));
                    }
                    continue;
                }
                for attempt in 0..=RETRIES {
                    baseline::cond_resched();
                    let switches = baseline::context_switches();
                    let timed = cases::run(case, variant, iters, &mut fixture)?;
                    failed[i] += timed.failed;
                    samples[i][round] = wide::div(timed.nanos * 1000, u64::from(iters));
                    if baseline::context_switches() == switches
                        || attempt == RETRIES
                        || retried[i] == spec.repeat
                    {
                        break;
                    }
                    retried[i] += 1;
                }
            }
        }
        for variant in variants() {
            let i = variant as usize;
            let Some(cost) = Summary::of(&mut samples[i][..spec.repeat as usize * threads]) else {
                continue;
            };
            let record = Record {
                case,
                variant,
                iters,
                repeat: spec.repeat,
                cost,
                failed: failed[i],
                retried: retried[i],
            };
            pr_info!("bench: {}\n", Log(record.summary_line()));
            records.push(record, GFP_KERNEL)?;
        }
        pr_info!("bench: {}\n", Log(Ratios::of(&records[first..], case)));
    }
    Ok(())
}

/// One round of `case` by `variant` on `case.threads` pinned kernel threads at once, each with
/// its own handle of `fixture`: each thread's round, in thread order.
fn threaded_round(
    case: Case,
    variant: Variant,
    iters: u32,
    fixture: &Fixture,
) -> Result<KVec<Result<cases::Round>>> {
    kthread::on_cpus(case.threads as usize, &|_| {
        let mut mine = fixture.share()?;
        cases::run(case, variant, iters, &mut mine)
    })
}

/// A pure value printed by the kernel's printing macros, which take `kernel::fmt::Display`.
struct Log<T>(T);

impl<T: core::fmt::Display> kernel::fmt::Display for Log<T> {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}
