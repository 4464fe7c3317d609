// SPDX-License-Identifier: GPL-2.0

//! What `bench/run` is asked to measure: `[quick|all] [api=A[,A..]] [size=S[,S..]] [iters=N]
//! [repeat=N] [variants=V[,V..]] [gates=allow|refuse]`, where a preset (`quick`, `all`) gives
//! the APIs, sizes, iters and repeats the keys after it do not, and without one `api=` is
//! required.
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

/// The APIs the benchmarks time, each an alloc+free pair (a map+unmap pair for `vmap` and
/// `kmap_local`) of one size.
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
    /// `vmap` + `vunmap` of the size's pages (single pages, allocated once per case).
    Vmap,
    /// `kmap_local_page` + `kunmap_local` of one page (allocated once per case).
    KmapLocal,
}

impl Api {
    /// Every API, in report order.
    pub(crate) const ALL: [Api; 15] = [
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
        Api::Vmap,
        Api::KmapLocal,
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
            Api::Vmap => "vmap",
            Api::KmapLocal => "kmap_local",
        }
    }

    fn parse(word: &str) -> Outcome<Api> {
        Api::ALL
            .into_iter()
            .find(|api| api.name() == word)
            .ok_or_else(|| refuse!(Inval, "api={word}: unknown (bench/apis lists them)"))
    }

    const fn bit(self) -> u16 {
        1 << self as u16
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
            (Api::ZeroedPage | Api::KmapLocal, _) => &[4 * K],
            (Api::KmemCache | Api::KmemCacheCtor, Preset::Quick) => &[64, 1024],
            (Api::KmemCache | Api::KmemCacheCtor, Preset::All) => &[8, 64, 512, 4 * K],
            (Api::Mempool, Preset::Quick) => &[64, 4 * K],
            (Api::Mempool, Preset::All) => &[64, 512, 4 * K],
            (Api::Vmap, Preset::Quick) => &[16 * K, 256 * K],
            (Api::Vmap, Preset::All) => &[4 * K, 64 * K, M],
        }
    }
}

/// The text of `bench/apis`: one line per API, its name and the sizes of each preset.
pub(crate) struct ApiList;

impl fmt::Display for ApiList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "# api: quick sizes | all sizes (bytes); variants: c rust kernel"
        )?;
        for api in Api::ALL {
            write!(f, "{}:", api.name())?;
            for (i, preset) in [Preset::Quick, Preset::All].into_iter().enumerate() {
                if i > 0 {
                    f.write_str(" |")?;
                }
                for size in api.preset_sizes(preset) {
                    write!(f, " {size}")?;
                }
            }
            writeln!(f)?;
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

/// A named sweep of sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Preset {
    /// A few sizes per API: `make run`'s default.
    Quick,
    /// Every size class of interest, 8 B to 4 MiB.
    All,
}

/// The most bytes one timed round of a case allocates (see [`Spec::iters_for`]).
pub(crate) const ROUND_BYTES: u64 = 64 << 20;

/// The most sizes one spec may name.
pub(crate) const MAX_SIZES: usize = 8;
/// The most alloc+free pairs one case may make per variant (`iters` × `repeat`).
pub(crate) const MAX_CALLS: u64 = 10_000_000;

/// A parsed `bench/run` spec.
///
/// # Invariants
///
/// `apis` and `variants` name at least one of each; `iters` and `repeat` are at least 1,
/// `repeat` at most [`MAX_REPEATS`], and their product at most [`MAX_CALLS`]; `sizes` is empty (each API's preset sweep) or has
/// 1 to [`MAX_SIZES`] nonzero sizes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    apis: u16,
    preset: Preset,
    sizes: [u64; MAX_SIZES],
    sizes_len: usize,
    /// Alloc+free pairs per timed repeat.
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
                        "'{key}': unknown key (api, size, iters, repeat, variants, gates)"
                    ))
                }
            }
        }
        if spec.apis == 0 {
            return Err(refuse!(Inval, "no api= given"));
        }
        let calls = u64::from(spec.iters) * u64::from(spec.repeat);
        if calls > MAX_CALLS {
            return Err(refuse!(
                TooBig,
                "iters x repeat = {calls}: at most {MAX_CALLS} per case"
            ));
        }
        // INVARIANT: every field was checked above or is a preset's.
        Ok(spec)
    }

    fn preset(preset: Preset, iters: u32, repeat: u32) -> Spec {
        Spec {
            apis: Api::ALL.iter().fold(0, |bits, api| bits | api.bit()),
            preset,
            sizes: [0; MAX_SIZES],
            sizes_len: 0,
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
    pub(crate) fn sizes(&self, api: Api) -> &[u64] {
        if self.sizes_len > 0 {
            return &self.sizes[..self.sizes_len];
        }
        api.preset_sizes(self.preset)
    }

    /// The pairs per round for a case of `size` bytes: `iters`, but no more than
    /// [`ROUND_BYTES`] allocated in a round (at least one pair), so that the 4 MiB cases of
    /// `all` take seconds, not minutes. The report states the count each case ran.
    pub(crate) fn iters_for(&self, size: u64) -> u32 {
        let fit = (ROUND_BYTES / size.max(1)).max(1);
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
        assert!(text.contains("\nkmalloc: 64 4096 | 8 64 512 4096 32768 262144 4194304\n"));
        for api in Api::ALL {
            assert!(
                text.contains(&format!("\n{}: ", api.name())),
                "{}",
                api.name()
            );
            assert!(Spec::parse(&format!("api={}", api.name())).is_ok());
        }
    }

    #[test]
    fn a_round_allocates_at_most_round_bytes() {
        let spec = Spec::parse("all").unwrap();
        assert_eq!(spec.iters_for(64), 1000);
        assert_eq!(spec.iters_for(65536), 1000);
        assert_eq!(spec.iters_for(4 << 20), 16);
        assert_eq!(spec.iters_for(1 << 40), 1);
        assert_eq!(
            Spec::parse("api=kmalloc iters=5")
                .unwrap()
                .iters_for(4 << 20),
            5
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
