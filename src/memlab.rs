// SPDX-License-Identifier: GPL-2.0

//! memlab: the Linux kernel's memory APIs, wrapped safely and made easy to study.
//!
//! memlab reaches C in three ways, and proves each with one real call when it loads:
//!
//! - the kernel's own Rust crate (`kernel::page::Page`, debugfs, printing);
//! - module-local bindgen over `src/shim/shim.h`, which also wraps `static inline` kernel
//!   functions such as `virt_to_phys` (see [`shim`]);
//! - a C shim compiled into the same `.ko`, for macros such as `kmalloc`.
//!
//! The source is layered; each layer uses only those below it:
//!
//! - [`lab`]: the debugfs interface, `/sys/kernel/debug/memlab/` (safe Rust only);
//! - [`edu`]: the PCI driver for QEMU's `edu` device, the real hardware behind the ioremap and
//!   DMA wrappers, with their device-level KUnit suite;
//! - [`mm`]: the safe wrappers, one C API family per file, each with its KUnit suite
//!   (`memlab_<family>`, run at insmod), failure paths proven with the kernel's fault injection;
//!   beside them [`kthread`], scoped kernel threads pinned to CPUs (the benchmarks' threads);
//! - the ground: [`shim`] (the FFI edge) and pure values ([`facts`], [`units`]).
//!
//! The module-wide globals (the cache-name registry, the edu device slot) are opened here and
//! closed at unload.
//!
//! A session in the test VM (`scripts/vm run -- sh` or `make shell`):
//!
//! ```text
//! # insmod memlab.ko
//! memlab: memlab 0.1.0 on Linux 7.3.4, PAGE_SIZE 4 KiB
//! memlab: kernel crate: Page::alloc_page() gave a page on node 0
//! memlab: bindgen: virt_to_phys(page_address(page)) lies in zone Normal
//! memlab: C shim: kmalloc(100, GFP_KERNEL) lands in the 128 B bucket
//! memlab_edu 0000:00:02.0: edu 0x010000ed: BAR 0 at 0xfea00000 (1048576 bytes) mapped, ...
//! memlab: ready: /sys/kernel/debug/memlab/
//! # cat /sys/kernel/debug/memlab/info
//! memlab_version: 0.1.0
//! kernel_release: 7.3.4
//! page_size: 4096 (4 KiB)
//! ...
//! # rmmod memlab
//! memlab: unloaded
//! ```

use kernel::{
    driver,
    page::Page,
    pci,
    prelude::*, //
};

// The wrappers and the edu driver are libraries: their KUnit suites use all of their API, the
// lab most of it. Without KUnit (Debian's kernel) the rest is dead code there, and only there;
// kernels with KUnit still check it.
mod bench;
#[cfg_attr(
    not(CONFIG_KUNIT = "y"),
    expect(
        dead_code,
        reason = "API the KUnit suites use and the lab does not (yet)"
    )
)]
mod edu;
mod facts;
mod kthread;
mod lab;
#[cfg_attr(
    not(CONFIG_KUNIT = "y"),
    expect(
        dead_code,
        reason = "API the KUnit suites use and the lab does not (yet)"
    )
)]
mod mm;
mod shim;
mod shuffle;
mod units;
mod wide;

use mm::{
    dma,
    gfp::Gfp,
    kmalloc,
    kmem_cache, //
};
use units::Bytes;

module! {
    type: Memlab,
    name: "memlab",
    authors: ["memlab developers"],
    description: "Safe Rust wrappers over the kernel's memory APIs, with a debugfs lab bench",
    license: "GPL",
    params: {
        misuse_atomic_sleep: bool {
            default: false,
            description: "Harness self-test only: at load, allocate with GFP_KERNEL under a \
                spinlock, which the debug kernel must report",
        },
        misuse_atomic_drop: bool {
            default: false,
            description: "Harness self-test only: at load, drop a coherent DMA buffer under a \
                spinlock, which the debug kernel must report",
        },
        max_bytes: u64 {
            default: 0,
            description: "The most bytes the debugfs lab keeps allocated at once (E2BIG past it); \
                0, the default, is a quarter of RAM",
        },
        leak_at_exit: bool {
            default: false,
            description: "Harness self-test only: at unload, leak one kmalloc buffer with \
                non-zero contents, which kmemleak must report",
        },
    },
}

/// memlab's own version, shown at load and in `info`.
const VERSION: &str = "0.1.0";

