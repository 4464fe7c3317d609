// SPDX-License-Identifier: GPL-2.0

//! The command language of `control`: one command per write(2), parsed into a [`Command`].
//!
//! Pure logic, tested on the host, including with random input. The grammar, one line per
//! command with a working example each, is [`HELP`]; the `help` file shows it and the guest
//! tests run every example.

use super::{
    reply::{
        refuse,
        Outcome, //
    },
    words,
};

/// The longest command `control` takes, in bytes (a page).
pub(crate) const COMMAND_MAX: usize = 4096;

/// The most pages objects one `vmap` maps (each up to 2^MAX_PAGE_ORDER pages).
pub(crate) const VMAP_MAX: usize = 8;

/// The pages objects of a `vmap`, in order, each named once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageList<'a> {
    names: [&'a str; VMAP_MAX],
    len: usize,
}

impl<'a> PageList<'a> {
    /// The names, in order.
    pub(crate) fn names(&self) -> &[&'a str] {
        &self.names[..self.len]
    }
}

/// Where an `alloc` takes its memory from, and how much; names borrow the command text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source<'a> {
    /// `kmalloc(size)`.
    Kmalloc(u64),
    /// `kzalloc(size)`.
    Kzalloc(u64),
    /// `kvmalloc(size)`.
    Kvmalloc(u64),
    /// `vmalloc(size)`, or `__vmalloc(size, gfp)` with flags.
    Vmalloc(u64),
    /// `vzalloc(size)`, or `__vmalloc(size, gfp | __GFP_ZERO)` with flags.
    Vzalloc(u64),
    /// `vmalloc_32(size)`.
    Vmalloc32(u64),
    /// `alloc_pages(gfp, order)`.
    Pages(u64),
    /// `alloc_pages(gfp | __GFP_HIGHMEM | __GFP_ZERO, order)`: maybe no kernel address.
    HighPages(u64),
    /// `__get_free_pages(gfp, order)`.
    GetFreePages(u64),
    /// `get_zeroed_page(gfp)`.
    ZeroedPage,
    /// `kmem_cache_alloc(cache, gfp)` from the lab's cache of this name.
    Cache(&'a str),
    /// `mempool_alloc(pool, gfp)` from the lab's pool of this name.
    Pool(&'a str),
    /// `dma_alloc_coherent(edu, size, gfp)`.
    Dma(u64),
}

/// What a pool's elements are made of: `kmalloc:SIZE`, `slab:CACHE` or `pages:ORDER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PoolBacking<'a> {
    /// Buffers of this many bytes (`mempool_create_kmalloc_pool`).
    Kmalloc(u64),
    /// Objects of the lab's cache of this name (`mempool_create_slab_pool`).
    Slab(&'a str),
    /// Blocks of 2^order pages (`mempool_create_page_pool`).
    Pages(u64),
}

/// The bytes `fill` writes and `check` expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Every byte is this value.
    Byte(u8),
    /// A pseudo-random pattern from a seed; byte `i` depends only on the seed and `i`.
    Seeded(u64),
}

impl Pattern {
    /// The byte the pattern has at `offset`.
    pub(crate) fn at(self, offset: u64) -> u8 {
        match self {
            Self::Byte(byte) => byte,
            Self::Seeded(seed) => {
                // splitmix64 of (seed, 8-byte block), then the byte's lane.
                let mut z = seed ^ (offset / 8).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^= z >> 31;
                z.to_le_bytes()[(offset % 8) as usize]
            }
        }
    }
}

impl Pattern {
    /// Writes the pattern over `bytes` (byte `i` gets [`Pattern::at`] `i`).
    pub(crate) fn fill(self, bytes: &mut [u8]) {
        match self {
            Self::Byte(byte) => bytes.fill(byte),
            Self::Seeded(_) => {
                for (offset, byte) in (0..).zip(bytes.iter_mut()) {
                    *byte = self.at(offset);
                }
            }
        }
    }

    /// The offset of the first byte of `bytes` that differs from the pattern.
    pub(crate) fn first_mismatch(self, bytes: &[u8]) -> Option<usize> {
        match self {
            Self::Byte(value) => bytes.iter().position(|byte| *byte != value),
            Self::Seeded(_) => (0..)
                .zip(bytes)
                .position(|(offset, byte)| *byte != self.at(offset)),
        }
    }
}

