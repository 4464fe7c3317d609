// SPDX-License-Identifier: GPL-2.0

//! What `bench/run` is asked to measure: `[quick|all] [api=A[,A..]] [pattern=P[,P..]]
//! [size=S[,S..]] [threads=N[,N..]] [iters=N] [repeat=N] [variants=V[,V..]]
//! [gates=allow|refuse]`, where a preset (`quick`, `all`) gives the APIs, patterns, sizes, iters
//! and repeats the keys after it do not, and without one `api=` is required.
//!
//! A case is an API, a pattern, a size and a number of threads ([`Case`]); [`Spec::cases`]
//! lists a spec's cases. A case of N threads runs the same loop on N kernel threads at once,
//! each pinned to its own CPU: the contention of the allocators the issue names (kmalloc,
//! kmem_cache, alloc_pages, vmalloc; [`Api::threaded`]).
//!
//! Pure logic, tested on the host. Every refusal is `EINVAL` with a one-line reason, except a
//! run too long to be worth starting (`iters` × `repeat` above [`MAX_CALLS`]): `E2BIG`.

use core::fmt;

use crate::bench::summary::MAX_REPEATS;
use crate::lab::{
    reply::{
        refuse,
        Outcome, //
    },
    words,
};
use crate::wide::{
    self,
    Decimal, //
};

/// The APIs the benchmarks time: an alloc and its free (a map and its unmap for `vmap` and
/// `kmap_local`), of one size, in the [`Pattern`]s the API has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// `kmalloc` + `kfree`.
    Kmalloc,
    /// `kzalloc` + `kfree`.
    Kzalloc,
    /// `kmalloc` of half the size, `krealloc` to the size, `kfree`: a buffer that grows.
    Krealloc,
    /// `kvmalloc` + `kvfree`.
    Kvmalloc,
    /// `vmalloc` + `vfree`.
    Vmalloc,
    /// `vzalloc` + `vfree`.
    Vzalloc,
    /// `vmalloc_32` + `vfree`.
    Vmalloc32,
    /// `alloc_pages` + `__free_pages` of the order that holds the size.
    Pages,
    /// `__get_free_pages` + `free_pages` of the order that holds the size.
    GetFreePages,
    /// `get_zeroed_page` + `free_page` (one page).
    ZeroedPage,
    /// `kmem_cache_alloc` + `kmem_cache_free` of a cache of objects of the size.
    KmemCache,
    /// The same, from a cache with a constructor (it runs when a slab is filled, not per
    /// allocation).
    KmemCacheCtor,
    /// `mempool_alloc` + `mempool_free` of a kmalloc-backed pool with its reserve idle.
    Mempool,
    /// The same with the reserve in use: the pool's allocator fails (it refuses every
    /// allocation that may not reclaim, which is `mempool_alloc`'s first try), so each
    /// element comes from the reserve and goes back to it.
    MempoolReserve,
    /// `vmap` + `vunmap` of the size's pages (single pages, allocated once per case).
    Vmap,
    /// `kmap_local_page` + `kunmap_local` of one page (allocated once per case).
    KmapLocal,
    /// `kmem_cache_alloc_bulk` of N objects, then `kmem_cache_free_bulk` of them: the bulk
    /// peer of `kmem_cache`'s batch.
    KmemCacheBulk,
    /// `alloc_pages_bulk` of N single pages, then `__free_page` of each: the bulk peer of
    /// `alloc_pages`'s batch of single pages.
    PagesBulk,
    /// `ioremap` + `iounmap` of the size's bytes of the edu device's BAR 0 (nothing accessed).
    Ioremap,
    /// `dma_alloc_coherent` + `dma_free_coherent` for the edu device.
    DmaCoherent,
}

impl Api {
    /// Every API, in report order.
    pub(crate) const ALL: [Api; 20] = [
        Api::Kmalloc,
        Api::Kzalloc,
        Api::Krealloc,
        Api::Kvmalloc,
        Api::Vmalloc,
        Api::Vzalloc,
        Api::Vmalloc32,
        Api::Pages,
        Api::GetFreePages,
        Api::ZeroedPage,
        Api::KmemCache,
        Api::KmemCacheCtor,
        Api::Mempool,
        Api::MempoolReserve,
        Api::Vmap,
        Api::KmapLocal,
        Api::KmemCacheBulk,
        Api::PagesBulk,
        Api::Ioremap,
        Api::DmaCoherent,
    ];