// The kernel's printing macros format with `kernel::fmt::Display`; `units` and `wide` are pure
// (host-tested) and implement `core::fmt::Display`, so forward one to the other here, on the
// kernel side.
impl kernel::fmt::Display for Bytes {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

impl kernel::fmt::Display for wide::Decimal {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// The loaded module: owns everything it created, and removes it on unload.
///
/// Fields drop in order: the edu driver is unregistered (unbinding the device, which empties
/// the device slot) before the debugfs files go, and the slot and the cache-name registry close
/// last.
struct Memlab {
    _edu_driver: Pin<KBox<driver::Registration<pci::Adapter<edu::EduDriver>>>>,
    _bench: bench::debugfs::Files,
    _debugfs: lab::debugfs::Interface,
    _edu_slot: edu::DeviceSlot,
    _cache_names: kmem_cache::NameRegistry,
}

impl kernel::Module for Memlab {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let cache_names = kmem_cache::NameRegistry::open()?;
        let edu_slot = edu::DeviceSlot::open()?;
        let facts = shim::facts();
        pr_info!(
            "memlab {VERSION} on Linux {}, PAGE_SIZE {}\n",
            facts.kernel_release,
            Bytes(facts.page_size)
        );
        prove_ffi_paths(facts.page_size)?;
        if module_parameters::misuse_atomic_sleep.value() {
            misuse_atomic_sleep()?;
        }
        let debugfs = lab::debugfs::Interface::new(VERSION, facts, lab_budget())?;
        let bench = bench::debugfs::Files::new(debugfs.dir())?;
        // Binds QEMU's edu device, if there is one (the ioremap and DMA families need it).
        let edu_driver =
            KBox::pin_init(driver::Registration::new(c"memlab_edu", module), GFP_KERNEL)?;
        if module_parameters::misuse_atomic_drop.value() {
            misuse_atomic_drop()?;
        }
        pr_info!("ready: /sys/kernel/debug/memlab/\n");
        Ok(Self {
            _edu_driver: edu_driver,
            _bench: bench,
            _debugfs: debugfs,
            _edu_slot: edu_slot,
            _cache_names: cache_names,
        })
    }
}

impl Drop for Memlab {
    fn drop(&mut self) {
        if module_parameters::leak_at_exit.value() {
            leak_at_exit();
        }
        pr_info!("unloaded\n");
    }
}

/// The lab's byte budget: `max_bytes`, or a quarter of RAM when it is 0.
fn lab_budget() -> u64 {
    match module_parameters::max_bytes.value() {
        0 => shim::totalram_bytes() / 4,
        max_bytes => max_bytes,
    }
}

/// Drops a `DmaCoherent` (whose `dma_free_attrs` WARNs only with interrupts off, so under a
/// plain spinlock the C path alone reports nothing) under a spinlock on purpose, for
/// `scripts/harness-selftest`: its `Drop`'s own `might_sleep()` must make
/// `CONFIG_DEBUG_ATOMIC_SLEEP` report it, and `make test` must then fail.
fn misuse_atomic_drop() -> Result {
    let lock = KBox::pin_init(kernel::new_spinlock!(()), GFP_KERNEL)?;
    edu::with(|edu| {
        let buf = dma::DmaCoherent::new(edu, 4096, Gfp::KERNEL)?;
        let _guard = lock.lock();
        pr_warn!("misuse_atomic_drop: dropping a DMA buffer under a spinlock, on purpose\n");
        drop(buf);
        Ok(())
    })?
}

/// Leaks one kmalloc buffer with non-zero contents on purpose, for `scripts/harness-selftest`:
/// kmemleak must report it after unload, and `make test` must then fail.
fn leak_at_exit() {
    match kmalloc::KmallocBuf::new_uninit(128, Gfp::KERNEL) {
        Ok(buf) => {
            pr_warn!("leak_at_exit: leaking 128 bytes, on purpose\n");
            core::mem::forget(buf.fill(0x6b));
        }
        Err(error) => pr_err!("leak_at_exit: kmalloc failed: {error:?}\n"),
    }
}

/// Breaks memlab's one rule safe Rust cannot check (choose an atomic GFP flag in atomic
/// context) on purpose, for `scripts/harness-selftest`: the allocation's `might_sleep()` must
/// make `CONFIG_DEBUG_ATOMIC_SLEEP` report it, and `make test` must then fail.
fn misuse_atomic_sleep() -> Result {
    let lock = KBox::pin_init(kernel::new_spinlock!(()), GFP_KERNEL)?;
    let _guard = lock.lock();
    pr_warn!("misuse_atomic_sleep: kmalloc(GFP_KERNEL) under a spinlock, on purpose\n");
    let _buf = kmalloc::KmallocBuf::new_uninit(64, Gfp::KERNEL)?;
    Ok(())
}

/// Makes one real call through each of the three ways memlab reaches C, and says so in dmesg.
fn prove_ffi_paths(page_size: u64) -> Result {
    let page = Page::alloc_page(GFP_KERNEL)?;
    pr_info!(
        "kernel crate: Page::alloc_page() gave a page on node {}\n",
        page.nid()
    );

    let phys = shim::page_phys_addr(&page);
    let zone = shim::zones()
        .find(|zone| zone.spans(phys, page_size))
        .map_or("(none)", |zone| zone.name);
    pr_info!("bindgen: virt_to_phys(page_address(page)) lies in zone {zone}\n");

    let gfp = Gfp::KERNEL;
    let bucket = kmalloc::KmallocBuf::new_uninit(100, gfp)?.ksize();
    pr_info!(
        "C shim: kmalloc(100, {gfp}) lands in the {} bucket\n",
        Bytes(bucket as u64)
    );
    Ok(())
}
