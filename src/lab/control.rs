// SPDX-License-Identifier: GPL-2.0

//! The lab's state and its commands: what a write to `control` does.
//!
//! One mutex guards the table, the counters and the last outcome; a command holds it from
//! start to end, so commands are serialised, and readers of `objects`, `stats` and `data/*`
//! see each command whole. Memory is allocated under the mutex (it may sleep: a mutex allows
//! it) but freed after it is released: freeing an object removes its `data/` file, which waits
//! for that file's readers, and they may be waiting for the mutex.
//!
//! Lock order: the lab mutex, then the kernel's own locks (debugfs inode locks, allocators).

use kernel::{
    debugfs::{
        Dir,
        File, //
    },
    prelude::*,
    str::CString,
    sync::{
        Arc,
        Mutex,
        MutexGuard, //
    },
    uaccess::UserSliceReader,
};

use crate::{
    lab::{
        access, alias,
        data::DataFile,
        device,
        grammar::{
            self,
            Command,
            Holder,
            Source, //
        },
        holder,
        object::{
            Memory,
            Object, //
        },
        reply::{
            refuse,
            Errno,
            Outcome,
            Refusal, //
        },
        stats::{
            Api,
            Stats, //
        },
        table::{
            Entry,
            Name,
            Table, //
        },
    },
    mm::{
        dma,
        gfp::Gfp,
        gfp_policy::Family,
        high_pages::HighPages,
        kmalloc::{
            self,
            KmallocBuf, //
        },
        kmem_cache::KmemCache,
        mempool::Mempool,
        pages::{
            self,
            FreePages,
            Pages, //
        },
        vmalloc::{
            self,
            VmallocBuf, //
        },
    },
    wide::Decimal,
};

/// The most objects the lab holds at once.
pub(crate) const MAX_OBJECTS: usize = 256;

/// A table slot: the object and its `data/` file. The file is declared first, so it is removed
/// (and its readers are done) before the memory is freed.
pub(crate) struct Slot {
    _data: Option<Pin<KBox<File<DataFile>>>>,
    pub(crate) object: Object,
}

impl Slot {
    /// The slot of an object with its data file.
    pub(crate) fn new(data: Pin<KBox<File<DataFile>>>, object: Object) -> Self {
        Self {
            _data: Some(data),
            object,
        }
    }

    /// The slot of an object without bytes (a cache or a pool): no data file.
    pub(crate) fn without_data(object: Object) -> Self {
        Self {
            _data: None,
            object,
        }
    }
}

/// The lab's table of objects.
pub(crate) type LabTable = Table<KVec<Option<Entry<Slot>>>>;

/// The lab's state, behind the [`Lab`] mutex.
pub(crate) struct State {
    /// `false` once the lab closed (at unload): every command is then `ENODEV`.
    open: bool,
    pub(crate) table: LabTable,
    pub(crate) stats: Stats,
    /// What the last command answered: `None` for success.
    last: Option<Refusal>,
    /// Whether any command ran yet.
    ran: bool,
    /// `/sys/kernel/debug/memlab/data/`.
    data_dir: Dir,
}

/// The shared lab: its files hold a reference each.
pub(crate) type Lab = Arc<Mutex<State>>;

/// Creates the lab's state: an empty table of [`MAX_OBJECTS`] slots and a budget of `max_bytes`.
pub(crate) fn new(data_dir: Dir, max_bytes: u64) -> Result<Lab> {
    let mut slots = KVec::with_capacity(MAX_OBJECTS, GFP_KERNEL)?;
    for _ in 0..MAX_OBJECTS {
        slots.push(None, GFP_KERNEL)?;
    }
    Arc::pin_init(
        kernel::new_mutex!(State {
            open: true,
            table: Table::new(slots, max_bytes),
            stats: Stats::default(),
            last: None,
            ran: false,
            data_dir,
        }),
        GFP_KERNEL,
    )
}

/// Closes the lab and frees every object, newest first; later commands are `ENODEV`.
pub(crate) fn close(lab: &Lab) {
    lab.lock().open = false;
    free_all(lab);
}