    /// The API's name, as the spec and the report write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Api::Kmalloc => "kmalloc",
            Api::Kzalloc => "kzalloc",
            Api::Krealloc => "krealloc",
            Api::Kvmalloc => "kvmalloc",
            Api::Vmalloc => "vmalloc",
            Api::Vzalloc => "vzalloc",
            Api::Vmalloc32 => "vmalloc_32",
            Api::Pages => "alloc_pages",
            Api::GetFreePages => "get_free_pages",
            Api::ZeroedPage => "get_zeroed_page",
            Api::KmemCache => "kmem_cache",
            Api::KmemCacheCtor => "kmem_cache_ctor",
            Api::Mempool => "mempool",
            Api::MempoolReserve => "mempool_reserve",
            Api::Vmap => "vmap",
            Api::KmapLocal => "kmap_local",
            Api::KmemCacheBulk => "kmem_cache_bulk",
            Api::PagesBulk => "alloc_pages_bulk",
            Api::Ioremap => "ioremap",
            Api::DmaCoherent => "dma_coherent",
        }
    }

    /// Whether the API frees through the vmalloc area, which unmaps lazily: `vfree`,
    /// `vunmap` and `iounmap` leave the area for a later purge (and `kvfree` of what
    /// `kvmalloc` got from vmalloc). Each round of these on one thread ends with that purge,
    /// timed.
    pub(crate) fn unmaps_lazily(self) -> bool {
        matches!(
            self,
            Api::Kvmalloc | Api::Vmalloc | Api::Vzalloc | Api::Vmalloc32 | Api::Vmap | Api::Ioremap
        )
    }

    /// Whether the API runs on several threads (`threads=N`): the allocators whose contention
    /// is worth seeing, kmalloc, kmem_cache, alloc_pages and vmalloc.
    pub(crate) fn threaded(self) -> bool {
        matches!(
            self,
            Api::Kmalloc | Api::KmemCache | Api::Pages | Api::Vmalloc
        )
    }

    /// Whether the API needs the edu device (a run skips its cases when none is bound).
    pub(crate) fn needs_device(self) -> bool {
        matches!(self, Api::Ioremap | Api::DmaCoherent)
    }

    /// The patterns the API has: bulk APIs only batches; the allocators pairs and batches
    /// (in order and random); kmalloc, vmalloc and alloc_pages also touch their memory; the
    /// mappings (`vmap`, `kmap_local`, `ioremap`), `krealloc` (a buffer that grows),
    /// `mempool_reserve` (a batch would outgrow the reserve) and `dma_coherent` pairs only.
    pub(crate) fn has(self, pattern: Pattern) -> bool {
        match (self, pattern) {
            (Api::KmemCacheBulk | Api::PagesBulk, pattern) => pattern == Pattern::Batch,
            (_, Pattern::Pairs) => true,
            (
                Api::Krealloc
                | Api::Vmap
                | Api::KmapLocal
                | Api::Ioremap
                | Api::DmaCoherent
                | Api::MempoolReserve,
                _,
            ) => false,
            (_, Pattern::Batch | Pattern::Random) => true,
            (Api::Kmalloc | Api::Vmalloc | Api::Pages, Pattern::Touch) => true,
            (_, Pattern::Touch) => false,
        }
    }

    /// Whether a preset runs this API in `pattern` (the size limit aside, see
    /// [`Preset::pattern_sizes_up_to`]): pairs always; the other patterns in `quick` for the
    /// classic four allocators (kmalloc, vmalloc, alloc_pages, kmem_cache) and the bulk APIs,
    /// in `all` for every API that has them.
    fn preset_has(self, preset: Preset, pattern: Pattern) -> bool {
        let classic = matches!(
            self,
            Api::Kmalloc | Api::Vmalloc | Api::Pages | Api::KmemCache
        );
        self.has(pattern)
            && match (preset, pattern) {
                (_, Pattern::Pairs) => true,
                (Preset::All, _) => true,
                (Preset::Quick, _) => {
                    classic || matches!(self, Api::KmemCacheBulk | Api::PagesBulk)
                }
            }
    }

    fn parse(word: &str) -> Outcome<Api> {
        Api::ALL
            .into_iter()
            .find(|api| api.name() == word)
            .ok_or_else(|| refuse!(Inval, "api={word}: unknown (bench/apis lists them)"))
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// The sizes a preset sweeps for this API.
    fn preset_sizes(self, preset: Preset) -> &'static [u64] {
        const K: u64 = 1024;
        const M: u64 = 1024 * K;
        match (self, preset) {
            (Api::Kmalloc | Api::Kzalloc, Preset::Quick) => &[64, 4 * K],
            (Api::Kmalloc | Api::Kzalloc, Preset::All) => {
                &[8, 64, 512, 4 * K, 32 * K, 256 * K, 4 * M]
            }
            (Api::Krealloc, Preset::Quick) => &[128, 8 * K],
            (Api::Krealloc, Preset::All) => &[16, 128, 1024, 8 * K, 64 * K, 512 * K],
            (Api::Kvmalloc, Preset::Quick) => &[4 * K, 64 * K],
            (Api::Kvmalloc, Preset::All) => &[64, 4 * K, 64 * K, M, 8 * M],
            (Api::Vmalloc | Api::Vzalloc, Preset::Quick) => &[4 * K, 64 * K],
            (Api::Vmalloc | Api::Vzalloc, Preset::All) => &[4 * K, 32 * K, 256 * K, 4 * M],
            (Api::Vmalloc32, Preset::Quick) => &[4 * K],
            (Api::Vmalloc32, Preset::All) => &[4 * K, 64 * K, M],
            (Api::Pages | Api::GetFreePages, Preset::Quick) => &[4 * K, 32 * K],
            (Api::Pages | Api::GetFreePages, Preset::All) => {
                &[4 * K, 8 * K, 32 * K, 256 * K, 4 * M]
            }
            (Api::ZeroedPage | Api::KmapLocal | Api::PagesBulk, _) => &[4 * K],
            (Api::KmemCache | Api::KmemCacheCtor | Api::KmemCacheBulk, Preset::Quick) => {
                &[64, 1024]
            }
            (Api::KmemCache | Api::KmemCacheCtor | Api::KmemCacheBulk, Preset::All) => {
                &[8, 64, 512, 4 * K]
            }
            (Api::Mempool | Api::MempoolReserve, Preset::Quick) => &[64, 4 * K],
            (Api::Mempool | Api::MempoolReserve, Preset::All) => &[64, 512, 4 * K],
            (Api::Vmap, Preset::Quick) => &[16 * K, 256 * K],
            (Api::Vmap, Preset::All) => &[4 * K, 64 * K, M],
            (Api::Ioremap, Preset::Quick) => &[4 * K],
            (Api::Ioremap, Preset::All) => &[4 * K, 64 * K, M],
            (Api::DmaCoherent, Preset::Quick) => &[4 * K, 64 * K],
            (Api::DmaCoherent, Preset::All) => &[4 * K, 64 * K, M],
        }
    }
}

