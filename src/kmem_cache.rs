// SPDX-License-Identifier: GPL-2.0

//! Slab caches: `kmem_cache_create` / `kmem_cache_alloc` / `kmem_cache_free` /
//! `kmem_cache_destroy` (see [`include/linux/slab.h`](srctree/include/linux/slab.h)).
//!
//! A [`KmemCache`] owns its cache and destroys it on drop. Each [`SlabObject`] borrows the cache
//! it came from, so an object cannot outlive its cache and a cache with live objects cannot be
//! destroyed: the borrow checker refuses the `drop`, where C would print "Slab cache still has
//! objects" and leak them.
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
//! [`MAX_OBJECT_SIZE`]; an alignment that is not a power of two; `__GFP_ZERO` with a
//! constructor. The `kernel` crate has no peer.

use core::{
    mem::MaybeUninit,
    ops::BitOr,
    ptr::NonNull, //
};

use kernel::{
    bindings,
    prelude::*,
    str::CString, //
};

use crate::{
    byte::Byte,
    gfp::Gfp,
    kmalloc, //
};

/// The largest object memlab's caches hold: half of `KMALLOC_MAX_SIZE` (2 MiB), so that an
/// object plus its debugging metadata (red zones, owner tracking) still fits the largest slab.
/// A larger cache could fail to be created, and the kernel reports that with a stack dump.
pub(crate) const MAX_OBJECT_SIZE: usize = kmalloc::MAX_SIZE / 2;

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
    // SAFETY: `init_names` is called by the module initialiser, before any cache is created.
    unsafe(uninit) static NAMES: Mutex<KVec<CString>> = KVec::new();
}

/// Prepares the registry of memlab's cache names; called once, from the module initialiser.
pub(crate) fn init_names() {
    // SAFETY: Called exactly once, before any other use of `NAMES`.
    unsafe { NAMES.init() };
}

/// Frees the registry's storage; called once, when the module unloads (a `static` is never
/// dropped, so its heap buffer would leak). No cache exists any more by then: each one is owned
/// by a value the module has dropped.
pub(crate) fn free_names() {
    let names = core::mem::replace(&mut *NAMES.lock(), KVec::new());
    drop(names);
}

/// The name `memlab_<name>`, reserved in the registry until [`release_name`].
fn reserve_name(name: &CStr) -> Result<CString> {
    let bytes = name.to_bytes();
    if bytes.is_empty() || bytes.iter().any(|b| b.is_ascii_whitespace()) {
        return Err(EINVAL);
    }
    let text = name.to_str().map_err(|_| EINVAL)?;
    let full = CString::try_from_fmt(fmt!("memlab_{text}"))?;
    let mut names = NAMES.lock();
    if names.iter().any(|used| used.to_bytes() == full.to_bytes()) {
        return Err(EEXIST);
    }
    let copy = CString::try_from(&*full)?;
    names.push(copy, GFP_KERNEL)?;
    Ok(full)
}

fn release_name(name: &CStr) {
    let mut names = NAMES.lock();
    if let Some(index) = names
        .iter()
        .position(|used| used.to_bytes() == name.to_bytes())
    {
        // `index` is in bounds, so the removal cannot fail; the name is dropped with it.
        let _removed = names.remove(index);
    }
}

/// A slab cache, destroyed on drop.
///
/// # Invariants
///
/// - `ptr` is a cache `kmem_cache_create` returned for objects of `object_size` bytes, not yet
///   destroyed, owned by `self`; `1 <= object_size <= MAX_OBJECT_SIZE`.
/// - `constructed` says whether it has a constructor, which initialises every byte of every
///   object.
/// - `name` is reserved in `NAMES` for as long as the cache exists.
pub(crate) struct KmemCache {
    ptr: NonNull<bindings::kmem_cache>,
    object_size: usize,
    constructed: bool,
    name: CString,
}

// SAFETY: A cache may be used and destroyed from any thread; the kernel locks internally.
unsafe impl Send for KmemCache {}

// SAFETY: `kmem_cache_alloc`/`kmem_cache_free` may be called concurrently on one cache.
unsafe impl Sync for KmemCache {}

impl KmemCache {
    /// `kmem_cache_create("memlab_<name>", size, align, flags, NULL)`. Sleeps.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty name, a name with whitespace, a size of 0 or above
    /// [`MAX_OBJECT_SIZE`], or an alignment that is not a power of two (0 means "none");
    /// `EEXIST` if a memlab cache of that name exists; `ENOMEM` if the kernel cannot create it.
    pub(crate) fn new(name: &CStr, size: usize, align: usize, flags: SlabFlags) -> Result<Self> {
        Self::create(name, size, align, flags, None)
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
        Self::create(name, C::SIZE, align, flags, Some(construct_object::<C>))
    }

    fn create(
        name: &CStr,
        size: usize,
        align: usize,
        flags: SlabFlags,
        ctor: Option<unsafe extern "C" fn(*mut kernel::ffi::c_void)>,
    ) -> Result<Self> {
        if size == 0 || size > MAX_OBJECT_SIZE || (align != 0 && !align.is_power_of_two()) {
            return Err(EINVAL);
        }
        kernel::task::might_sleep();
        let name = reserve_name(name)?;
        let mut args = bindings::kmem_cache_args {
            align: u32::try_from(align)?,
            ctor,
            ..Default::default()
        };
        // CAST: `size <= MAX_OBJECT_SIZE` (2 MiB, checked above) fits `unsigned int`.
        let size_c = size as u32;
        // SAFETY: `name` is a NUL-terminated string without spaces (the kernel copies it);
        // `size` and `align` were checked above; `args` is a valid `struct kmem_cache_args` whose
        // `ctor`, if any, is `construct_object::<C>` for a `C` with `C::SIZE == size`; `flags`
        // holds only `SLAB_*` values; we may sleep.
        let ptr = unsafe {
            bindings::__kmem_cache_create_args(name.as_char_ptr(), size_c, &mut args, flags.0)
        };
        let Some(ptr) = NonNull::new(ptr) else {
            release_name(&name);
            return Err(ENOMEM);
        };
        // INVARIANT: A new cache for `size`-byte objects (checked), with a constructor exactly
        // when `ctor` is set; `name` stays reserved until `drop`.
        Ok(Self {
            ptr,
            object_size: size,
            constructed: ctor.is_some(),
            name,
        })
    }