/// One parsed command; names borrow the command text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command<'a> {
    /// `alloc NAME SOURCE [gfp=FLAGS]`.
    Alloc {
        /// The new object's name.
        name: &'a str,
        /// The API and size.
        source: Source<'a>,
        /// `|`-separated GFP flag names, as written.
        gfp: Option<&'a str>,
    },
    /// `realloc NAME SIZE [gfp=FLAGS]`: krealloc of a kmalloc object.
    Realloc {
        /// The object.
        name: &'a str,
        /// Its new size.
        size: u64,
        /// `|`-separated GFP flag names, as written.
        gfp: Option<&'a str>,
    },
    /// `fill NAME BYTE` or `fill NAME pattern SEED`.
    Fill {
        /// The object.
        name: &'a str,
        /// What to write.
        pattern: Pattern,
    },
    /// `check NAME BYTE` or `check NAME pattern SEED`.
    Check {
        /// The object.
        name: &'a str,
        /// What every byte must be.
        pattern: Pattern,
    },
    /// `free NAME`.
    Free {
        /// The object.
        name: &'a str,
    },
    /// `free all`.
    FreeAll,
    /// `cache create NAME SIZE [align=N] [flags=FLAGS]`: `kmem_cache_create`.
    CacheCreate {
        /// The cache's name (the kernel's is `memlab_<name>`).
        name: &'a str,
        /// The object size in bytes.
        size: u64,
        /// The alignment, 0 for none.
        align: u64,
        /// `|`-separated slab flag names, as written.
        flags: Option<&'a str>,
        /// The byte a constructor fills new objects with, if any.
        ctor: Option<u8>,
    },
    /// `pool create NAME MIN_NR BACKING`: `mempool_create`.
    PoolCreate {
        /// The pool's name.
        name: &'a str,
        /// How many elements it keeps in reserve.
        min_nr: u64,
        /// What its elements are.
        backing: PoolBacking<'a>,
    },
    /// `vmap NAME PAGES [PAGES...]`: one mapping over alloc_pages objects, an alias of them.
    Vmap {
        /// The alias's name.
        name: &'a str,
        /// The pages objects it maps, in order.
        pages: PageList<'a>,
    },
    /// `kmap NAME PAGES [INDEX]`: a kept `kmap` of one page, an alias of it.
    Kmap {
        /// The alias's name.
        name: &'a str,
        /// The pages object.
        pages: &'a str,
        /// Which of its pages.
        index: u64,
    },
    /// `kmap_local PAGES INDEX`: map one page for a moment, log where, unmap.
    KmapLocal {
        /// The pages object.
        pages: &'a str,
        /// Which of its pages.
        index: u64,
    },
    /// `ioremap NAME edu [OFFSET [LEN]]`: a window of the edu device's BAR 0.
    Ioremap {
        /// The window's name.
        name: &'a str,
        /// Where in BAR 0 it starts.
        offset: u64,
        /// Its length; `None` for the rest of BAR 0.
        len: Option<u64>,
    },
    /// `dma NAME to-device|from-device [OFFSET [LEN]]`: an edu DMA engine transfer.
    Dma {
        /// The dma object.
        name: &'a str,
        /// From the object to the device (or back).
        to_device: bool,
        /// Where in the object the transfer starts.
        offset: u64,
        /// How many bytes; `None` for the rest of the object, at most the device's buffer.
        len: Option<u64>,
    },
    /// `cache destroy NAME` or `pool destroy NAME`.
    Destroy {
        /// The cache or pool.
        name: &'a str,
        /// Which of the two the command names.
        kind: Holder,
    },
}

/// The things that hold objects and are created and destroyed by their own commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A slab cache (`cache create`).
    Cache,
    /// A memory pool (`pool create`).
    Pool,
}

impl Holder {
    /// The command word: `cache` or `pool`.
    pub(crate) const fn word(self) -> &'static str {
        match self {
            Self::Cache => "cache",
            Self::Pool => "pool",
        }
    }
}