/// Frees every object, one at a time, newest first (each after the mutex is released): aliases
/// go before the pages they map, objects before their pool or cache, pools before their cache.
fn free_all(lab: &Lab) -> usize {
    let mut freed = 0;
    loop {
        let leftover = {
            let mut state = lab.lock();
            let Some(entry) = state.table.pop_newest() else {
                break;
            };
            take_out(&mut state, entry)
        };
        drop(leftover);
        freed += 1;
    }
    freed
}

/// What a freed object leaves to drop after the mutex is released: its data file first (its
/// readers are done once it is gone), then its memory. An alias leaves no memory: it was
/// unmapped under the mutex and its blocks went back to their pages objects.
struct Leftover {
    _data: Option<Pin<KBox<File<DataFile>>>>,
    _memory: Option<Object>,
}

/// Counts and logs an entry taken out of the table, and detaches an alias from its pages.
fn take_out(state: &mut State, entry: Entry<Slot>) -> Leftover {
    state.stats.freed(entry.value.object.api, entry.bytes);
    log_free(&entry);
    let Slot { _data, object } = entry.value;
    Leftover {
        _data,
        _memory: alias::detach(state, object).and_then(device::release),
    }
}

fn log_free(entry: &Entry<Slot>) {
    let (name, object) = (entry.name.as_str(), &entry.value.object);
    let address = object.address();
    match &object.memory {
        Memory::Cache(cache) => pr_info!(
            "cache destroy {name}: kmem_cache_destroy({}) at {address:#x}\n",
            cache.name()
        ),
        Memory::Pool(_) => pr_info!("pool destroy {name}: mempool_destroy({address:#x})\n"),
        Memory::Vmap { .. } => pr_info!("free {name}: vunmap({address:#x}); its pages stay\n"),
        Memory::Kmap { .. } => pr_info!("free {name}: kunmap of {address:#x}; its page stays\n"),
        Memory::HighPages(_) if address == 0 => pr_info!(
            "free {name}: {} object with no kernel address ({} bytes) freed\n",
            object.api.name(),
            Decimal(object.asked)
        ),
        _ => pr_info!(
            "free {name}: {} object at {address:#x} ({} bytes) freed\n",
            object.api.name(),
            Decimal(object.asked)
        ),
    }
}

/// Renders `control`: the outcome of the last command.
pub(crate) fn write_last(state: &State, f: &mut impl core::fmt::Write) -> core::fmt::Result {
    match (&state.last, state.ran) {
        (_, false) => writeln!(f, "no command yet (see help)"),
        (None, true) => writeln!(f, "ok"),
        (Some(refusal), true) => writeln!(f, "{refusal}"),
    }
}

/// What `control` holds: the lab, and the buffer every command is copied into. The buffer is
/// allocated once, at load, so reading a command never allocates: under fault injection, a
/// command fails only where the lab calls the kernel, and `stats` counts every such failure.
#[pin_data]
pub(crate) struct Control {
    lab: Lab,
    #[pin]
    text: Mutex<KVec<u8>>,
}

impl Control {
    /// The control file's data for `lab`.
    ///
    /// # Errors
    ///
    /// `ENOMEM` if the command buffer cannot be allocated.
    pub(crate) fn new(lab: Lab) -> Result<impl PinInit<Self>> {
        let text = KVec::with_capacity(grammar::COMMAND_MAX, GFP_KERNEL)?;
        Ok(pin_init!(Self {
            lab,
            text <- kernel::new_mutex!(text),
        }))
    }

    /// The lab.
    pub(crate) fn lab(&self) -> &Lab {
        &self.lab
    }
}

/// Runs one write(2) to `control`.
///
/// # Errors
///
/// The command's errno; dmesg and `control` say why.
pub(crate) fn write(control: &Control, reader: &mut UserSliceReader) -> Result {
    let len = reader.len();
    let outcome = if len > grammar::COMMAND_MAX {
        let refusal = refuse!(
            TooBig,
            "a command has at most {} bytes, this one {len}",
            grammar::COMMAND_MAX
        );
        record(&control.lab, b"(too long)", Err(refusal))
    } else {
        // Commands are read one at a time into the one buffer (this lock comes before the lab's).
        let mut text = control.text.lock();
        text.clear();
        // Within the capacity reserved at load: no allocation.
        text.resize(len, 0, GFP_KERNEL)?;
        reader.read_slice(&mut text)?;
        run(&control.lab, &text)
    };
    outcome.map_err(|refusal| to_error(refusal.errno()))
}

