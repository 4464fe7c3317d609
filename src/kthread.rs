// SPDX-License-Identifier: GPL-2.0

//! Scoped kernel threads pinned to CPUs, for the benchmarks' cases of several threads:
//! [`on_cpus`] runs one closure on N kernel threads at once, thread `i` bound to CPU `i`, and
//! returns when every one of them has finished, as `std::thread::scope` does. The threads
//! borrow what the closure borrows; no thread outlives the call, whichever way it returns.
//!
//! Built on `kthread_create` + `kthread_bind` + `wake_up_process` and `kthread_stop_put` (a
//! reference of each task is held from its creation to its join, so joining a thread whose
//! function has already returned is sound), through the shim: the `kernel` crate has no kernel
//! threads. `kthread_stop` alone is no join: a thread told to stop before it first ran never
//! calls its function (`kthread()` checks `KTHREAD_SHOULD_STOP` first), so [`on_cpus`] waits
//! until every thread has done its work before it stops them.

use core::{
    cell::UnsafeCell,
    ffi::{
        c_int,
        c_void, //
    },
    ptr::NonNull,
    sync::atomic::{
        AtomicBool,
        AtomicUsize,
        Ordering, //
    },
};

use kernel::{
    bindings,
    error::from_err_ptr,
    prelude::*,
    sync::Completion, //
};

use crate::shim::generated;

/// One thread's share: which thread it is, the start signal, the work, and its result.
///
/// # Invariants
///
/// `result` is written only by the thread running this job, before its function returns, and
/// read only by [`on_cpus`] after joining that thread.
struct Job<'a, T> {
    index: usize,
    start: &'a Start,
    work: &'a (dyn Fn(usize) -> T + Sync),
    result: UnsafeCell<Option<T>>,
}

/// What releases the threads and tells when they are done: `go` says whether to run the work
/// (false when spawning a later thread failed), `released` lets them look; `finished` counts
/// the threads that ran the work, and the last of `threads` completes `done`.
#[pin_data]
struct Start {
    go: AtomicBool,
    #[pin]
    released: Completion,
    threads: usize,
    finished: AtomicUsize,
    #[pin]
    done: Completion,
}

/// The threads spawned so far. Dropping it releases them (to return at once, unless
/// [`Spawned::run`] released them to work) and joins them, so that none outlives the jobs it
/// points into.
///
/// # Invariants
///
/// Each task present is a thread of `memlab_kthread_run_on` whose reference has not been
/// dropped, running [`thread_main`] over a job that outlives `self`; `released` says whether
/// `start` was released.
struct Spawned<'a> {
    start: &'a Start,
    tasks: KVec<Option<NonNull<bindings::task_struct>>>,
    released: bool,
}

impl Spawned<'_> {
    /// Releases the threads to run the work, waits until every one has, and joins them.
    fn run(mut self) {
        self.release(true);
        self.start.done.wait_for_completion();
    }

    fn release(&mut self, go: bool) {
        if !self.released {
            self.start.go.store(go, Ordering::Release);
            self.start.released.complete_all();
            // INVARIANT: Just released.
            self.released = true;
        }
    }
}

impl Drop for Spawned<'_> {
    fn drop(&mut self) {
        self.release(false);
        for task in self.tasks.iter_mut().filter_map(Option::take) {
            // SAFETY: `task` is a thread of `memlab_kthread_run_on` whose reference is held (type
            // invariant) and dropped here, once: `take` leaves `None` in its place. The thread
            // was released above, so its function returns and the join ends.
            unsafe { generated::memlab_kthread_join(task.as_ptr()) };
        }
    }
}