/// The grammar: each command's syntax, what it does, and an example: one command, or a few
/// separated by `; ` where one needs another first. Run in this order, the examples all succeed
/// (the guest tests do so).
pub(crate) const HELP: &[(&str, &str, &str)] = &[
    (
        "alloc NAME kmalloc|kzalloc|kvmalloc|vmalloc|vzalloc|vmalloc_32 SIZE [gfp=FLAG|...]",
        "allocate SIZE bytes (K, M, G suffixes)",
        "alloc buf kmalloc 100 gfp=GFP_KERNEL",
    ),
    (
        "alloc NAME pages|get_free_pages ORDER [gfp=FLAG|...]",
        "allocate 2^ORDER pages",
        "alloc blk pages 2 gfp=GFP_KERNEL|__GFP_ZERO",
    ),
    (
        "alloc NAME highpages ORDER [gfp=FLAG|...]",
        "allocate 2^ORDER zeroed pages that may be highmem (__GFP_HIGHMEM): with no kernel address, reached through kmap, kmap_local, vmap (data/NAME maps them for each access)",
        "alloc hp highpages 1",
    ),
    (
        "alloc NAME zeroed_page [gfp=FLAG|...]",
        "get_zeroed_page",
        "alloc zp zeroed_page",
    ),
    (
        "alloc NAME dma SIZE [gfp=FLAG|...]",
        "dma_alloc_coherent for the edu device (ENODEV without one; revoked if it is unbound)",
        "alloc dbuf dma 8K",
    ),
    (
        "dma NAME to-device|from-device [OFFSET [LEN]]",
        "edu's DMA engine copies LEN bytes (default: the rest, at most 4096) of NAME from OFFSET to or from its buffer",
        "fill dbuf pattern 1; dma dbuf to-device; dma dbuf from-device 4096",
    ),
    (
        "ioremap NAME edu [OFFSET [LEN]]",
        "ioremap a window of edu's BAR 0 (default: all); data/NAME reads 32 bits at a time and writes only 0x4 and 0x8: other registers start DMA or raise interrupts",
        "ioremap regs edu 0 0x100",
    ),
    (
        "realloc NAME SIZE [gfp=FLAG|...]",
        "krealloc a kmalloc/kzalloc object (keeps its bytes)",
        "realloc buf 300",
    ),
    (
        "fill NAME BYTE | fill NAME pattern SEED",
        "write every byte",
        "fill buf 0x5a",
    ),
    (
        "check NAME BYTE | check NAME pattern SEED",
        "compare every byte; EBADMSG at the first difference",
        "check buf 0x5a",
    ),
    (
        "vmap NAME PAGES [PAGES...]",
        "vmap alloc_pages objects into one range: an alias with their bytes (they are busy until it is freed)",
        "vmap view blk; vmap hview hp",
    ),
    (
        "kmap_local PAGES INDEX",
        "kmap_local_page page INDEX, log the address, kunmap_local",
        "kmap_local blk 1; kmap_local hp 1",
    ),
    (
        "kmap NAME PAGES [INDEX]",
        "kmap page INDEX (default 0) and keep it mapped: an alias of that page",
        "alloc pg pages 0; kmap km pg",
    ),
    (
        "cache create CACHE SIZE [align=N] [flags=HWCACHE_ALIGN|POISON|RED_ZONE|STORE_USER|CACHE_DMA|NO_MERGE] [ctor=BYTE]",
        "kmem_cache_create memlab_CACHE for SIZE-byte objects (a constructor fills each new object with BYTE, once)",
        "cache create objs 96 align=32 flags=POISON|NO_MERGE",
    ),
    (
        "pool create POOL MIN_NR kmalloc:SIZE|slab:CACHE|pages:ORDER",
        "mempool_create with MIN_NR elements in reserve",
        "pool create spare 4 kmalloc:256",
    ),
    (
        "alloc NAME cache:CACHE|pool:POOL [gfp=FLAG|...]",
        "kmem_cache_alloc, or mempool_alloc (never waits: GFP_NOWAIT unless told)",
        "alloc obj cache:objs",
    ),
    (
        "free NAME | free all",
        "free one object (an alias unmaps, its pages stay), or all (and every cache and pool)",
        "free obj",
    ),
    (
        "pool destroy POOL",
        "mempool_destroy; EBUSY while elements are out",
        "pool destroy spare",
    ),
    (
        "cache destroy CACHE",
        "kmem_cache_destroy; EBUSY while objects or a pool use it",
        "cache destroy objs",
    ),
];

/// The name `free all` reserves.
const ALL: &str = "all";

