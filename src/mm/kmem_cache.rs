// SPDX-License-Identifier: GPL-2.0

//! Slab caches: `kmem_cache_create` / `kmem_cache_alloc` / `kmem_cache_free` /
//! `kmem_cache_destroy` (see [`include/linux/slab.h`](srctree/include/linux/slab.h)).
//!
//! A [`KmemCache`] owns its cache and destroys it on drop. Each [`SlabObject`] holds a
//! [`Handle`] of the cache it came from, so an object cannot outlive its cache and a cache with
//! live objects is never destroyed, where C would print "Slab cache still has objects" and leak
//! them. In the borrowed form (`SlabObject<&KmemCache>`, from [`KmemCache::alloc`]) the borrow
//! checker refuses the cache's `drop`; in the owned form (`SlabObject<Arc<KmemCache>>`, from
//! [`KmemCache::alloc_from`] with an `Arc`) the last object keeps the cache alive and its drop
//! may destroy it. An object leaked on purpose (`mem::forget`) ends a borrow without freeing:
//! the cache counts its live objects, and a drop that finds some left leaves the cache (and its
//! name) alive, with one dmesg line, instead of letting `kmem_cache_destroy` WARN.
//!
//! Objects are bytes of a size fixed at creation. A cache may have a constructor (a type
//! implementing [`Constructor`]): the kernel runs it once per object, when the slab holding the
//! object is allocated, not at every `kmem_cache_alloc`; objects of such a cache are always in a
//! defined state. Objects of a cache without a constructor are zeroed (`__GFP_ZERO`) by
//! [`KmemCache::alloc`], or typed uninitialised by [`KmemCache::alloc_uninit`].
//!
//! What the kernel would answer with a warning is refused here with an error first: a name that
//! is empty, has a space, or is already in use by another memlab cache (the kernel's caches
//! cannot collide: memlab names its caches `memlab_<name>`); an object size of 0 or above
//! [`MAX_OBJECT_SIZE`]; an alignment that is not a power of two up to a page; `__GFP_ZERO` with
//! a constructor; allocation flags kmem_cache's allow-list lacks. A name is reserved only after
//! every other check passed, and released by a guard on every error path. Names live in a
//! registry the module opens at load ([`NameRegistry`]). The `kernel` crate has no peer.
//!
//! Objects by the batch: [`bulk::SlabBulk`], from `kmem_cache_alloc_bulk`.

use core::{
    fmt,
    mem::MaybeUninit,
    ops::BitOr,
    ptr::NonNull,
    sync::atomic::{
        AtomicUsize,
        Ordering, //
    },
};

use kernel::{
    bindings,
    prelude::*,
    str::CString,
    sync::lock::GlobalGuard, //
};

use crate::mm::{
    byte::Byte,
    fill_ctor::FillSlot,
    flags::{
        self,
        FlagName, //
    },
    gfp::Gfp,
    gfp_policy::Family,
    global::{
        Global,
        OpenGlobal, //
    },
    handle::Handle,
    kmalloc, //
};
use crate::shim::generated;

pub(crate) mod bulk;

/// The largest object memlab's caches hold: half of `KMALLOC_MAX_SIZE` (2 MiB), so that an
/// object plus its debugging metadata (red zones, owner tracking) still fits the largest slab.
/// A larger cache could fail to be created, and the kernel reports that with a stack dump.
pub(crate) const MAX_OBJECT_SIZE: usize = kmalloc::MAX_SIZE / 2;

/// The largest alignment memlab's caches take: a page. The slab allocator takes any power of
/// two, but an absurd one makes the cache's size computation fail with a stack dump.
pub(crate) const MAX_ALIGN: usize = kernel::page::PAGE_SIZE;

/// Flags for [`KmemCache::new`], the kernel's `SLAB_*` values.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlabFlags(bindings::slab_flags_t);

const fn slab_bit(bit: bindings::_slab_flag_bits) -> SlabFlags {
    SlabFlags(1 << bit)
}

impl SlabFlags {
    /// No flags.
    pub(crate) const NONE: Self = Self(0);
    /// `SLAB_HWCACHE_ALIGN`: objects start on cache-line boundaries.
    pub(crate) const HWCACHE_ALIGN: Self = slab_bit(bindings::_slab_flag_bits__SLAB_HWCACHE_ALIGN);
    /// `SLAB_POISON`: free objects are filled with a poison pattern, checked on allocation.
    pub(crate) const POISON: Self = slab_bit(bindings::_slab_flag_bits__SLAB_POISON);
    /// `SLAB_RED_ZONE`: guard bytes around each object, checked on free.
    pub(crate) const RED_ZONE: Self = slab_bit(bindings::_slab_flag_bits__SLAB_RED_ZONE);
    /// `SLAB_STORE_USER`: remember who allocated and freed each object.
    pub(crate) const STORE_USER: Self = slab_bit(bindings::_slab_flag_bits__SLAB_STORE_USER);
    /// `SLAB_CACHE_DMA`: objects come from ZONE_DMA.
    pub(crate) const CACHE_DMA: Self = slab_bit(bindings::_slab_flag_bits__SLAB_CACHE_DMA);
    /// `SLAB_NO_MERGE`: never share slabs with a compatible existing cache.
    pub(crate) const NO_MERGE: Self = slab_bit(bindings::_slab_flag_bits__SLAB_NO_MERGE);