/// The function of every thread: waits for the release, runs the work if told to, stores the
/// result.
///
/// # Safety
///
/// `data` is a `Job<'_, T>` that outlives the thread (no use of it after this returns).
unsafe extern "C" fn thread_main<T>(data: *mut c_void) -> c_int {
    // SAFETY: `data` is a live `Job<'_, T>` for as long as this function runs (the function's
    // safety requirement).
    let job = unsafe { &*data.cast::<Job<'_, T>>() };
    job.start.released.wait_for_completion();
    if job.start.go.load(Ordering::Acquire) {
        let result = (job.work)(job.index);
        // SAFETY: Only this thread writes the job's result, and nobody reads it before this
        // thread is joined (type invariant of `Job`).
        unsafe { *job.result.get() = Some(result) };
        let start = job.start;
        if start.finished.fetch_add(1, Ordering::AcqRel) + 1 == start.threads {
            start.done.complete_all();
        }
    }
    0
}

/// Runs `work(i)` for `i` in `0..n` on `n` kernel threads at once, thread `i` bound to CPU `i`,
/// released together once all exist; returns their results in order when all have finished.
/// Sleeps.
///
/// # Errors
///
/// `EINVAL` when `n` is 0 or a CPU below `n` is not online; `ENOMEM` (or what `kthread_create`
/// returns) when a thread cannot be made: then the threads made so far return without running
/// `work` and are joined before this returns.
pub(crate) fn on_cpus<T: Send>(n: usize, work: &(dyn Fn(usize) -> T + Sync)) -> Result<KVec<T>> {
    if n == 0 {
        return Err(EINVAL);
    }
    kernel::task::might_sleep();
    let start = KBox::pin_init(
        pin_init!(Start {
            go: AtomicBool::new(false),
            released <- Completion::new(),
            threads: n,
            finished: AtomicUsize::new(0),
            done <- Completion::new(),
        }),
        GFP_KERNEL,
    )?;
    let mut jobs = KVec::with_capacity(n, GFP_KERNEL)?;
    for index in 0..n {
        // INVARIANT: No thread exists yet; the result is empty.
        jobs.push(
            Job {
                index,
                start: &start,
                work,
                result: UnsafeCell::new(None),
            },
            GFP_KERNEL,
        )?;
    }
    // From here on `jobs` neither grows nor moves its elements until it is dropped, after
    // `spawned` (declared later, dropped first) has joined every thread.
    // A place for every task before the first exists, so that keeping one cannot fail.
    let mut tasks = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        tasks.push(None, GFP_KERNEL)?;
    }
    // INVARIANT: No task yet, not released.
    let mut spawned = Spawned {
        start: &start,
        tasks,
        released: false,
    };
    for ((cpu, job), place) in jobs.iter().enumerate().zip(spawned.tasks.iter_mut()) {
        let cpu = u32::try_from(cpu).map_err(|_| EINVAL)?;
        let data = core::ptr::from_ref(job).cast_mut().cast::<c_void>();
        // SAFETY: `thread_main::<T>` runs over `data`, a `Job<'_, T>` that outlives the thread:
        // the thread is joined by `spawned`'s drop, which runs before `jobs` is dropped.
        let task = unsafe { generated::memlab_kthread_run_on(Some(thread_main::<T>), data, cpu) };
        let task = NonNull::new(from_err_ptr(task)?).ok_or(ENOMEM)?;
        // INVARIANT: A thread of `memlab_kthread_run_on`, its reference held, over a job that
        // outlives `spawned`.
        *place = Some(task);
    }
    spawned.run();
    let mut results = KVec::with_capacity(n, GFP_KERNEL)?;
    for job in jobs {
        // Every thread ran the work: it was released with `go`.
        results.push(job.result.into_inner().ok_or(EINVAL)?, GFP_KERNEL)?;
    }
    Ok(results)
}

#[kunit_tests(memlab_kthread)]
mod tests {
    use super::*;
    use kernel::cpu::{
        nr_cpu_ids,
        CpuId, //
    };

    #[test]
    fn each_thread_runs_on_its_own_cpu() -> Result {
        let cpus = usize::try_from(nr_cpu_ids()).map_err(|_| EINVAL)?;
        let on = on_cpus(cpus, &|i| (i, CpuId::current().as_u32()))?;
        assert_eq!(on.len(), cpus);
        for (i, &(index, cpu)) in on.iter().enumerate() {
            assert_eq!(index, i);
            assert_eq!(usize::try_from(cpu), Ok(i));
        }
        Ok(())
    }

    #[test]
    fn the_threads_share_what_the_closure_borrows() -> Result {
        let counter = core::sync::atomic::AtomicU64::new(0);
        let sums = on_cpus(1, &|_| {
            for _ in 0..1000 {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            7
        })?;
        assert_eq!(sums[..], [7]);
        assert_eq!(counter.load(Ordering::Relaxed), 1000);
        Ok(())
    }

    #[test]
    fn a_thread_that_cannot_be_made_runs_none_and_joins_all() -> Result {
        let ran = AtomicBool::new(false);
        let cpus = usize::try_from(nr_cpu_ids()).map_err(|_| EINVAL)?;
        // CPU `cpus` does not exist: the threads on the CPUs before it are made, then released
        // without running the work, and joined.
        let result = on_cpus(cpus + 1, &|_| ran.store(true, Ordering::Relaxed));
        assert_eq!(result.err(), Some(EINVAL));
        assert!(!ran.load(Ordering::Relaxed));
        assert_eq!(on_cpus(0, &|_| ()).err(), Some(EINVAL));
        Ok(())
    }
}