/// Parses one write(2) to `control`.
///
/// The text must be UTF-8 without NUL bytes, at most [`COMMAND_MAX`] bytes, one line (a final
/// newline is allowed); words are separated by spaces or tabs.
pub(crate) fn parse(bytes: &[u8]) -> Outcome<Command<'_>> {
    if bytes.len() > COMMAND_MAX {
        return Err(refuse!(
            TooBig,
            "a command has at most {COMMAND_MAX} bytes, this one {}",
            bytes.len()
        ));
    }
    if bytes.contains(&0) {
        return Err(refuse!(Inval, "a command has no NUL bytes"));
    }
    let text =
        core::str::from_utf8(bytes).map_err(|_| refuse!(Inval, "a command is UTF-8 text"))?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.contains(['\n', '\r']) {
        return Err(refuse!(Inval, "one command per write, on one line"));
    }
    let mut words = text.split([' ', '\t']).filter(|word| !word.is_empty());
    let Some(verb) = words.next() else {
        return Err(refuse!(Inval, "empty command (see help)"));
    };
    let mut words = Words { words, verb };
    let command = match verb {
        "alloc" => {
            let name = new_name(words.next("NAME")?)?;
            let kind = words.next("an allocator")?;
            let source = match kind.split_once(':') {
                Some(("cache", cache)) => Source::Cache(words::name(cache)?),
                Some(("pool", pool)) => Source::Pool(words::name(pool)?),
                _ => allocator(kind, &mut words)?,
            };
            let gfp = words.gfp()?;
            if gfp.is_some() && matches!(source, Source::Vmalloc32(_)) {
                return Err(refuse!(Inval, "vmalloc_32 takes no gfp flags"));
            }
            Command::Alloc { name, source, gfp }
        }
        "realloc" => Command::Realloc {
            name: words::name(words.next("NAME")?)?,
            size: words::size(words.next("SIZE")?)?,
            gfp: words.gfp()?,
        },
        "fill" | "check" => {
            let name = words::name(words.next("NAME")?)?;
            let pattern = match words.next("BYTE or 'pattern'")? {
                "pattern" => Pattern::Seeded(words::number(words.next("SEED")?)?),
                byte => Pattern::Byte(words::byte(byte)?),
            };
            words.end()?;
            if verb == "fill" {
                Command::Fill { name, pattern }
            } else {
                Command::Check { name, pattern }
            }
        }
        "free" => match words.next("NAME or 'all'")? {
            ALL => {
                words.end()?;
                Command::FreeAll
            }
            name => {
                words.end()?;
                Command::Free {
                    name: words::name(name)?,
                }
            }
        },
        "cache" | "pool" => holder_command(verb, &mut words)?,
        "ioremap" => {
            let name = new_name(words.next("NAME")?)?;
            match words.next("a device ('edu')")? {
                "edu" => {}
                other => {
                    return Err(refuse!(
                        Inval,
                        "ioremap: '{other}': only the edu device's BAR is mapped, never an address"
                    ))
                }
            }
            let (offset, len) = words.range()?;
            Command::Ioremap { name, offset, len }
        }
        "dma" => {
            let name = words::name(words.next("NAME")?)?;
            let to_device = match words.next("to-device or from-device")? {
                "to-device" => true,
                "from-device" => false,
                other => {
                    return Err(refuse!(
                        Inval,
                        "dma: '{other}' is not to-device or from-device"
                    ))
                }
            };
            let (offset, len) = words.range()?;
            Command::Dma {
                name,
                to_device,
                offset,
                len,
            }
        }
        "vmap" => {
            let name = new_name(words.next("NAME")?)?;
            let mut pages = PageList {
                names: [""; VMAP_MAX],
                len: 0,
            };
            for word in words.words.by_ref() {
                let page = words::name(word)?;
                if pages.names().contains(&page) {
                    return Err(refuse!(Inval, "vmap: '{page}' given twice"));
                }
                if pages.len == VMAP_MAX {
                    return Err(refuse!(TooBig, "vmap: at most {VMAP_MAX} pages objects"));
                }
                pages.names[pages.len] = page;
                pages.len += 1;
            }
            if pages.len == 0 {
                return Err(refuse!(Inval, "vmap: PAGES missing"));
            }
            Command::Vmap { name, pages }
        }
        "kmap" => {
            let name = new_name(words.next("NAME")?)?;
            let pages = words::name(words.next("PAGES")?)?;
            let index = match words.words.next() {
                Some(word) => words::number(word)?,
                None => 0,
            };
            words.end()?;
            Command::Kmap { name, pages, index }
        }
        "kmap_local" => {
            let pages = words::name(words.next("PAGES")?)?;
            let index = words::number(words.next("INDEX")?)?;
            words.end()?;
            Command::KmapLocal { pages, index }
        }
        _ => return Err(refuse!(Inval, "unknown command '{verb}' (see help)")),
    };
    Ok(command)
}

/// The source of `alloc NAME KIND ...` for a kernel allocator `KIND`, with its size or order.
fn allocator<'a, I: Iterator<Item = &'a str>>(
    kind: &str,
    words: &mut Words<'a, I>,
) -> Outcome<Source<'a>> {
    let source = match kind {
        "zeroed_page" => Source::ZeroedPage,
        "pages" => Source::Pages(words::number(words.next("ORDER")?)?),
        "highpages" => Source::HighPages(words::number(words.next("ORDER")?)?),
        "get_free_pages" => Source::GetFreePages(words::number(words.next("ORDER")?)?),
        _ => {
            let size = words::size(words.next("SIZE")?)?;
            match kind {
                "kmalloc" => Source::Kmalloc(size),
                "kzalloc" => Source::Kzalloc(size),
                "kvmalloc" => Source::Kvmalloc(size),
                "vmalloc" => Source::Vmalloc(size),
                "vzalloc" => Source::Vzalloc(size),
                "vmalloc_32" => Source::Vmalloc32(size),
                "dma" => Source::Dma(size),
                _ => return Err(refuse!(Inval, "alloc: unknown allocator '{kind}'")),
            }
        }
    };
    Ok(source)
}