    const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The flags' names, as the lab takes and shows them (without the `SLAB_` prefix).
    const NAMES: [FlagName; 6] = [
        Self::HWCACHE_ALIGN.name("HWCACHE_ALIGN"),
        Self::POISON.name("POISON"),
        Self::RED_ZONE.name("RED_ZONE"),
        Self::STORE_USER.name("STORE_USER"),
        Self::CACHE_DMA.name("CACHE_DMA"),
        Self::NO_MERGE.name("NO_MERGE"),
    ];

    const fn name(self, name: &'static str) -> FlagName {
        FlagName { name, bits: self.0 }
    }

    /// Parses `|`-separated names of [`SlabFlags::NAMES`], e.g. `HWCACHE_ALIGN|POISON`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the text is empty or names an unknown flag.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        flags::parse_flags(text, &Self::NAMES)
            .map(Self)
            .map_err(|_| EINVAL)
    }
}

impl fmt::Display for SlabFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        flags::write_flags(f, self.0, &Self::NAMES)
    }
}

impl kernel::fmt::Display for SlabFlags {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl BitOr for SlabFlags {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// A slab constructor: brings a fresh object into its constructed state.
///
/// The kernel calls [`Constructor::construct`] once for every object of a slab when it
/// allocates that slab; an object freed and allocated again is not constructed again, so users
/// should give objects back in their constructed state (as in C). It runs in whatever context
/// allocated the slab, possibly atomic: it must not sleep.
pub(crate) trait Constructor {
    /// The object size of every cache built with this constructor.
    const SIZE: usize;

    /// Constructs one object; `object` is `SIZE` bytes, zeroed before the call.
    fn construct(object: &mut [u8]);
}

/// The C constructor the kernel calls; forwards to `C::construct`.
///
/// # Safety
///
/// `object` points to a writable object of `C::SIZE` bytes that nothing else uses yet (what
/// the kernel passes the constructor of a cache created with object size `C::SIZE`).
unsafe extern "C" fn construct_object<C: Constructor>(object: *mut kernel::ffi::c_void) {
    let object = object.cast::<u8>();
    // SAFETY: `object` is writable for `C::SIZE` bytes (function safety requirement).
    unsafe { object.write_bytes(0, C::SIZE) };
    // SAFETY: The `C::SIZE` bytes were initialised just above and nothing else uses them.
    C::construct(unsafe { core::slice::from_raw_parts_mut(object, C::SIZE) });
}

kernel::sync::global_lock! {
    // SAFETY: `NAMES` is used only through `REGISTRY`, which initialises it once, before any
    // use (see `crate::mm::global`).
    unsafe(uninit) static NAMES: Mutex<KVec<CString>> = KVec::new();
}

// SAFETY: Nothing but `REGISTRY` uses `NAMES`, and it is the only `Global` made for it.
static REGISTRY: Global<NAMES> = unsafe { Global::new(&NAMES) };

/// The registry of memlab's cache names, open for as long as this value lives: the module
/// holds it from its initialiser until unload, and its drop frees the names' storage. Without
/// it, creating a cache fails with `ENODEV`.
pub(crate) struct NameRegistry(
    #[expect(dead_code, reason = "held for its Drop")] OpenGlobal<NAMES>,
);

impl NameRegistry {
    /// Opens the registry.
    ///
    /// # Errors
    ///
    /// `EBUSY` if it was opened before (in this load of the module).
    pub(crate) fn open() -> Result<Self> {
        REGISTRY.open().map(Self)
    }
}

/// The registry's names, locked, or `ENODEV` when the registry is not open.
fn names() -> Result<GlobalGuard<NAMES>> {
    REGISTRY.lock()
}

/// A name reserved in the registry; released on drop (every error path of a creation, and the
/// cache's own drop).
///
/// # Invariants
///
/// `full` is in the registry until this value is dropped, unless `kept` (then until the
/// registry closes).
struct ReservedName {
    full: CString,
    kept: bool,
}

impl ReservedName {
    /// Reserves `memlab_<name>`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty name, one with whitespace or one that is not UTF-8; `EEXIST` if a
    /// memlab cache has that name; `ENODEV` if the registry is closed; `ENOMEM`.
    fn new(name: &CStr) -> Result<Self> {
        let bytes = name.to_bytes();
        if bytes.is_empty() || bytes.iter().any(|b| b.is_ascii_whitespace()) {
            return Err(EINVAL);
        }
        let text = name.to_str().map_err(|_| EINVAL)?;
        let full = CString::try_from_fmt(fmt!("memlab_{text}"))?;
        let mut names = names()?;
        if names.iter().any(|used| used.to_bytes() == full.to_bytes()) {
            return Err(EEXIST);
        }
        names.push(CString::try_from(&*full)?, GFP_KERNEL)?;
        // INVARIANT: Pushed just above.
        Ok(Self { full, kept: false })
    }