    /// The size of each object in bytes.
    pub(crate) fn object_size(&self) -> usize {
        self.object_size
    }

    /// The cache's name, as the kernel shows it (`memlab_<name>`).
    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }

    fn alloc_raw<T: Byte>(&self, gfp: Gfp) -> Result<SlabObject<'_, T>> {
        gfp.check_slab_allocation()?;
        // SAFETY: `self.ptr` is a live cache (type invariant); the callers keep `__GFP_ZERO`
        // away from caches with a constructor.
        let ptr = unsafe { bindings::kmem_cache_alloc_noprof(self.ptr.as_ptr(), gfp.as_raw()) };
        let ptr = NonNull::new(ptr.cast::<T>()).ok_or(ENOMEM)?;
        // INVARIANT: A fresh object of this cache, `object_size` bytes; the callers choose `T`
        // as `u8` only when a constructor or `__GFP_ZERO` defined its bytes.
        Ok(SlabObject { ptr, cache: self })
    }

    /// `kmem_cache_alloc(cache, gfp)`: a constructed object, or a zeroed one (`__GFP_ZERO`) if the
    /// cache has no constructor.
    ///
    /// # Errors
    ///
    /// `EINVAL` for `__GFP_ZERO` in `gfp` on a cache with a constructor (it would destroy the
    /// constructed state) and for flags [`Gfp::check_slab_allocation`] refuses; `ENOMEM` when
    /// the allocation fails.
    pub(crate) fn alloc(&self, gfp: Gfp) -> Result<SlabObject<'_>> {
        if self.constructed {
            if gfp.contains(Gfp::ZERO) {
                return Err(EINVAL);
            }
            self.alloc_raw(gfp)
        } else {
            self.alloc_raw(gfp | Gfp::ZERO)
        }
    }

    /// `kmem_cache_alloc(cache, gfp)` on a cache without a constructor: contents undefined
    /// until written.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the cache has a constructor (use [`KmemCache::alloc`]) or for flags
    /// [`Gfp::check_slab_allocation`] refuses; `ENOMEM` when the allocation fails.
    pub(crate) fn alloc_uninit(&self, gfp: Gfp) -> Result<SlabObject<'_, MaybeUninit<u8>>> {
        if self.constructed {
            return Err(EINVAL);
        }
        self.alloc_raw(gfp)
    }

    /// The C cache, for the mempool family's slab-backed pools.
    pub(crate) fn as_raw(&self) -> *mut bindings::kmem_cache {
        self.ptr.as_ptr()
    }

    /// Whether the cache has a constructor.
    pub(crate) fn has_constructor(&self) -> bool {
        self.constructed
    }
}

impl Drop for KmemCache {
    fn drop(&mut self) {
        // No object is alive: each one borrows the cache, and the cache is being dropped.
        // SAFETY: `self.ptr` is a live cache owned by `self` (type invariant), without objects
        // (above); it is destroyed once, here. (It sleeps: the kernel reports a drop in atomic
        // context through its own might_sleep.)
        unsafe { bindings::kmem_cache_destroy(self.ptr.as_ptr()) };
        release_name(&self.name);
    }
}

/// An object of a [`KmemCache`], freed back to it on drop.
///
/// # Invariants
///
/// `ptr` is an object `kmem_cache_alloc` returned from `cache`, not yet freed, owned by `self`,
/// `cache.object_size()` bytes long; if `T` is `u8` they are all initialised.
pub(crate) struct SlabObject<'c, T: Byte = u8> {
    ptr: NonNull<T>,
    cache: &'c KmemCache,
}

// SAFETY: The object is owned exclusively; `kmem_cache_free` may run on any thread; `KmemCache`
// is `Sync`, so sharing `&KmemCache` with another thread is sound.
unsafe impl<T: Byte> Send for SlabObject<'_, T> {}

// SAFETY: Shared access only reads.
unsafe impl<T: Byte> Sync for SlabObject<'_, T> {}

impl<T: Byte> SlabObject<'_, T> {
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
}

impl<T: Byte> Drop for SlabObject<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `kmem_cache_alloc` on `cache`, which is alive (borrowed), and is
        // owned by `self`; it is freed once, here.
        unsafe { bindings::kmem_cache_free(self.cache.ptr.as_ptr(), self.ptr.as_ptr().cast()) };
    }
}

#[kunit_tests(memlab_kmem_cache)]
mod tests {
    use super::*;
    use crate::testing;
    use core::sync::atomic::{
        AtomicU32,
        Ordering, //
    };

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

    fn serial(object: &SlabObject<'_>) -> u32 {
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
        // SAFETY: `virt_to_phys` of a slab object (direct map) only computes an address.
        let phys = unsafe { crate::shim::generated::virt_to_phys(object.addr() as *mut _) };
        assert!(phys < 16 << 20);
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