// The kernel's printing macros format with `kernel::fmt::Display`; `Refusal` is pure.
impl kernel::fmt::Display for Refusal {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// The kernel error for a lab errno.
pub(crate) fn to_error(errno: Errno) -> Error {
    match errno {
        Errno::Inval => EINVAL,
        Errno::NoEnt => ENOENT,
        Errno::Exist => EEXIST,
        Errno::Busy => EBUSY,
        Errno::NoMem => ENOMEM,
        Errno::TooBig => E2BIG,
        Errno::NoDev => ENODEV,
        Errno::BadMsg => EBADMSG,
    }
}

/// What the lab answers when a wrapper refuses a call the lab's own checks let through: the
/// wrapper's errno, named.
pub(crate) fn kernel_refusal(api: Api, err: Error) -> Refusal {
    let name = api.name();
    if err == EEXIST {
        refuse!(Exist, "{name}: the name is taken outside the lab")
    } else if err == EINVAL {
        refuse!(Inval, "{name}: memlab's wrapper refused the arguments")
    } else if err == E2BIG {
        refuse!(TooBig, "{name}: over the wrapper's limit")
    } else {
        enomem(api)
    }
}

/// The command as dmesg shows it: its text, without the final newline, or a note.
fn shown(text: &[u8]) -> &str {
    match core::str::from_utf8(text) {
        Ok(text) if !text.contains(['\0', '\r']) => text.trim_end_matches('\n'),
        _ => "(not text)",
    }
}

/// Parses and runs `text`, logs and records the outcome.
fn run(lab: &Lab, text: &[u8]) -> Outcome {
    let outcome = grammar::parse(text).and_then(|command| execute(lab, command));
    record(lab, text, outcome)
}

/// Keeps `outcome` for `control` to show, and logs a refusal with the command `text`.
fn record(lab: &Lab, text: &[u8], outcome: Outcome) -> Outcome {
    let mut state = lab.lock();
    state.ran = true;
    state.last = outcome.as_ref().err().cloned();
    drop(state);
    if let Err(refusal) = &outcome {
        let line = shown(text);
        let line = line.get(..line.len().min(80)).unwrap_or("(not text)");
        pr_info!("control: '{line}': {refusal}\n");
    }
    outcome
}

/// Runs `command`: frees take the object out under the mutex and free it after; everything
/// else holds the mutex throughout.
fn execute(lab: &Lab, command: Command<'_>) -> Outcome {
    match command {
        Command::FreeAll => {
            drop(open(lab)?);
            let freed = free_all(lab);
            pr_info!("free all: {freed} objects freed\n");
            Ok(())
        }
        Command::Free { name } => free(lab, name, None),
        Command::Destroy { name, kind } => free(lab, name, Some(kind)),
        Command::CacheCreate {
            name,
            size,
            align,
            flags,
            ctor,
        } => {
            let mut state = open(lab)?;
            let made = holder::create_cache(&mut state, name, size, align, flags, ctor);
            made.inspect_err(|refusal| {
                state.stats.failed(Api::KmemCacheCreate, refusal.errno());
            })
        }
        Command::PoolCreate {
            name,
            min_nr,
            backing,
        } => {
            let mut state = open(lab)?;
            holder::create_pool(&mut state, name, min_nr, backing).inspect_err(|refusal| {
                state.stats.failed(Api::MempoolCreate, refusal.errno());
            })
        }
        Command::Alloc { name, source, gfp } => {
            let mut state = open(lab)?;
            alloc(lab, &mut state, name, source, gfp).inspect_err(|refusal| {
                state.stats.failed(api_of(source), refusal.errno());
            })
        }
        Command::Realloc { name, size, gfp } => {
            let mut state = open(lab)?;
            realloc(&mut state, name, size, gfp)
        }
        Command::Vmap { name, pages } => {
            let mut state = open(lab)?;
            alias::vmap(lab, &mut state, name, pages).inspect_err(|refusal| {
                state.stats.failed(Api::Vmap, refusal.errno());
            })
        }
        Command::Kmap { name, pages, index } => {
            let mut state = open(lab)?;
            alias::kmap(lab, &mut state, name, pages, index).inspect_err(|refusal| {
                state.stats.failed(Api::Kmap, refusal.errno());
            })
        }
        Command::KmapLocal { pages, index } => {
            let mut state = open(lab)?;
            alias::kmap_local(&mut state, pages, index).inspect_err(|refusal| {
                state.stats.failed(Api::KmapLocal, refusal.errno());
            })
        }
        Command::Ioremap { name, offset, len } => {
            let mut state = open(lab)?;
            device::ioremap(lab, &mut state, name, offset, len).inspect_err(|refusal| {
                state.stats.failed(Api::Ioremap, refusal.errno());
            })
        }
        Command::Dma {
            name,
            to_device,
            offset,
            len,
        } => {
            let mut state = open(lab)?;
            device::dma(&mut state, name, to_device, offset, len).inspect_err(|refusal| {
                state.stats.failed(Api::DmaTransfer, refusal.errno());
            })
        }
        Command::Fill { name, pattern } => {
            let mut state = open(lab)?;
            let written = on_bytes(&mut state, name, |bytes| {
                pattern.fill(bytes);
                bytes.len()
            })?;
            pr_info!("fill {name}: {written} bytes written\n");
            Ok(())
        }
        Command::Check { name, pattern } => {
            let mut state = open(lab)?;
            let mismatch = on_bytes(&mut state, name, |bytes| {
                pattern
                    .first_mismatch(bytes)
                    .map(|offset| (offset, bytes[offset]))
            })?;
            match mismatch {
                None => Ok(()),
                Some((offset, byte)) => Err(refuse!(
                    BadMsg,
                    "{name}: byte {offset} is {byte:#04x}, not {:#04x}",
                    pattern.at(offset as u64)
                )),
            }
        }
    }
}

/// Runs `f` on the bytes of object `name`, wherever they are (see [`access`]).
fn on_bytes<R>(state: &mut State, name: &str, f: impl FnOnce(&mut [u8]) -> R) -> Outcome<R> {
    let entry = state.table.get(name)?;
    let (id, api) = (entry.id, entry.value.object.api);
    access::with_bytes(&mut state.table, id, f).map_err(|errno| match errno {
        Errno::NoDev => refuse!(NoDev, "'{name}': its device was unbound"),
        Errno::NoMem => refuse!(NoMem, "'{name}': no memory to map its pages"),
        _ => refuse!(
            Inval,
            "'{name}' is a {} object: no bytes fill or check can reach",
            api.name()
        ),
    })
}

/// The locked state, or `ENODEV` once the lab closed.
fn open(lab: &Lab) -> Outcome<MutexGuard<'_, State>> {
    let state = lab.lock();
    if !state.open {
        return Err(refuse!(NoDev, "the lab is closing (rmmod)"));
    }
    Ok(state)
}