/// The text of `bench/apis`: one line per API, its name and the sizes of each preset.
pub(crate) struct ApiList;

impl fmt::Display for ApiList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "# api: quick sizes | all sizes (bytes) | patterns; variants: c rust kernel; threads=N>1:"
        )?;
        for api in Api::ALL.into_iter().filter(|api| api.threaded()) {
            write!(f, " {}", api.name())?;
        }
        writeln!(f)?;
        for api in Api::ALL {
            write!(f, "{}:", api.name())?;
            for preset in [Preset::Quick, Preset::All] {
                for &size in api.preset_sizes(preset) {
                    write!(f, " {}", Decimal(size))?;
                }
                f.write_str(" |")?;
            }
            for pattern in Pattern::ALL.into_iter().filter(|&p| api.has(p)) {
                write!(f, " {}", pattern.name())?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// How a case's allocations follow each other. Every pattern makes N allocations and N frees
/// per round, and the report gives the cost of one allocation and its free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Each allocation freed at once: the allocator's fast path, as a loop that reuses one
    /// object sees it.
    Pairs,
    /// N allocations held, then freed in the order they were made (a bulk API's batch: one
    /// bulk allocation of N, then one bulk free).
    Batch,
    /// N allocations held, then freed in a random order, the same for every variant.
    Random,
    /// Each allocation written in full (every byte once), then freed at once.
    Touch,
}

impl Pattern {
    /// Every pattern, in report order.
    pub(crate) const ALL: [Pattern; 4] = [
        Pattern::Pairs,
        Pattern::Batch,
        Pattern::Random,
        Pattern::Touch,
    ];

    /// The pattern's name, as the spec and the report write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Pattern::Pairs => "pairs",
            Pattern::Batch => "batch",
            Pattern::Random => "random",
            Pattern::Touch => "touch",
        }
    }

    fn parse(word: &str) -> Outcome<Pattern> {
        Pattern::ALL
            .into_iter()
            .find(|pattern| pattern.name() == word)
            .ok_or_else(|| {
                refuse!(
                    Inval,
                    "pattern={word}: unknown ({})",
                    Names(&Pattern::ALL, Pattern::name)
                )
            })
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// One case of a run: an API, a pattern, a size, and how many threads run it at once (1 to
/// [`MAX_THREADS`], more than 1 only for an [`Api::threaded`]). Its variants are timed against
/// each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Case {
    pub(crate) api: Api,
    pub(crate) pattern: Pattern,
    pub(crate) size: u64,
    pub(crate) threads: u32,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} pattern={} size={}",
            self.api.name(),
            self.pattern.name(),
            Decimal(self.size)
        )?;
        if self.threads > 1 {
            write!(f, " threads={}", self.threads)?;
        }
        Ok(())
    }
}