    /// Keeps the name reserved for good (until the registry closes at unload): for a cache that
    /// cannot be destroyed, whose name the kernel still shows.
    fn keep(&mut self) {
        self.kept = true;
    }
}

impl Drop for ReservedName {
    fn drop(&mut self) {
        // A closed registry has no names left to release.
        let Ok(mut names) = names() else {
            return;
        };
        if self.kept {
            return;
        }
        if let Some(index) = names
            .iter()
            .position(|used| used.to_bytes() == self.full.to_bytes())
        {
            // `index` is in bounds, so the removal cannot fail; the name is dropped with it.
            let _removed = names.remove(index);
        }
    }
}

/// A slab cache, destroyed on drop.
///
/// # Invariants
///
/// - `ptr` is a cache `kmem_cache_create` returned for objects of `object_size` bytes, not yet
///   destroyed, owned by `self`; `1 <= object_size <= MAX_OBJECT_SIZE`.
/// - `constructed` says whether it has a constructor, which initialises every byte of every
///   object; `fill` holds the slot of a run-time constructor, until the cache is destroyed.
/// - `name` is reserved in the registry for as long as the cache exists.
/// - `live` counts the cache's objects that are allocated and not freed: one per
///   [`SlabObject`], plus those a mempool handed out and never got back
///   ([`KmemCache::adopt_leaked`]). Only a cache with none may be destroyed.
///
/// # Context
///
/// Dropping calls `kmem_cache_destroy`, which takes a mutex and waits for RCU: drop it in
/// process context. `drop` calls `might_sleep()` first, so `CONFIG_DEBUG_ATOMIC_SLEEP` reports a
/// drop in atomic context every time.
pub(crate) struct KmemCache {
    ptr: NonNull<bindings::kmem_cache>,
    object_size: usize,
    constructed: bool,
    flags: SlabFlags,
    name: ReservedName,
    fill: Option<FillSlot>,
    live: AtomicUsize,
}

// SAFETY: A cache may be used and destroyed from any thread (in the context the type's docs
// require); the kernel locks internally.
unsafe impl Send for KmemCache {}

// SAFETY: `kmem_cache_alloc`/`kmem_cache_free` may be called concurrently on one cache.
unsafe impl Sync for KmemCache {}

/// Whether hardened usercopy lets the kernel copy a cache's objects to and from user space.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UserCopy {
    /// No usercopy region: the kernel's default for a new cache.
    Denied,
    /// The whole object is the usercopy region.
    WholeObject,
}

impl KmemCache {
    /// `kmem_cache_create("memlab_<name>", size, align, flags, NULL)`. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty name, a name with whitespace, a size of 0 or above
    /// [`MAX_OBJECT_SIZE`], or an alignment that is not a power of two up to [`MAX_ALIGN`] (0
    /// means "none"); `EEXIST` if a memlab cache of that name exists; `ENODEV` when the module
    /// holds no [`NameRegistry`]; `ENOMEM` if the kernel cannot create it. A failed creation
    /// leaves the name free.
    pub(crate) fn new(name: &CStr, size: usize, align: usize, flags: SlabFlags) -> Result<Self> {
        Self::create(name, size, align, flags, None, None, UserCopy::Denied)
    }

    /// `kmem_cache_create("memlab_<name>", C::SIZE, align, flags, C's constructor)`. Sleeps.
    ///
    /// # Errors
    ///
    /// As [`KmemCache::new`].
    pub(crate) fn with_constructor<C: Constructor>(
        name: &CStr,
        align: usize,
        flags: SlabFlags,
    ) -> Result<Self> {
        Self::create(
            name,
            C::SIZE,
            align,
            flags,
            Some(construct_object::<C>),
            None,
            UserCopy::Denied,
        )
    }

    /// `kmem_cache_create` with a constructor that fills every new object with `byte`: the
    /// run-time form of [`KmemCache::with_constructor`] (see [`crate::mm::fill_ctor`]). Sleeps.
    ///
    /// # Errors
    ///
    /// As [`KmemCache::new`]; `EBUSY` when [`fill_ctor::SLOTS`](crate::mm::fill_ctor::SLOTS) caches with such a constructor
    /// exist already.
    pub(crate) fn with_fill(
        name: &CStr,
        size: usize,
        align: usize,
        flags: SlabFlags,
        byte: u8,
    ) -> Result<Self> {
        Self::create_filled(name, size, align, flags, Some(byte), UserCopy::Denied)
    }