/// `free NAME` (`kind` `None`), `cache destroy NAME` or `pool destroy NAME`: takes the object
/// out under the mutex, frees it after.
fn free(lab: &Lab, name: &str, kind: Option<Holder>) -> Outcome {
    let leftover = {
        let mut state = open(lab)?;
        let object = &state.table.get(name)?.value.object;
        match (kind, &object.memory) {
            (None, Memory::Cache(_)) => {
                return Err(refuse!(
                    Inval,
                    "'{name}' is a cache: use 'cache destroy {name}'"
                ));
            }
            (None, Memory::Pool(_)) => {
                return Err(refuse!(
                    Inval,
                    "'{name}' is a pool: use 'pool destroy {name}'"
                ));
            }
            (Some(Holder::Cache), Memory::Cache(_)) | (Some(Holder::Pool), Memory::Pool(_)) => {}
            (None, _) => {}
            (Some(kind), _) => {
                return Err(refuse!(Inval, "'{name}' is not a {}", kind.word()));
            }
        }
        if let Some(refusal) = alias::busy(object, name) {
            return Err(refusal);
        }
        if let Some((users, user)) = users(&state.table, name) {
            return Err(refuse!(
                Busy,
                "'{name}' is in use by {users} object(s), such as '{}'",
                user.as_str()
            ));
        }
        let entry = state.table.remove(name)?;
        take_out(&mut state, entry)
    };
    drop(leftover);
    Ok(())
}

/// How many objects name `name` as their parent, and one of them; `None` if none does.
fn users(table: &LabTable, name: &str) -> Option<(usize, Name)> {
    let mut users = table
        .entries()
        .filter(|entry| {
            let parent = entry.value.object.parent.as_ref();
            parent.is_some_and(|parent| parent.as_str() == name)
        })
        .map(|entry| entry.name);
    let first = users.next()?;
    Some((1 + users.count(), first))
}