/// `cache create|destroy ...` and `pool create|destroy ...`.
fn holder_command<'a, I: Iterator<Item = &'a str>>(
    verb: &str,
    words: &mut Words<'a, I>,
) -> Outcome<Command<'a>> {
    let kind = if verb == "cache" {
        Holder::Cache
    } else {
        Holder::Pool
    };
    let command = match (kind, words.next("'create' or 'destroy'")?) {
        (kind, "destroy") => Command::Destroy {
            name: words::name(words.next("NAME")?)?,
            kind,
        },
        (Holder::Cache, "create") => {
            let name = new_name(words.next("NAME")?)?;
            let size = words::size(words.next("SIZE")?)?;
            let (mut align, mut flags, mut ctor) = (None, None, None);
            while let Some((key, value)) = words.option()? {
                match key {
                    "align" if align.is_none() => align = Some(words::size(value)?),
                    "flags" if flags.is_none() => flags = Some(value),
                    "ctor" if ctor.is_none() => ctor = Some(words::byte(value)?),
                    "align" | "flags" | "ctor" => {
                        return Err(refuse!(Inval, "cache create: {key}= given twice"))
                    }
                    _ => return Err(refuse!(Inval, "cache create: unknown option '{key}='")),
                }
            }
            Command::CacheCreate {
                name,
                size,
                align: align.unwrap_or(0),
                flags,
                ctor,
            }
        }
        (Holder::Pool, "create") => {
            let name = new_name(words.next("NAME")?)?;
            let min_nr = words::number(words.next("MIN_NR")?)?;
            let backing = words.next("kmalloc:SIZE, slab:CACHE or pages:ORDER")?;
            let backing = match backing.split_once(':') {
                Some(("kmalloc", size)) => PoolBacking::Kmalloc(words::size(size)?),
                Some(("slab", cache)) => PoolBacking::Slab(words::name(cache)?),
                Some(("pages", order)) => PoolBacking::Pages(words::number(order)?),
                _ => {
                    return Err(refuse!(
                        Inval,
                        "pool create: '{backing}' is not kmalloc:SIZE, slab:CACHE or pages:ORDER"
                    ))
                }
            };
            words.end()?;
            Command::PoolCreate {
                name,
                min_nr,
                backing,
            }
        }
        (_, other) => {
            return Err(refuse!(
                Inval,
                "{verb}: '{other}' is not 'create' or 'destroy'"
            ))
        }
    };
    if let Command::Destroy { .. } = command {
        words.end()?;
    }
    Ok(command)
}

/// A name for something new: a name, and not the word `free all` reserves.
fn new_name(word: &str) -> Outcome<&str> {
    let name = words::name(word)?;
    if name == ALL {
        return Err(refuse!(Inval, "'{ALL}' is reserved (free all)"));
    }
    Ok(name)
}

/// The words after the verb.
struct Words<'a, I> {
    words: I,
    verb: &'a str,
}