/// Who makes the calls in a case's loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The loop written in C in the shim, calling the C API directly: the baseline.
    C,
    /// The same loop over memlab's safe wrappers.
    Rust,
    /// The same loop over the `kernel` crate's peer, where one exists.
    Kernel,
}

impl Variant {
    /// Every variant, in the order a case runs them.
    pub(crate) const ALL: [Variant; 3] = [Variant::C, Variant::Rust, Variant::Kernel];

    /// The variant's name, as the spec and the report write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Variant::C => "c",
            Variant::Rust => "rust",
            Variant::Kernel => "kernel",
        }
    }

    fn parse(word: &str) -> Outcome<Variant> {
        Variant::ALL
            .into_iter()
            .find(|variant| variant.name() == word)
            .ok_or_else(|| {
                refuse!(
                    Inval,
                    "variants={word}: unknown ({})",
                    Names(&Variant::ALL, Variant::name)
                )
            })
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A named sweep of sizes and patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Preset {
    /// A few sizes per API, pairs everywhere and the other patterns of the classic allocators:
    /// `make run`'s default.
    Quick,
    /// Every size class of interest, 8 B to 4 MiB, and every pattern.
    All,
}

impl Preset {
    /// The largest size at which the preset runs the patterns other than pairs.
    fn pattern_sizes_up_to(self) -> u64 {
        match self {
            Preset::Quick => 4096,
            Preset::All => 65536,
        }
    }

    /// The most bytes one timed round of a case allocates (see [`Spec::iters_for`]): 16 MiB in
    /// `quick` (and a spec without a preset), so that its 64 KiB cases stay short enough for
    /// `make run`; 64 MiB in `all`.
    fn round_bytes(self) -> u64 {
        match self {
            Preset::Quick => 16 << 20,
            Preset::All => 64 << 20,
        }
    }
}

/// The most sizes one spec may name.
pub(crate) const MAX_SIZES: usize = 8;
/// The most alloc+free pairs one case may make per variant (`iters` × `repeat`).
pub(crate) const MAX_CALLS: u64 = 10_000_000;
/// The most threads a case may run on (`threads=`); a run also needs that many CPUs online.
pub(crate) const MAX_THREADS: u32 = 32;

/// A parsed `bench/run` spec.
///
/// # Invariants
///
/// `apis` and `variants` name at least one of each, and so does `patterns` when it is not 0
/// (each API's preset patterns); `iters` and `repeat` are at least 1,
/// `repeat` at most [`MAX_REPEATS`], and their product at most [`MAX_CALLS`]; `sizes` is empty (each API's preset sweep) or has
/// 1 to [`MAX_SIZES`] nonzero sizes; `threads` has at least one bit, bit `n - 1` for `n`
/// threads, and `repeat` × the most threads is at most [`MAX_REPEATS`] (one sample per thread
/// and round).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    apis: u32,
    patterns: u8,
    preset: Preset,
    sizes: [u64; MAX_SIZES],
    sizes_len: usize,
    threads: u32,
    /// Allocations (each with its free) per timed repeat: N of [`Pattern`].
    pub(crate) iters: u32,
    /// Timed repeats per variant (after one untimed warm-up repeat).
    pub(crate) repeat: u32,
    variants: u8,
    /// Whether to run with a debugging gate on (see [`crate::bench::host`]): `gates=allow`.
    pub(crate) allow_gates: bool,
}