/// The `stats` row of a source.
fn api_of(source: Source<'_>) -> Api {
    match source {
        Source::Kmalloc(_) => Api::Kmalloc,
        Source::Kzalloc(_) => Api::Kzalloc,
        Source::Kvmalloc(_) => Api::Kvmalloc,
        Source::Vmalloc(_) => Api::Vmalloc,
        Source::Vzalloc(_) => Api::Vzalloc,
        Source::Vmalloc32(_) => Api::Vmalloc32,
        Source::Pages(_) | Source::HighPages(_) => Api::AllocPages,
        Source::GetFreePages(_) => Api::GetFreePages,
        Source::ZeroedPage => Api::GetZeroedPage,
        Source::Cache(_) => Api::KmemCacheAlloc,
        Source::Pool(_) => Api::MempoolAlloc,
        Source::Dma(_) => Api::DmaAlloc,
    }
}

/// Parses `gfp=` flags for `family` (`default` without them), and adds `__GFP_NOWARN`: no
/// command may print a stack dump when memory runs out.
fn gfp_for(family: Family, text: Option<&str>, default: Gfp) -> Outcome<Gfp> {
    let gfp = match text {
        None => default,
        Some(text) => {
            Gfp::parse(text).map_err(|_| refuse!(Inval, "gfp={text}: unknown flag name"))?
        }
    };
    if let Some(refusal) = gfp.refusal(family) {
        return Err(refuse!(Inval, "gfp={gfp}: {refusal}"));
    }
    Ok(gfp | Gfp::NOWARN)
}

/// Flags for `mempool_alloc` from the lab: `GFP_NOWAIT` unless told, and never flags that may
/// sleep. With them, a pool whose reserve is out and whose allocator fails waits for an element
/// to come back, and that needs a `free`, which waits for the mutex this command holds.
fn pool_gfp(text: Option<&str>) -> Outcome<Gfp> {
    let gfp = gfp_for(Family::Mempool, text, Gfp::NOWAIT)?;
    if gfp.may_sleep() {
        return Err(refuse!(
            Inval,
            "gfp={gfp} may sleep: mempool_alloc could wait for a free that waits for this command"
        ));
    }
    Ok(gfp)
}

/// A size in bytes for an API that takes at most `max`.
pub(crate) fn size_within(api: Api, size: u64, max: usize) -> Outcome<usize> {
    if size == 0 {
        return Err(refuse!(Inval, "{}: size 0", api.name()));
    }
    usize::try_from(size)
        .ok()
        .filter(|size| *size <= max)
        .ok_or_else(|| {
            refuse!(
                TooBig,
                "{}: {} bytes; at most {max}",
                api.name(),
                Decimal(size)
            )
        })
}

/// A page order the page allocator serves.
pub(crate) fn order_within(api: Api, order: u64) -> Outcome<u32> {
    u32::try_from(order)
        .ok()
        .filter(|order| *order <= pages::MAX_ORDER)
        .ok_or_else(|| {
            refuse!(
                TooBig,
                "{}: order {}; at most {}",
                api.name(),
                Decimal(order),
                pages::MAX_ORDER
            )
        })
}

fn enomem(api: Api) -> Refusal {
    refuse!(NoMem, "{} failed: out of memory", api.name())
}