impl<'a, I: Iterator<Item = &'a str>> Words<'a, I> {
    /// The next word, which the command needs: `what` names it in the refusal.
    fn next(&mut self, what: &str) -> Outcome<&'a str> {
        self.words
            .next()
            .ok_or_else(|| refuse!(Inval, "{}: {what} missing", self.verb))
    }

    /// An optional last word `gfp=FLAGS`; then the end.
    fn gfp(&mut self) -> Outcome<Option<&'a str>> {
        let Some(word) = self.words.next() else {
            return Ok(None);
        };
        let Some(flags) = word.strip_prefix("gfp=") else {
            return Err(refuse!(Inval, "{}: unexpected '{word}'", self.verb));
        };
        if flags.is_empty() {
            return Err(refuse!(Inval, "{}: gfp= names no flag", self.verb));
        }
        self.end()?;
        Ok(Some(flags))
    }

    /// The next optional word `KEY=VALUE`, split; `None` at the end.
    fn option(&mut self) -> Outcome<Option<(&'a str, &'a str)>> {
        let Some(word) = self.words.next() else {
            return Ok(None);
        };
        match word.split_once('=') {
            Some((key, value)) if !key.is_empty() && !value.is_empty() => Ok(Some((key, value))),
            _ => Err(refuse!(Inval, "{}: unexpected '{word}'", self.verb)),
        }
    }

    /// Optional last words `[OFFSET [LEN]]` (sizes); then the end.
    fn range(&mut self) -> Outcome<(u64, Option<u64>)> {
        let offset = match self.words.next() {
            Some(word) => words::size(word)?,
            None => return Ok((0, None)),
        };
        let len = self.words.next().map(words::size).transpose()?;
        self.end()?;
        Ok((offset, len))
    }

    /// No more words.
    fn end(&mut self) -> Outcome {
        match self.words.next() {
            None => Ok(()),
            Some(word) => Err(refuse!(Inval, "{}: unexpected '{word}'", self.verb)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::reply::{
        Errno,
        REASON_MAX, //
    };

    fn errno(text: &[u8]) -> Errno {
        parse(text).unwrap_err().errno()
    }

    #[test]
    fn every_help_example_parses() {
        for (syntax, _, examples) in HELP {
            for example in examples.split("; ") {
                assert!(parse(example.as_bytes()).is_ok(), "{syntax}: {example}");
            }
        }
    }

    #[test]
    fn device_commands_parse() {
        assert_eq!(
            parse(b"ioremap r edu"),
            Ok(Command::Ioremap {
                name: "r",
                offset: 0,
                len: None
            })
        );
        assert_eq!(
            parse(b"ioremap r edu 0x80 16"),
            Ok(Command::Ioremap {
                name: "r",
                offset: 0x80,
                len: Some(16)
            })
        );
        assert_eq!(
            parse(b"dma d from-device 4K"),
            Ok(Command::Dma {
                name: "d",
                to_device: false,
                offset: 4096,
                len: None
            })
        );
        assert_eq!(
            parse(b"alloc d dma 8K gfp=GFP_ATOMIC"),
            Ok(Command::Alloc {
                name: "d",
                source: Source::Dma(8192),
                gfp: Some("GFP_ATOMIC"),
            })
        );
        let reason = parse(b"ioremap r 0xfed00000")
            .unwrap_err()
            .reason()
            .to_string();
        assert!(reason.contains("never an address"), "{reason}");
    }

    #[test]
    fn aliases_parse() {
        let Ok(Command::Vmap { name, pages }) = parse(b"vmap v a b\tc") else {
            panic!("vmap did not parse");
        };
        assert_eq!((name, pages.names()), ("v", &["a", "b", "c"][..]));
        assert_eq!(
            parse(b"kmap k p"),
            Ok(Command::Kmap {
                name: "k",
                pages: "p",
                index: 0
            })
        );
        assert_eq!(
            parse(b"kmap k p 0x3"),
            Ok(Command::Kmap {
                name: "k",
                pages: "p",
                index: 3
            })
        );
        assert_eq!(
            parse(b"kmap_local p 2"),
            Ok(Command::KmapLocal {
                pages: "p",
                index: 2
            })
        );
        let many = format!(
            "vmap v {}",
            (0..=VMAP_MAX)
                .map(|i| format!("p{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(errno(many.as_bytes()), Errno::TooBig);
    }

    #[test]
    fn allocs_parse() {
        assert_eq!(
            parse(b"alloc a kmalloc 4K gfp=GFP_ATOMIC|__GFP_ZERO\n"),
            Ok(Command::Alloc {
                name: "a",
                source: Source::Kmalloc(4096),
                gfp: Some("GFP_ATOMIC|__GFP_ZERO"),
            })
        );
        assert_eq!(
            parse(b"alloc  p\tpages 3"),
            Ok(Command::Alloc {
                name: "p",
                source: Source::Pages(3),
                gfp: None,
            })
        );
        assert_eq!(
            parse(b"alloc h highpages 1 gfp=GFP_KERNEL"),
            Ok(Command::Alloc {
                name: "h",
                source: Source::HighPages(1),
                gfp: Some("GFP_KERNEL"),
            })
        );
        assert_eq!(errno(b"alloc h highpages"), Errno::Inval);
        assert_eq!(
            parse(b"alloc z zeroed_page"),
            Ok(Command::Alloc {
                name: "z",
                source: Source::ZeroedPage,
                gfp: None,
            })
        );
        assert_eq!(
            parse(b"fill a pattern 7"),
            Ok(Command::Fill {
                name: "a",
                pattern: Pattern::Seeded(7),
            })
        );
        assert_eq!(parse(b"free all"), Ok(Command::FreeAll));
    }

    #[test]
    fn caches_and_pools_parse() {
        assert_eq!(
            parse(b"cache create c 1K flags=POISON align=0x40 ctor=0xa5"),
            Ok(Command::CacheCreate {
                name: "c",
                size: 1024,
                align: 64,
                flags: Some("POISON"),
                ctor: Some(0xa5),
            })
        );
        assert_eq!(
            parse(b"cache create c 8"),
            Ok(Command::CacheCreate {
                name: "c",
                size: 8,
                align: 0,
                flags: None,
                ctor: None,
            })
        );
        assert_eq!(
            parse(b"pool create p 3 slab:c\n"),
            Ok(Command::PoolCreate {
                name: "p",
                min_nr: 3,
                backing: PoolBacking::Slab("c"),
            })
        );
        assert_eq!(
            parse(b"pool create p 1 pages:2").map(|c| match c {
                Command::PoolCreate { backing, .. } => Some(backing),
                _ => None,
            }),
            Ok(Some(PoolBacking::Pages(2)))
        );
        assert_eq!(
            parse(b"pool destroy p"),
            Ok(Command::Destroy {
                name: "p",
                kind: Holder::Pool,
            })
        );
        assert_eq!(
            parse(b"alloc o pool:p gfp=GFP_ATOMIC"),
            Ok(Command::Alloc {
                name: "o",
                source: Source::Pool("p"),
                gfp: Some("GFP_ATOMIC"),
            })
        );
        assert_eq!(
            parse(b"alloc o cache:c"),
            Ok(Command::Alloc {
                name: "o",
                source: Source::Cache("c"),
                gfp: None,
            })
        );
    }

    #[test]
    fn malformed_commands_are_einval() {
        for bad in [
            &b""[..],
            b"\n",
            b"   ",
            b"allocate a kmalloc 1",
            b"alloc",
            b"alloc a",
            b"alloc a kmalloc",
            b"alloc a kmalloc -1",
            b"alloc a kmalloc 1 extra",
            b"alloc a kmalloc 1 gfp=",
            b"alloc a kmalloc 1 gfp=GFP_KERNEL x",
            b"alloc a slab 1",
            b"alloc all kmalloc 1",
            b"alloc a/b kmalloc 1",
            b"alloc a vmalloc_32 1 gfp=GFP_KERNEL",
            b"alloc a kmalloc 1\nfree a",
            b"alloc a kmalloc 1\r",
            b"alloc a kmal\0loc 1",
            b"alloc \xff kmalloc 1",
            b"fill a 256",
            b"fill a pattern",
            b"free",
            b"free all now",
            b"alloc a cache:",
            b"alloc a cache:b/c",
            b"alloc a heap:c",
            b"cache",
            b"cache make c 8",
            b"cache create c",
            b"cache create all 8",
            b"cache create c 8 align=",
            b"cache create c 8 =4",
            b"cache create c 8 align=4 align=8",
            b"cache create c 8 flags=POISON flags=POISON",
            b"cache create c 8 colour=1",
            b"cache create c 8 ctor=256",
            b"cache create c 8 ctor=1 ctor=2",
            b"cache create c 8 POISON",
            b"cache destroy",
            b"cache destroy c now",
            b"pool create p",
            b"pool create p 1",
            b"pool create p 1 heap:3",
            b"pool create p 1 kmalloc:",
            b"pool create p 1 slab:",
            b"pool create p 1 kmalloc:8 extra",
            b"pool destroy p extra",
            b"vmap",
            b"vmap v",
            b"vmap all p",
            b"vmap v a a",
            b"vmap v a b/c",
            b"kmap k",
            b"kmap k p 1 2",
            b"kmap k p -1",
            b"kmap_local p",
            b"kmap_local p 1 2",
            b"ioremap r",
            b"ioremap r 0xfed00000",
            b"ioremap r hpet",
            b"ioremap r edu 0 4 8",
            b"ioremap r edu -1",
            b"dma d",
            b"dma d sideways",
            b"dma d to-device 0 1 2",
            b"dma d from-device x",
            b"alloc d dma",
        ] {
            assert_eq!(
                errno(bad),
                Errno::Inval,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn text_that_is_no_command_says_why() {
        let reason = |text: &[u8]| parse(text).unwrap_err().reason().to_string();
        assert_eq!(reason(b"free a\0"), "a command has no NUL bytes");
        assert_eq!(reason(b"free \xff"), "a command is UTF-8 text");
        assert_eq!(
            reason(b"free a\nfree b"),
            "one command per write, on one line"
        );
        assert_eq!(reason(b"free a\r\n"), "one command per write, on one line");
    }

    #[test]
    fn limits_are_e2big() {
        assert_eq!(errno(&[b' '; COMMAND_MAX + 1]), Errno::TooBig);
        assert_eq!(
            errno(b"alloc a kmalloc 99999999999999999999"),
            Errno::TooBig
        );
        assert_eq!(errno(b"alloc a kmalloc 17179869184G"), Errno::TooBig);
    }

    /// xorshift64*: the property tests' random stream (no crate: the same numbers everywhere, so
    /// a failure names the seed that replays it).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Words commands are made of, good and bad.
    const WORDS: &[&str] = &[
        "alloc",
        "realloc",
        "fill",
        "check",
        "free",
        "all",
        "cache",
        "pool",
        "create",
        "destroy",
        "vmap",
        "kmap",
        "kmap_local",
        "ioremap",
        "dma",
        "edu",
        "to-device",
        "from-device",
        "kmalloc",
        "kzalloc",
        "kvmalloc",
        "vmalloc",
        "vzalloc",
        "vmalloc_32",
        "pages",
        "highpages",
        "get_free_pages",
        "zeroed_page",
        "cache:c",
        "pool:p",
        "slab:c",
        "kmalloc:64",
        "pages:1",
        "heap:1",
        "pattern",
        "gfp=GFP_KERNEL",
        "gfp=GFP_ATOMIC|__GFP_ZERO",
        "gfp=",
        "align=64",
        "flags=POISON",
        "x",
        "y",
        "a-b_c",
        "0",
        "1",
        "7",
        "4K",
        "0x10",
        "-1",
        "255",
        "256",
        "99999999999999999999",
        "17179869184G",
        "é",
        "a/b",
    ];

    /// A command of 0 to 7 random words.
    fn words(rng: &mut Rng) -> Vec<&'static str> {
        (0..rng.below(8))
            .map(|_| WORDS[rng.below(WORDS.len())])
            .collect()
    }

    #[test]
    fn random_input_never_panics_and_every_refusal_is_one_short_line() {
        for seed in 1..=50_000u64 {
            let mut rng = Rng(seed);
            let mut text = words(&mut rng).join(" ").into_bytes();
            // Now and then, random bytes anywhere (NULs, non-UTF-8, control characters).
            for _ in 0..rng.below(3) {
                let at = rng.below(text.len() + 1);
                text.insert(at, rng.next() as u8);
            }
            if let Err(refusal) = parse(&text) {
                assert!(
                    matches!(refusal.errno(), Errno::Inval | Errno::TooBig),
                    "seed {seed}: {:?}",
                    refusal.errno()
                );
                let reason = refusal.reason();
                assert!(
                    !reason.is_empty() && reason.len() <= REASON_MAX,
                    "seed {seed}"
                );
                assert!(!reason.contains(['\n', '\r']), "seed {seed}: {reason:?}");
            }
        }
    }

    #[test]
    fn spacing_and_a_final_newline_never_change_a_command() {
        fn answer(text: &str) -> Result<Command<'_>, Errno> {
            parse(text.as_bytes()).map_err(|refusal| refusal.errno())
        }
        for seed in 1..=50_000u64 {
            let mut rng = Rng(seed);
            let words = words(&mut rng);
            let plain = words.join(" ");
            let mut spaced = String::new();
            for word in &words {
                for _ in 0..=rng.below(3) {
                    spaced.push(if rng.below(2) == 0 { ' ' } else { '\t' });
                }
                spaced.push_str(word);
            }
            if rng.below(2) == 0 {
                spaced.push('\n');
            }
            assert_eq!(answer(&plain), answer(&spaced), "seed {seed}: {spaced:?}");
        }
    }

    #[test]
    fn a_nul_anywhere_or_a_page_of_text_is_refused() {
        for seed in 1..=5_000u64 {
            let mut rng = Rng(seed);
            let mut text = words(&mut rng).join(" ").into_bytes();
            let at = rng.below(text.len() + 1);
            text.insert(at, 0);
            assert_eq!(errno(&text), Errno::Inval, "seed {seed}");
            text.resize(COMMAND_MAX + 1 + rng.below(100), b' ');
            assert_eq!(errno(&text), Errno::TooBig, "seed {seed}");
        }
    }

    #[test]
    fn patterns_depend_on_seed_and_offset_only() {
        assert_eq!(Pattern::Byte(7).at(12345), 7);
        let a: Vec<u8> = (0..64).map(|i| Pattern::Seeded(1).at(i)).collect();
        let b: Vec<u8> = (0..64).map(|i| Pattern::Seeded(2).at(i)).collect();
        assert_ne!(a, b);
        assert_eq!(
            a,
            (0..64)
                .map(|i| Pattern::Seeded(1).at(i))
                .collect::<Vec<_>>()
        );
        assert!(a.iter().any(|&x| x != a[0]));
        let mut bytes = [0u8; 100];
        Pattern::Seeded(9).fill(&mut bytes);
        assert_eq!(Pattern::Seeded(9).first_mismatch(&bytes), None);
        bytes[57] ^= 1;
        assert_eq!(Pattern::Seeded(9).first_mismatch(&bytes), Some(57));
        assert_eq!(Pattern::Byte(0).first_mismatch(&[0, 0, 1]), Some(2));
    }
}