impl Spec {
    /// Parses a spec (surrounding whitespace and a final newline are ignored): an optional
    /// preset word first (`quick`, `all`), then `key=value` words, which override the preset's.
    pub(crate) fn parse(text: &str) -> Outcome<Spec> {
        let mut words = text.split_whitespace().peekable();
        let mut spec = match words.peek() {
            None => {
                return Err(refuse!(
                    Inval,
                    "empty spec: quick, all, or api=... (see README)"
                ))
            }
            Some(&"quick") => Spec::preset(Preset::Quick, 1000, 5),
            Some(&"all") => Spec::preset(Preset::All, 1000, 5),
            Some(_) => Spec {
                apis: 0,
                ..Spec::preset(Preset::Quick, 1000, 5)
            },
        };
        if spec.apis != 0 {
            words.next();
        }
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(refuse!(
                    Inval,
                    "'{word}': expected key=value (a preset, quick or all, comes first)"
                ));
            };
            match key {
                "api" => {
                    spec.apis = 0;
                    for name in value.split(',') {
                        spec.apis |= Api::parse(name)?.bit();
                    }
                }
                "pattern" => {
                    spec.patterns = 0;
                    for name in value.split(',') {
                        spec.patterns |= Pattern::parse(name)?.bit();
                    }
                }
                "size" => {
                    spec.sizes_len = 0;
                    for size in value.split(',') {
                        if spec.sizes_len == MAX_SIZES {
                            return Err(refuse!(Inval, "size=: at most {MAX_SIZES} sizes"));
                        }
                        let bytes = words::size(size)?;
                        if bytes == 0 {
                            return Err(refuse!(Inval, "size=0 means nothing to allocate"));
                        }
                        spec.sizes[spec.sizes_len] = bytes;
                        spec.sizes_len += 1;
                    }
                }
                "threads" => {
                    spec.threads = 0;
                    for n in value.split(',') {
                        match count(key, n)? {
                            n @ 1..=MAX_THREADS => spec.threads |= 1 << (n - 1),
                            _ => return Err(refuse!(Inval, "threads={n}: 1 to {MAX_THREADS}")),
                        }
                    }
                }
                "iters" => spec.iters = count(key, value)?,
                "repeat" => {
                    spec.repeat = count(key, value)?;
                    if spec.repeat as usize > MAX_REPEATS {
                        return Err(refuse!(Inval, "repeat={value}: at most {MAX_REPEATS}"));
                    }
                }
                "variants" => {
                    spec.variants = 0;
                    for name in value.split(',') {
                        spec.variants |= Variant::parse(name)?.bit();
                    }
                }
                "gates" => {
                    spec.allow_gates = match value {
                        "allow" => true,
                        "refuse" => false,
                        _ => return Err(refuse!(Inval, "gates={value}: allow or refuse")),
                    }
                }
                _ => {
                    return Err(refuse!(
                        Inval,
                        "'{key}': unknown key (api, pattern, size, threads, iters, repeat, variants, gates)"
                    ))
                }
            }
        }
        if spec.apis == 0 {
            return Err(refuse!(Inval, "no api= given"));
        }
        if spec.cases().next().is_none() {
            return Err(refuse!(
                Inval,
                "no case: the APIs named have none of the patterns or thread counts named (bench/apis lists them)"
            ));
        }
        let samples = spec.repeat as usize * spec.max_threads() as usize;
        if samples > MAX_REPEATS {
            return Err(refuse!(
                Inval,
                "repeat x threads = {samples}: at most {MAX_REPEATS} samples per variant"
            ));
        }
        let calls = u64::from(spec.iters) * u64::from(spec.repeat);
        if calls > MAX_CALLS {
            return Err(refuse!(
                TooBig,
                "iters x repeat = {}: at most {} per case",
                Decimal(calls),
                Decimal(MAX_CALLS)
            ));
        }
        // INVARIANT: every field was checked above or is a preset's.
        Ok(spec)
    }

    fn preset(preset: Preset, iters: u32, repeat: u32) -> Spec {
        Spec {
            apis: Api::ALL.iter().fold(0, |bits, api| bits | api.bit()),
            patterns: 0,
            preset,
            sizes: [0; MAX_SIZES],
            sizes_len: 0,
            threads: 1,
            iters,
            repeat,
            variants: Variant::ALL.iter().fold(0, |bits, v| bits | v.bit()),
            allow_gates: false,
        }
    }

    /// The APIs to time, in report order.
    pub(crate) fn apis(&self) -> impl Iterator<Item = Api> + '_ {
        Api::ALL
            .into_iter()
            .filter(|api| self.apis & api.bit() != 0)
    }

    /// The sizes to time for `api`: the spec's own, or the preset's sweep.
    fn sizes(&self, api: Api) -> &[u64] {
        if self.sizes_len > 0 {
            return &self.sizes[..self.sizes_len];
        }
        api.preset_sizes(self.preset)
    }

    /// Whether the spec times `api` in `pattern` at `size`: the patterns it names that the API
    /// has, or else the preset's (above pairs, only up to [`Preset::pattern_sizes_up_to`]).
    fn times(&self, api: Api, pattern: Pattern, size: u64) -> bool {
        if self.patterns != 0 {
            return self.patterns & pattern.bit() != 0 && api.has(pattern);
        }
        api.preset_has(self.preset, pattern)
            && (pattern == Pattern::Pairs || size <= self.preset.pattern_sizes_up_to())
    }

    /// The thread counts the spec names, ascending.
    fn thread_counts(&self) -> impl Iterator<Item = u32> + '_ {
        (1..=MAX_THREADS).filter(|n| self.threads & (1 << (n - 1)) != 0)
    }

    /// The most threads a case of the spec runs on.
    pub(crate) fn max_threads(&self) -> u32 {
        self.thread_counts().last().unwrap_or(1)
    }

    /// The cases to time, in report order: by API, then size, then pattern, then threads (more
    /// than one only for the [`Api::threaded`]).
    pub(crate) fn cases(&self) -> impl Iterator<Item = Case> + '_ {
        self.apis().flat_map(move |api| {
            self.sizes(api).iter().flat_map(move |&size| {
                Pattern::ALL
                    .into_iter()
                    .filter(move |&pattern| self.times(api, pattern, size))
                    .flat_map(move |pattern| {
                        self.thread_counts()
                            .filter(move |&threads| threads == 1 || api.threaded())
                            .map(move |threads| Case {
                                api,
                                pattern,
                                size,
                                threads,
                            })
                    })
            })
        })
    }

    /// The allocations per round for a case of `size` bytes: `iters`, but no more than the
    /// preset's [`Preset::round_bytes`] allocated in a round (at least one), so that the 4 MiB
    /// cases of `all` take seconds, not minutes. The report states the count each case ran.
    pub(crate) fn iters_for(&self, size: u64) -> u32 {
        let fit = wide::div(self.preset.round_bytes(), size.max(1)).max(1);
        u32::try_from(fit).map_or(self.iters, |fit| self.iters.min(fit))
    }

    /// Whether the spec asks for `variant`.
    pub(crate) fn wants(&self, variant: Variant) -> bool {
        self.variants & variant.bit() != 0
    }
}

