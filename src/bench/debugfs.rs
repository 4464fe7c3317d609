// SPDX-License-Identifier: GPL-2.0

//! The benchmarks' files, `/sys/kernel/debug/memlab/bench/`:
//!
//! | file          | mode | content |
//! |---------------|------|---------|
//! | `run`         | 0200 | write a spec (`quick`, `all`, `api=...`): the write returns when the run is done |
//! | `apis`        | 0444 | the APIs a spec may name, with each preset's sizes |
//! | `results`     | 0400 | the last run, as KTAP |
//! | `results.csv` | 0400 | the last run, one row per case and variant |
//!
//! A write while a run is in progress is `EBUSY`; a bad spec `EINVAL` (or `E2BIG`), with the
//! reason in the kernel log; a run past the time cap `ETIME`, its finished cases kept; a run on
//! a kernel with a debugging gate on `EOPNOTSUPP`, unless the spec says `gates=allow`; a spec of
//! device cases only (`ioremap`, `dma_coherent`) without the edu device `ENODEV` (with the device
//! missing, other specs run without those cases).

use core::{
    fmt,
    sync::atomic::{
        AtomicBool,
        Ordering, //
    },
};

use kernel::{
    debugfs::{
        Dir,
        File, //
    },
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
    uaccess::UserSliceReader,
};

use crate::{
    bench::{
        host::Host,
        report::{
            self,
            Record, //
        },
        runner,
        spec::{
            ApiList,
            Spec, //
        },
    },
    lab::control::to_error,
    shim,
};

/// The longest spec `run` takes, in bytes.
const SPEC_MAX: usize = 256;

/// The benchmarks' state: the last run, and whether a run is in progress.
#[pin_data]
pub(crate) struct Bench {
    running: AtomicBool,
    #[pin]
    last: Mutex<LastRun>,
}

/// The last run: where it ran (`None` before the first) and its records.
struct LastRun {
    host: Option<Host>,
    records: KVec<Record>,
}

/// The files; dropping them removes them.
pub(crate) struct Files {
    _run: Pin<KBox<File<Arc<Bench>>>>,
    _results: Pin<KBox<File<Arc<Bench>>>>,
    _csv: Pin<KBox<File<Arc<Bench>>>>,
    _apis: Pin<KBox<File<()>>>,
    _dir: Dir,
}

impl Files {
    /// Creates `bench/` in `parent` and its files.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the state or the files' bookkeeping cannot be allocated.
    pub(crate) fn new(parent: &Dir) -> Result<Self> {
        let bench = Arc::pin_init(
            pin_init!(Bench {
                running: AtomicBool::new(false),
                last <- new_mutex!(LastRun {
                    host: None,
                    records: KVec::new(),
                }),
            }),
            GFP_KERNEL,
        )?;
        let dir = parent.subdir(c"bench");
        let run = KBox::pin_init(
            dir.write_callback_file(c"run", bench.clone(), &write_run),
            GFP_KERNEL,
        )?;
        let results = KBox::pin_init(
            dir.read_callback_file(c"results", bench.clone(), &read_results),
            GFP_KERNEL,
        )?;
        let csv = KBox::pin_init(
            dir.read_callback_file(c"results.csv", bench, &read_csv),
            GFP_KERNEL,
        )?;
        let apis = KBox::pin_init(dir.read_callback_file(c"apis", (), &read_apis), GFP_KERNEL)?;
        Ok(Self {
            _run: run,
            _results: results,
            _csv: csv,
            _apis: apis,
            _dir: dir,
        })
    }
}

fn write_run(bench: &Arc<Bench>, reader: &mut UserSliceReader) -> Result {
    if reader.len() > SPEC_MAX {
        pr_info!("bench: a spec has at most {SPEC_MAX} bytes\n");
        return Err(E2BIG);
    }
    let mut text = [0u8; SPEC_MAX];
    let len = reader.len();
    reader.read_slice(&mut text[..len])?;
    let spec = core::str::from_utf8(&text[..len])
        .map_err(|_| {
            pr_info!("bench: a spec is text (UTF-8)\n");
            EINVAL
        })
        .and_then(|text| {
            Spec::parse(text).map_err(|refusal| {
                pr_info!("bench: {refusal}\n");
                to_error(refusal.errno())
            })
        })?;
    if bench.running.swap(true, Ordering::Acquire) {
        return Err(EBUSY);
    }
    let mut records = KVec::new();
    let host = shim::bench_host();
    let outcome = host
        .as_ref()
        .map_err(|err| *err)
        .and_then(|host| runner::run(&spec, host, &mut records));
    // The cases that finished are the results, whatever stopped the run.
    *bench.last.lock() = LastRun {
        host: host.ok(),
        records,
    };
    bench.running.store(false, Ordering::Release);
    outcome
}

/// The header of the KTAP results: what the numbers were measured on, and in what.
struct Context<'a>(Option<&'a Host>);

impl fmt::Display for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(host) => write!(f, "{host} ")?,
            None => write!(f, "kernel={} ", shim::kernel_release())?,
        }
        f.write_str("unit=ps_per_alloc_free_pair clock=monotonic")
    }
}

fn read_results(bench: &Arc<Bench>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let last = bench.last.lock();
    report::write_ktap(&last.records, Context(last.host.as_ref()), f)
}

fn read_apis(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Display::fmt(&ApiList, f)
}

fn read_csv(bench: &Arc<Bench>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    report::write_csv(&bench.last.lock().records, f)
}