    /// As [`KmemCache::new`], or with `fill` as [`KmemCache::with_fill`], for objects whose bytes
    /// are copied to and from user space: the cache's usercopy region (`kmem_cache_args`'
    /// `useroffset` 0 and `usersize` `size`) is the whole object. Without one, a kernel with
    /// `CONFIG_HARDENED_USERCOPY` (Debian's) stops each such copy with a BUG ("Kernel memory
    /// exposure attempt detected from SLUB object"). Sleeps.
    ///
    /// # Errors
    ///
    /// As [`KmemCache::with_fill`].
    pub(crate) fn new_user_copyable(
        name: &CStr,
        size: usize,
        align: usize,
        flags: SlabFlags,
        fill: Option<u8>,
    ) -> Result<Self> {
        Self::create_filled(name, size, align, flags, fill, UserCopy::WholeObject)
    }

    /// The byte a run-time constructor fills new objects with, if the cache has one.
    pub(crate) fn fill_byte(&self) -> Option<u8> {
        self.fill.as_ref().map(FillSlot::byte)
    }

    /// A cache whose constructor, if `byte` is given, fills each object with it.
    fn create_filled(
        name: &CStr,
        size: usize,
        align: usize,
        flags: SlabFlags,
        byte: Option<u8>,
        user_copy: UserCopy,
    ) -> Result<Self> {
        let fill = match byte {
            None => None,
            // Checked before a slot is claimed for objects of that size.
            Some(_) if size == 0 || size > MAX_OBJECT_SIZE => return Err(EINVAL),
            Some(byte) => Some(FillSlot::claim(size, byte)?),
        };
        let ctor = fill.as_ref().map(FillSlot::callback);
        Self::create(name, size, align, flags, ctor, fill, user_copy)
    }

    fn create(
        name: &CStr,
        size: usize,
        align: usize,
        flags: SlabFlags,
        ctor: Option<unsafe extern "C" fn(*mut kernel::ffi::c_void)>,
        fill: Option<FillSlot>,
        user_copy: UserCopy,
    ) -> Result<Self> {
        let good_align = align == 0 || (align.is_power_of_two() && align <= MAX_ALIGN);
        if size == 0 || size > MAX_OBJECT_SIZE || !good_align {
            return Err(EINVAL);
        }
        // CAST: `size <= MAX_OBJECT_SIZE` (2 MiB) and `align <= MAX_ALIGN` (a page), checked
        // above, fit `unsigned int`.
        let (size_c, align_c) = (size as u32, align as u32);
        kernel::task::might_sleep();
        // Reserved last, after every check: dropping `name` on an error below releases it.
        let name = ReservedName::new(name)?;
        let mut args = bindings::kmem_cache_args {
            align: align_c,
            ctor,
            ..Default::default()
        };
        if user_copy == UserCopy::WholeObject {
            args.useroffset = 0;
            args.usersize = size_c;
        }
        // SAFETY:
        // - `name.full` is a NUL-terminated string without whitespace; the kernel copies it;
        // - `size_c` is `1..=MAX_OBJECT_SIZE` and `args.align` 0 or a power of two up to a page
        //   (checked above), which the slab allocator serves without a warning;
        // - `args` is a valid `struct kmem_cache_args`: its usercopy region, if any, is the
        //   whole object (offset 0, `size_c` bytes); its `ctor`, if any, is
        //   `construct_object::<C>` for a `C` with `C::SIZE == size`, or the callback of `fill`,
        //   a slot claimed for `size`-byte objects and held until the cache is destroyed;
        // - `flags` holds only `SLAB_*` values (`SlabFlags` has no other constructor).
        let ptr = unsafe {
            bindings::__kmem_cache_create_args(name.full.as_char_ptr(), size_c, &mut args, flags.0)
        };
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // INVARIANT: A new cache for `size`-byte objects (checked), with a constructor exactly
        // when `ctor` is set, without objects yet; `name` stays reserved until `drop`.
        Ok(Self {
            ptr,
            object_size: size,
            constructed: ctor.is_some(),
            flags,
            name,
            fill,
            live: AtomicUsize::new(0),
        })
    }

    /// The size of each object in bytes.
    pub(crate) fn object_size(&self) -> usize {
        self.object_size
    }

    /// The flags the cache was created with.
    pub(crate) fn flags(&self) -> SlabFlags {
        self.flags
    }

    /// The cache's name, as the kernel shows it (`memlab_<name>`).
    pub(crate) fn name(&self) -> &CStr {
        &self.name.full
    }