/// The names of `all`, comma-separated: what a refusal offers instead of an unknown one.
struct Names<T: 'static>(&'static [T], fn(T) -> &'static str);

impl<T: Copy> fmt::Display for Names<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{}", (self.1)(*item))?;
        }
        Ok(())
    }
}

/// Parses `iters=` or `repeat=`: 1 to `u32::MAX`.
fn count(key: &str, value: &str) -> Outcome<u32> {
    let n = words::number(value)?;
    match u32::try_from(n) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(refuse!(Inval, "{key}={value}: 1 to {}", u32::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::reply::Errno;

    fn refused(text: &str) -> Errno {
        Spec::parse(text).expect_err(text).errno()
    }

    #[test]
    fn presets_cover_every_api_and_variant() {
        for text in ["quick", "all", " quick\n", "all gates=allow"] {
            let spec = Spec::parse(text).unwrap();
            assert_eq!(spec.apis().count(), Api::ALL.len());
            assert!(Variant::ALL.into_iter().all(|v| spec.wants(v)));
            assert!(spec.apis().all(|api| !spec.sizes(api).is_empty()));
        }
        let all = Spec::parse("all").unwrap();
        assert_eq!(all.sizes(Api::Kmalloc).last(), Some(&4194304));
    }

    #[test]
    fn a_full_spec() {
        let spec =
            Spec::parse("api=kmalloc,alloc_pages size=64,4K iters=100 repeat=3 variants=c,rust")
                .unwrap();
        assert_eq!(spec.apis().collect::<Vec<_>>(), [Api::Kmalloc, Api::Pages]);
        assert_eq!(spec.sizes(Api::Kmalloc), [64, 4096]);
        assert_eq!((spec.iters, spec.repeat), (100, 3));
        assert!(
            spec.wants(Variant::C) && spec.wants(Variant::Rust) && !spec.wants(Variant::Kernel)
        );
    }

    #[test]
    fn defaults_when_only_the_api_is_given() {
        let spec = Spec::parse("api=vmalloc").unwrap();
        assert_eq!(spec.sizes(Api::Vmalloc), [4096, 65536]);
        assert!(Variant::ALL.into_iter().all(|v| spec.wants(v)));
    }

    #[test]
    fn the_api_list_names_every_api_with_its_sweeps() {
        let text = ApiList.to_string();
        assert_eq!(text.lines().count(), 1 + Api::ALL.len());
        assert!(text.contains(
            "\nkmalloc: 64 4096 | 8 64 512 4096 32768 262144 4194304 | pairs batch random touch\n"
        ));
        assert!(text.contains("\nalloc_pages_bulk: 4096 | 4096 | batch\n"));
        assert!(text.contains("\nvmap: 16384 262144 | 4096 65536 1048576 | pairs\n"));
        for api in Api::ALL {
            assert!(
                text.contains(&format!("\n{}: ", api.name())),
                "{}",
                api.name()
            );
            assert!(Spec::parse(&format!("api={}", api.name())).is_ok());
        }
    }

    fn cases(text: &str) -> Vec<String> {
        let spec = Spec::parse(text).unwrap();
        spec.cases().map(|case| case.to_string()).collect()
    }

    #[test]
    fn presets_run_the_other_patterns_of_some_apis_at_small_sizes() {
        let quick = cases("quick");
        assert_eq!(
            quick[..5],
            [
                "kmalloc pattern=pairs size=64",
                "kmalloc pattern=batch size=64",
                "kmalloc pattern=random size=64",
                "kmalloc pattern=touch size=64",
                "kmalloc pattern=pairs size=4096",
            ]
        );
        // Pairs for every API but the bulk ones, at every size; the other patterns of the
        // classic four up to 4 KiB; the bulk APIs' batches.
        assert!(quick.contains(&"vmalloc pattern=touch size=4096".to_string()));
        assert!(!quick.contains(&"vmalloc pattern=touch size=65536".to_string()));
        assert!(quick.contains(&"kmem_cache pattern=random size=1024".to_string()));
        assert!(!quick.iter().any(|c| c.starts_with("kzalloc pattern=batch")));
        assert!(quick.contains(&"alloc_pages_bulk pattern=batch size=4096".to_string()));
        assert!(!quick.iter().any(|c| c.contains("bulk pattern=pairs")));
        let all = cases("all");
        assert!(all.contains(&"kzalloc pattern=random size=32768".to_string()));
        assert!(!all.contains(&"kzalloc pattern=random size=262144".to_string()));
        assert!(!all.iter().any(|c| c.starts_with("vmap pattern=batch")));
        assert!(!all.iter().any(|c| c.starts_with("mempool pattern=touch")));
        // A batch would outgrow the pool's reserve: pairs only.
        assert!(all.contains(&"mempool pattern=batch size=512".to_string()));
        assert!(all.contains(&"mempool_reserve pattern=pairs size=512".to_string()));
        assert!(!all
            .iter()
            .any(|c| c.starts_with("mempool_reserve pattern=batch")));
    }

    #[test]
    fn threads_run_the_threaded_apis_once_per_count() {
        assert_eq!(
            cases("api=kmalloc,kzalloc,vmalloc pattern=pairs size=4K threads=2,1"),
            [
                "kmalloc pattern=pairs size=4096",
                "kmalloc pattern=pairs size=4096 threads=2",
                "kzalloc pattern=pairs size=4096",
                "vmalloc pattern=pairs size=4096",
                "vmalloc pattern=pairs size=4096 threads=2",
            ]
        );
        let spec = Spec::parse("quick threads=4").unwrap();
        assert_eq!(spec.max_threads(), 4);
        assert!(spec
            .cases()
            .all(|case| case.threads == 4 && case.api.threaded()));
        assert!(spec.cases().any(|case| case.api == Api::KmemCache));
        assert_eq!(Spec::parse("quick").unwrap().max_threads(), 1);
    }

    #[test]
    fn bad_thread_counts_are_refused() {
        for text in [
            "api=kmalloc threads=0",
            "api=kmalloc threads=33",
            "api=kmalloc threads=two",
            "api=kmalloc threads=",
            // No API named runs on threads.
            "api=kzalloc,mempool threads=2",
            // 5 rounds x 16 threads: more samples than a variant keeps.
            "api=kmalloc threads=16",
        ] {
            assert_eq!(refused(text), Errno::Inval, "{text}");
        }
        assert!(Spec::parse("api=kmalloc threads=16 repeat=4").is_ok());
        assert!(Spec::parse("api=kzalloc,kmalloc threads=2").is_ok());
    }

    #[test]
    fn a_pattern_applies_to_the_apis_that_have_it() {
        assert_eq!(
            cases("api=kmalloc,vmap,kmem_cache_bulk pattern=batch,touch size=4K"),
            [
                "kmalloc pattern=batch size=4096",
                "kmalloc pattern=touch size=4096",
                "kmem_cache_bulk pattern=batch size=4096",
            ]
        );
        assert_eq!(
            cases("quick api=vmalloc pattern=random"),
            [
                "vmalloc pattern=random size=4096",
                "vmalloc pattern=random size=65536",
            ]
        );
        assert_eq!(refused("api=vmap pattern=batch"), Errno::Inval);
        assert_eq!(refused("api=kmem_cache_bulk pattern=pairs"), Errno::Inval);
        assert_eq!(
            refused("api=ioremap,dma_coherent pattern=batch"),
            Errno::Inval
        );
        assert!(Api::Ioremap.needs_device() && !Api::Kmalloc.needs_device());
        assert_eq!(
            Spec::parse("api=kmalloc pattern=lifo")
                .unwrap_err()
                .reason(),
            "pattern=lifo: unknown (pairs, batch, random, touch)"
        );
    }

    #[test]
    fn a_round_allocates_at_most_the_preset_s_round_bytes() {
        let spec = Spec::parse("all").unwrap();
        assert_eq!(spec.iters_for(64), 1000);
        assert_eq!(spec.iters_for(65536), 1000);
        assert_eq!(spec.iters_for(4 << 20), 16);
        assert_eq!(spec.iters_for(1 << 40), 1);
        let quick = Spec::parse("quick").unwrap();
        assert_eq!(quick.iters_for(4096), 1000);
        assert_eq!(quick.iters_for(65536), 256);
        assert_eq!(
            Spec::parse("api=kmalloc iters=3")
                .unwrap()
                .iters_for(4 << 20),
            3
        );
        assert_eq!(
            Spec::parse("api=kmalloc iters=5")
                .unwrap()
                .iters_for(4 << 20),
            4
        );
    }

    #[test]
    fn keys_after_a_preset_override_it() {
        let spec = Spec::parse("quick api=vmalloc iters=10 gates=allow").unwrap();
        assert_eq!(spec.apis().collect::<Vec<_>>(), [Api::Vmalloc]);
        assert_eq!((spec.iters, spec.repeat), (10, 5));
        assert_eq!(spec.sizes(Api::Vmalloc), [4096, 65536]);
        assert!(spec.allow_gates);
        assert!(!Spec::parse("all").unwrap().allow_gates);
        assert!(
            !Spec::parse("all gates=allow gates=refuse")
                .unwrap()
                .allow_gates
        );
        assert_eq!(Spec::parse("all").unwrap().sizes(Api::Pages).len(), 5);
    }

    #[test]
    fn bad_specs_are_refused() {
        for text in [
            "",
            "fast",
            "api=malloc",
            "size=64",
            "api=kmalloc size=0",
            "api=kmalloc size=x",
            "api=kmalloc iters=0",
            "api=kmalloc repeat=-1",
            "api=kmalloc variants=go",
            "api=kmalloc color=red",
            "api=kmalloc size=1,2,3,4,5,6,7,8,9",
            "api=kmalloc iters=4294967296",
            "api=kmalloc repeat=65",
            "api=kmalloc quick",
            "api=kmalloc gates=yes",
            "quick all",
        ] {
            assert_eq!(refused(text), Errno::Inval, "{text:?}");
        }
        assert_eq!(
            refused("api=kmalloc iters=1000000 repeat=11"),
            Errno::TooBig
        );
        let reason = Spec::parse("api=malloc").unwrap_err();
        assert_eq!(
            reason.reason(),
            "api=malloc: unknown (bench/apis lists them)"
        );
    }
}