/// `alloc NAME SOURCE [gfp=...]`.
fn alloc(
    lab: &Lab,
    state: &mut State,
    name: &str,
    source: Source<'_>,
    gfp_text: Option<&str>,
) -> Outcome {
    let api = api_of(source);
    // Check everything before allocating: the size, the flags, the name and the budget. The
    // page allocator's calls take an order (and `asked` is the block's size); caches and pools
    // have their element size.
    let (family, asked, order, parent) = match source {
        Source::Kmalloc(size) | Source::Kzalloc(size) => (
            Family::Kmalloc,
            size_within(api, size, kmalloc::MAX_SIZE)?,
            None,
            None,
        ),
        Source::Kvmalloc(size) => (
            Family::Kvmalloc,
            size_within(api, size, vmalloc::MAX_SIZE)?,
            None,
            None,
        ),
        Source::Vmalloc(size) | Source::Vzalloc(size) | Source::Vmalloc32(size) => (
            Family::Vmalloc,
            size_within(api, size, vmalloc::MAX_SIZE)?,
            None,
            None,
        ),
        Source::Pages(order) | Source::HighPages(order) | Source::GetFreePages(order) => {
            let order = order_within(api, order)?;
            let family = match source {
                Source::HighPages(_) => Family::HighPages,
                _ => Family::Pages,
            };
            (family, kernel::page::PAGE_SIZE << order, Some(order), None)
        }
        Source::ZeroedPage => (Family::Pages, kernel::page::PAGE_SIZE, Some(0), None),
        Source::Cache(cache) => (
            Family::KmemCache,
            holder::cache_named(state, cache)?.object_size(),
            None,
            Some(Name::new(cache)),
        ),
        Source::Pool(pool) => (
            Family::Mempool,
            holder::pool_named(state, pool)?.element_size(),
            None,
            Some(Name::new(pool)),
        ),
        Source::Dma(size) => (
            Family::DmaCoherent,
            size_within(api, size, dma::MAX_LEN)?,
            None,
            None,
        ),
    };
    let gfp = match source {
        Source::Pool(_) => pool_gfp(gfp_text)?,
        _ => gfp_for(family, gfp_text, Gfp::KERNEL)?,
    };
    if let Source::Cache(cache) = source {
        if gfp.contains(Gfp::ZERO) && holder::cache_named(state, cache)?.has_constructor() {
            return Err(refuse!(
                Inval,
                "'{cache}' has a constructor: __GFP_ZERO would undo it"
            ));
        }
    }
    // CAST: `usize` fits `u64`.
    let bytes = asked as u64;
    state.table.admit(name, bytes)?;
    let no_memory = |_| enomem(api);
    let memory = match source {
        Source::Kmalloc(_) => Memory::Kmalloc(
            KmallocBuf::new_uninit(asked, gfp)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::Kzalloc(_) => Memory::Kmalloc(KmallocBuf::zeroed(asked, gfp).map_err(no_memory)?),
        Source::Kvmalloc(_) => Memory::Vmalloc(
            VmallocBuf::kvmalloc_uninit(asked, gfp)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::Vmalloc(_) => Memory::Vmalloc(
            VmallocBuf::with_flags(asked, gfp)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::Vzalloc(_) => Memory::Vmalloc(
            VmallocBuf::with_flags(asked, gfp | Gfp::ZERO)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::Vmalloc32(_) => Memory::Vmalloc(
            VmallocBuf::new_32_nowarn(asked)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::Pages(_) => Memory::Pages(
            Pages::alloc(order.unwrap_or(0), gfp)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::HighPages(_) => {
            Memory::HighPages(HighPages::zeroed(order.unwrap_or(0), gfp).map_err(no_memory)?)
        }
        Source::GetFreePages(_) => Memory::FreePages(
            FreePages::get(order.unwrap_or(0), gfp)
                .map_err(no_memory)?
                .freeze(),
        ),
        Source::ZeroedPage => Memory::FreePages(FreePages::zeroed_page(gfp).map_err(no_memory)?),
        Source::Cache(cache) => Memory::Slab(
            KmemCache::alloc_from(holder::cache_named(state, cache)?, gfp).map_err(no_memory)?,
        ),
        Source::Pool(pool) => Memory::Element(
            Mempool::alloc_from(holder::pool_named(state, pool)?, gfp).map_err(no_memory)?,
        ),
        Source::Dma(_) => device::keep_dma(asked, gfp)?,
    };
    // What the allocator was really asked for.
    let gfp = match source {
        Source::HighPages(_) => HighPages::flags(gfp),
        _ => gfp,
    };
    let object = Object {
        api,
        // CAST: `usize` fits `u64`.
        asked: asked as u64,
        gfp: Some(gfp),
        parent,
        memory,
    };
    let data = data_file(lab, state, name)?;
    let (address, real) = (object.address(), Decimal(object.real_size()));
    match (order, &object.memory) {
        (Some(order), Memory::HighPages(pages)) => {
            let placement = pages.placement();
            let no_address = if address == 0 { ", no kernel address" } else { "" };
            pr_info!(
                "alloc {name}: alloc_pages({gfp}, order {order}) = pfn {:#x} in {}{no_address}, {real} bytes\n",
                placement.pfn,
                placement.zone
            );
        }
        (Some(order), _) => pr_info!(
            "alloc {name}: {}({gfp}, order {order}) = {address:#x}, {real} bytes\n",
            api.name()
        ),
        (None, Memory::Slab(slab)) => pr_info!(
            "alloc {name}: kmem_cache_alloc({}, {gfp}) = {address:#x}, {real} bytes\n",
            slab.cache().name()
        ),
        (None, Memory::Dma { dma_handle, .. }) => pr_info!(
            "alloc {name}: dma_alloc_coherent(edu, {asked}, {gfp}) = {address:#x}, dma handle {dma_handle:#x}\n"
        ),
        (None, Memory::Element(_)) => pr_info!(
            "alloc {name}: mempool_alloc({}, {gfp}) = {address:#x}, {real} bytes\n",
            object.parent.as_ref().map_or("?", |pool| pool.as_str())
        ),
        (None, _) => pr_info!(
            "alloc {name}: {}({asked}, {gfp}) = {address:#x}, real size {real}\n",
            api.name()
        ),
    }
    insert(state, name, bytes, Slot::new(data, object)).map_err(|(refusal, _)| refusal)
}

/// Inserts a new object that `admit` accepted, counting `bytes` against the budget, and counts it
/// in `stats`. `admit` ran under this same lock, so this cannot fail; if it did, the slot comes
/// back with the refusal.
pub(crate) fn insert(
    state: &mut State,
    name: &str,
    bytes: u64,
    slot: Slot,
) -> Result<(), (Refusal, Slot)> {
    let api = slot.object.api;
    state.table.insert(name, bytes, slot)?;
    state.stats.allocated(api, bytes);
    Ok(())
}

/// Creates `data/NAME` for the object that will get the table's next id.
pub(crate) fn data_file(
    lab: &Lab,
    state: &State,
    name: &str,
) -> Outcome<Pin<KBox<File<DataFile>>>> {
    let no_memory = |_| refuse!(NoMem, "{name}: no memory for its data file");
    let file_name = CString::try_from_fmt(fmt!("{name}")).map_err(no_memory)?;
    let file = DataFile::new(lab.clone(), state.table.next_id());
    KBox::pin_init(
        state.data_dir.read_write_binary_file(&file_name, file),
        GFP_KERNEL,
    )
    .map_err(no_memory)
}

/// `realloc NAME SIZE [gfp=...]`: krealloc of a kmalloc or kzalloc object.
fn realloc(state: &mut State, name: &str, size: u64, gfp_text: Option<&str>) -> Outcome {
    let api = Api::Krealloc;
    let outcome = (|| {
        let new = size_within(api, size, kmalloc::MAX_SIZE)?;
        let gfp = gfp_for(Family::Kmalloc, gfp_text, Gfp::KERNEL)?;
        let entry = state.table.get(name)?;
        let (owner, old) = (entry.value.object.api, entry.bytes);
        let not_kmalloc = || {
            refuse!(
                Inval,
                "realloc: '{name}' is a {} object; krealloc takes kmalloc memory",
                owner.name()
            )
        };
        if !matches!(entry.value.object.memory, Memory::Kmalloc(_)) {
            return Err(not_kmalloc());
        }
        // CAST: `usize` fits `u64`.
        let bytes = new as u64;
        state.table.within_budget(name, old, bytes)?;
        // The budget check above needs the table unborrowed; the object is taken mutably after.
        let object = &mut state.table.get_mut(name)?.object;
        let Memory::Kmalloc(buf) = &mut object.memory else {
            return Err(not_kmalloc());
        };
        let before = buf.as_slice().as_ptr() as usize;
        buf.resize(new, gfp).map_err(|_| enomem(api))?;
        object.asked = new as u64;
        pr_info!(
            "realloc {name}: krealloc({before:#x}, {new}, {gfp}) = {:#x}, real size {}\n",
            object.address(),
            Decimal(object.real_size())
        );
        state.table.set_bytes(name, bytes)?;
        state.stats.resized(owner, old, bytes);
        Ok(())
    })();
    match &outcome {
        Ok(()) => state.stats.called(api),
        Err(refusal) => state.stats.failed(api, refusal.errno()),
    }
    outcome
}