    fn alloc_raw<C: Handle<Self>, T: Byte>(cache: C, gfp: Gfp) -> Result<SlabObject<C, T>> {
        gfp.check_for(Family::KmemCache)?;
        // SAFETY: `cache.ptr` is a live cache (type invariant); the callers keep `__GFP_ZERO`
        // away from caches with a constructor.
        let ptr = unsafe { bindings::kmem_cache_alloc_noprof(cache.ptr.as_ptr(), gfp.as_raw()) };
        let ptr = NonNull::new(ptr.cast::<T>()).ok_or(ENOMEM)?;
        // INVARIANT: One more live object, counted until `SlabObject::drop`.
        cache.live.fetch_add(1, Ordering::Relaxed);
        // INVARIANT: A fresh object of this cache, `object_size` bytes; the callers choose `T`
        // as `u8` only when a constructor or `__GFP_ZERO` defined its bytes.
        Ok(SlabObject { ptr, cache })
    }

    /// `kmem_cache_alloc(cache, gfp)`: a constructed object, or a zeroed one (`__GFP_ZERO`) if the
    /// cache has no constructor. The object borrows the cache.
    ///
    /// # Errors
    ///
    /// As [`KmemCache::alloc_from`].
    pub(crate) fn alloc(&self, gfp: Gfp) -> Result<SlabObject<&Self>> {
        Self::alloc_from(self, gfp)
    }

    /// `kmem_cache_alloc(cache, gfp)` through any [`Handle`] of the cache: a constructed object,
    /// or a zeroed one (`__GFP_ZERO`) if the cache has no constructor. With an `Arc`, the object
    /// keeps the cache alive.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `__GFP_ZERO` in `gfp` on a cache with a constructor (it would destroy the
    /// constructed state) and for flags kmem_cache's allow-list refuses (see
    /// [`crate::mm::gfp_policy`]); `ENOMEM` when the allocation fails.
    pub(crate) fn alloc_from<C: Handle<Self>>(cache: C, gfp: Gfp) -> Result<SlabObject<C>> {
        if cache.constructed {
            if gfp.contains(Gfp::ZERO) {
                return Err(EINVAL);
            }
            Self::alloc_raw(cache, gfp)
        } else {
            Self::alloc_raw(cache, gfp | Gfp::ZERO)
        }
    }

    /// `kmem_cache_alloc(cache, gfp)` on a cache without a constructor: contents undefined
    /// until written.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the cache has a constructor (use [`KmemCache::alloc`]) or for flags
    /// kmem_cache's allow-list refuses (see [`crate::mm::gfp_policy`]); `ENOMEM` when the
    /// allocation fails.
    pub(crate) fn alloc_uninit(&self, gfp: Gfp) -> Result<SlabObject<&Self, MaybeUninit<u8>>> {
        if self.constructed {
            return Err(EINVAL);
        }
        Self::alloc_raw(self, gfp)
    }

    /// The C cache, for the mempool family's slab-backed pools.
    pub(crate) fn as_raw(&self) -> *mut bindings::kmem_cache {
        self.ptr.as_ptr()
    }

    /// Whether the cache has a constructor.
    pub(crate) fn has_constructor(&self) -> bool {
        self.constructed
    }

    /// Counts `count` objects of this cache that a mempool handed out and will never get back
    /// (their [`PoolElement`](crate::mm::mempool::PoolElement)s were forgotten): the cache then can
    /// never be destroyed, as they are still in it.
    pub(crate) fn adopt_leaked(&self, count: usize) {
        self.live.fetch_add(count, Ordering::Relaxed);
    }
}

impl Drop for KmemCache {
    fn drop(&mut self) {
        // See "Context" on the type.
        kernel::task::might_sleep();
        // Every `SlabObject` holds a handle of the cache (a borrow, or an `Arc` whose last
        // reference is being dropped), so none is alive now, and each one that was dropped has
        // counted itself out; what is left was leaked (`mem::forget`) and is still
        // in the cache. `&mut self` orders this read after every other thread's decrement.
        let leaked = self.live.load(Ordering::Acquire);
        if leaked != 0 {
            // kmem_cache_destroy would WARN ("Slab cache still has objects") and keep the cache
            // anyway: leave it, and its name reserved, since the kernel still shows it.
            pr_err!(
                "kmem_cache {}: {leaked} object(s) were leaked, so the cache is left alive\n",
                self.name()
            );
            self.name.keep();
            if let Some(fill) = &mut self.fill {
                fill.keep();
            }
            return;
        }
        // SAFETY: `self.ptr` is a live cache owned by `self` (type invariant), without objects
        // (above); it is destroyed once, here. The name and a constructor's slot are released
        // afterwards, when `name` and `fill` are dropped.
        unsafe { bindings::kmem_cache_destroy(self.ptr.as_ptr()) };
    }
}

/// An object of a [`KmemCache`], freed back to it on drop.
///
/// `C` is how the object holds its cache (see [`Handle`]): `&KmemCache` or `Arc<KmemCache>`.
///
/// # Invariants
///
/// `ptr` is an object `kmem_cache_alloc` returned from `cache`, not yet freed, owned by `self`,
/// `cache.object_size()` bytes long; if `T` is `u8` they are all initialised.
///
/// # Context
///
/// Dropping the last `SlabObject<Arc<KmemCache>>` of a cache whose other references are gone
/// destroys the cache, which sleeps (see [`KmemCache`]): drop owned objects in process context.
/// Their `drop` calls `might_sleep()` first, so `CONFIG_DEBUG_ATOMIC_SLEEP` reports a misuse
/// every time; borrowed objects never sleep in `drop`.
pub(crate) struct SlabObject<C: Handle<KmemCache>, T: Byte = u8> {
    ptr: NonNull<T>,
    cache: C,
}

// SAFETY: The object is owned exclusively; `kmem_cache_free` may run on any thread; the handle is
// `Send` (required), and `KmemCache` is `Sync`.
unsafe impl<C: Handle<KmemCache> + Send, T: Byte> Send for SlabObject<C, T> {}

// SAFETY: Shared access only reads the bytes and the handle (`Sync`, required).
unsafe impl<C: Handle<KmemCache> + Sync, T: Byte> Sync for SlabObject<C, T> {}

impl<C: Handle<KmemCache>, T: Byte> SlabObject<C, T> {
    /// The object's bytes.
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr` is valid for `object_size` bytes, owned by `self`; `T` is `u8` only when
        // they are initialised (type invariants).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.cache.object_size) }
    }

    /// The object's bytes, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: As in `as_slice`, with exclusive access through `&mut self`.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.cache.object_size) }
    }

    /// The object's address.
    pub(crate) fn addr(&self) -> usize {
        // CAST: pointer to address.
        self.ptr.as_ptr() as usize
    }

    /// The physical address of the object's first byte, by the kernel's `virt_to_phys`; the
    /// object's bytes are physically contiguous (a slab is one block of pages).
    pub(crate) fn phys_addr(&self) -> u64 {
        // SAFETY: Slab objects are in the direct map, the domain of `virt_to_phys`; nothing is
        // dereferenced.
        unsafe { generated::virt_to_phys(self.ptr.as_ptr().cast()) }
    }

    /// The cache the object belongs to.
    pub(crate) fn cache(&self) -> &KmemCache {
        &self.cache
    }
}

impl<C: Handle<KmemCache>, T: Byte> Drop for SlabObject<C, T> {
    fn drop(&mut self) {
        if C::OWNS {
            // See "Context" on the type: the last owned object destroys its cache.
            kernel::task::might_sleep();
        }
        // SAFETY: `ptr` came from `kmem_cache_alloc` on `cache`, which the handle keeps alive, and
        // is owned by `self`; it is freed once, here.
        unsafe { bindings::kmem_cache_free(self.cache.ptr.as_ptr(), self.ptr.as_ptr().cast()) };
        // INVARIANT: The object is freed: it is no longer counted live. The handle is dropped
        // after this body (a last `Arc` then destroys the cache, which finds no live object).
        self.cache.live.fetch_sub(1, Ordering::Release);
    }
}

#[kunit_tests(memlab_kmem_cache)]
mod tests {
    use super::*;
    use crate::mm::{
        fill_ctor,
        testing, //
    };
    use core::sync::atomic::AtomicU32;
    use kernel::sync::Arc;

    /// How many objects `Serial` has constructed so far.
    static CONSTRUCTED: AtomicU32 = AtomicU32::new(0);

    /// Writes a serial number (the count of objects constructed before it) into each object.
    struct Serial;

    impl Constructor for Serial {
        const SIZE: usize = 40;

        fn construct(object: &mut [u8]) {
            let serial = CONSTRUCTED.fetch_add(1, Ordering::Relaxed);
            object[..4].copy_from_slice(&serial.to_ne_bytes());
            object[4] = 0xc7;
        }
    }

    fn serial(object: &SlabObject<&KmemCache>) -> u32 {
        let bytes = object.as_slice();
        u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
    }

    #[test]
    fn the_constructor_runs_once_per_object_not_per_allocation() -> Result {
        let cache = KmemCache::with_constructor::<Serial>(c"ctor", 0, SlabFlags::NO_MERGE)?;
        assert_eq!(cache.object_size(), 40);
        assert!(cache.has_constructor());
        let mut objects = KVec::new();
        for _ in 0..20 {
            objects.push(cache.alloc(Gfp::KERNEL)?, GFP_KERNEL)?;
        }
        let constructed = CONSTRUCTED.load(Ordering::Relaxed);
        // Each object was constructed before it was handed out, each exactly once: all serials
        // differ, and every one was given out by the constructor.
        for (i, object) in objects.iter().enumerate() {
            assert_eq!(object.as_slice()[4], 0xc7);
            assert!(serial(object) < constructed);
            assert!(objects[..i]
                .iter()
                .all(|other| serial(other) != serial(object)));
        }
        // Free one object (its slab keeps others, so it stays) and allocate again: the free
        // object is reused without running the constructor.
        let mut last = objects.pop().ok_or(EINVAL)?;
        last.as_mut_slice()[39] = 0x99;
        let (addr, last_serial) = (last.addr(), serial(&last));
        drop(last);
        let again = cache.alloc(Gfp::KERNEL)?;
        assert_eq!(CONSTRUCTED.load(Ordering::Relaxed), constructed);
        if again.addr() == addr {
            assert_eq!(serial(&again), last_serial);
            assert_eq!(again.as_slice()[39], 0x99);
        }
        assert_eq!(cache.alloc(Gfp::KERNEL | Gfp::ZERO).err(), Some(EINVAL));
        assert_eq!(cache.alloc_uninit(Gfp::KERNEL).err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn alignment_is_honoured() -> Result {
        for (align, flags) in [
            (256, SlabFlags::NONE),
            (8, SlabFlags::HWCACHE_ALIGN),
            (64, SlabFlags::NO_MERGE),
        ] {
            let cache = KmemCache::new(c"aligned", 72, align, flags)?;
            let expected = if flags.contains(SlabFlags::HWCACHE_ALIGN) {
                64
            } else {
                align
            };
            for _ in 0..8 {
                let object = cache.alloc(Gfp::KERNEL)?;
                assert_eq!(object.addr() % expected, 0);
                assert!(object.as_slice().iter().all(|&b| b == 0));
            }
        }
        Ok(())
    }

    #[test]
    fn debugging_caches_work_without_reports() -> Result {
        let flags =
            SlabFlags::POISON | SlabFlags::RED_ZONE | SlabFlags::STORE_USER | SlabFlags::NO_MERGE;
        let cache = KmemCache::new(c"debug", 100, 0, flags)?;
        let mut objects = KVec::new();
        for i in 0..32u8 {
            let mut object = cache.alloc_uninit(Gfp::KERNEL)?;
            // Every byte, edge to edge: a red zone or poison error would be reported on free.
            object.as_mut_slice().fill(MaybeUninit::new(i));
            objects.push(object, GFP_KERNEL)?;
        }
        drop(objects);
        let dma = KmemCache::new(c"dma", 64, 0, SlabFlags::CACHE_DMA)?;
        let object = dma.alloc(Gfp::KERNEL)?;
        // Without ZONE_DMA (arm's `virt`), SLAB_CACHE_DMA is no flag at all.
        if let Some(dma_zone_end) = crate::shim::facts().dma_zone_end {
            assert!(object.phys_addr() < dma_zone_end);
        }
        Ok(())
    }

    #[test]
    fn the_largest_objects_fit_with_every_debug_flag() -> Result {
        let flags = SlabFlags::POISON | SlabFlags::RED_ZONE | SlabFlags::STORE_USER;
        let cache = KmemCache::new(c"largest", MAX_OBJECT_SIZE, 0, flags)?;
        assert_eq!(cache.object_size(), MAX_OBJECT_SIZE);
        Ok(())
    }

    #[test]
    fn names_are_checked() -> Result {
        let cache = KmemCache::new(c"named", 8, 0, SlabFlags::NONE)?;
        assert_eq!(cache.name().to_bytes(), b"memlab_named");
        assert_eq!(
            KmemCache::new(c"named", 8, 0, SlabFlags::NONE).err(),
            Some(EEXIST)
        );
        drop(cache);
        let _again = KmemCache::new(c"named", 8, 0, SlabFlags::NONE)?;
        for bad in [c"", c"with space"] {
            assert_eq!(
                KmemCache::new(bad, 8, 0, SlabFlags::NONE).err(),
                Some(EINVAL)
            );
        }
        assert_eq!(
            KmemCache::new(c"zero", 0, 0, SlabFlags::NONE).err(),
            Some(EINVAL)
        );
        assert_eq!(
            KmemCache::new(c"odd", 8, 24, SlabFlags::NONE).err(),
            Some(EINVAL)
        );
        assert_eq!(
            KmemCache::new(c"huge", MAX_OBJECT_SIZE + 1, 0, SlabFlags::NONE).err(),
            Some(EINVAL)
        );
        Ok(())
    }

    #[test]
    fn the_registry_opens_once() {
        // The module initialiser holds the one registry: no second one can initialise the lock.
        assert_eq!(NameRegistry::open().err(), Some(EBUSY));
    }

    #[test]
    fn refused_alignments_leave_the_name_free() -> Result {
        // Each is refused before the name is reserved (an alignment above 4 GiB once reserved
        // the name and then failed its conversion to `unsigned int`, leaving it taken). The
        // largest power of two: 2^63 on 64-bit kernels, 2^31 on 32-bit ones.
        for align in [usize::MAX / 2 + 1, 2 * MAX_ALIGN, 3 * 64] {
            assert_eq!(
                KmemCache::new(c"align", 64, align, SlabFlags::NONE).err(),
                Some(EINVAL)
            );
        }
        let cache = KmemCache::new(c"align", 64, MAX_ALIGN, SlabFlags::NONE)?;
        assert_eq!(cache.alloc(Gfp::KERNEL)?.addr() % MAX_ALIGN, 0);
        Ok(())
    }

    #[test]
    fn a_forgotten_object_keeps_its_cache_and_name_alive() -> Result {
        let cache = KmemCache::new(c"forgotten", 64, 0, SlabFlags::NO_MERGE)?;
        let raw = cache.as_raw();
        let object = cache.alloc(Gfp::KERNEL)?;
        let leaked = object.ptr.as_ptr().cast::<kernel::ffi::c_void>();
        core::mem::forget(object);
        // Destroying would WARN "Slab cache still has objects": the drop must leave the cache.
        drop(cache);
        let reused_name = KmemCache::new(c"forgotten", 64, 0, SlabFlags::NONE).err();
        // SAFETY: The cache was left alive by its drop (checked by KASAN: a destroyed cache
        // would make this a use-after-free), `leaked` is its one object, and nothing else refers
        // to either: the test frees what it leaked on purpose.
        unsafe {
            bindings::kmem_cache_free(raw, leaked);
            bindings::kmem_cache_destroy(raw);
        }
        assert_eq!(reused_name, Some(EEXIST));
        Ok(())
    }

    #[test]
    fn a_fill_constructor_fills_new_objects_once() -> Result {
        let cache = KmemCache::with_fill(c"filled", 100, 0, SlabFlags::NO_MERGE, 0xa7)?;
        let other = KmemCache::with_fill(c"filled2", 24, 0, SlabFlags::NO_MERGE, 0x11)?;
        assert_eq!(
            (cache.fill_byte(), other.fill_byte()),
            (Some(0xa7), Some(0x11))
        );
        assert_eq!(cache.alloc(Gfp::KERNEL | Gfp::ZERO).err(), Some(EINVAL));
        let mut first = cache.alloc(Gfp::KERNEL)?;
        assert!(first.as_slice().iter().all(|&b| b == 0xa7));
        assert!(other
            .alloc(Gfp::KERNEL)?
            .as_slice()
            .iter()
            .all(|&b| b == 0x11));
        // A freed object comes back as it was left: constructors run once per object.
        first.as_mut_slice().fill(0x3c);
        let addr = first.addr();
        drop(first);
        let again = cache.alloc(Gfp::KERNEL)?;
        if again.addr() == addr {
            assert!(again.as_slice().iter().all(|&b| b == 0x3c));
        }
        drop(again);
        drop((cache, other));
        // Every slot is free again: all of them can be held at once, and one more cannot.
        let mut held = KVec::new();
        for i in 0..fill_ctor::SLOTS {
            let name = CString::try_from_fmt(fmt!("slot{i}"))?;
            held.push(
                KmemCache::with_fill(&name, 8, 0, SlabFlags::NONE, 1)?,
                GFP_KERNEL,
            )?;
        }
        let full = KmemCache::with_fill(c"one_more", 8, 0, SlabFlags::NONE, 1).err();
        assert_eq!(full, Some(EBUSY));
        Ok(())
    }

    #[test]
    fn owned_objects_keep_their_cache_alive() -> Result {
        let cache = Arc::new(
            KmemCache::new(c"owned", 48, 0, SlabFlags::NO_MERGE | SlabFlags::POISON)?,
            GFP_KERNEL,
        )?;
        let mut first = KmemCache::alloc_from(cache.clone(), Gfp::KERNEL)?;
        let mut second = KmemCache::alloc_from(cache.clone(), Gfp::KERNEL)?;
        // The creator's reference goes first: the objects alone keep the cache.
        drop(cache);
        first.as_mut_slice().fill(0x11);
        second.as_mut_slice().fill(0x22);
        assert_eq!(first.cache().name().to_bytes(), b"memlab_owned");
        drop(first);
        // Still a live cache (KASAN reports a use of a destroyed one), still named.
        assert_eq!(
            KmemCache::new(c"owned", 8, 0, SlabFlags::NONE).err(),
            Some(EEXIST)
        );
        assert!(second.as_slice().iter().all(|&b| b == 0x22));
        // The last object destroys the cache and frees its name.
        drop(second);
        let again = KmemCache::new(c"owned", 8, 0, SlabFlags::NONE)?;
        assert_eq!(again.name().to_bytes(), b"memlab_owned");
        Ok(())
    }

    #[test]
    fn injected_failures_are_enomem() -> Result {
        let cache = KmemCache::new(c"failing", 128, 0, SlabFlags::NO_MERGE)?;
        let Some(result) = testing::fail_nth(1, || cache.alloc(Gfp::KERNEL | Gfp::NOWARN)) else {
            return Ok(());
        };
        assert_eq!(result.err(), Some(ENOMEM));
        assert!(cache.alloc(Gfp::KERNEL).is_ok());
        Ok(())
    }
}
