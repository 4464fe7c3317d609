// SPDX-License-Identifier: GPL-2.0

//! The lab's object table: named values, a count limit and a byte budget.
//!
//! Pure logic, tested on the host. The table never allocates: its slots are given to it (the
//! kernel side pre-allocates them at load), so inserting cannot fail half-way, and every check
//! comes before any change: a refused insert changes nothing.

use core::ops::DerefMut;

use super::{
    reply::{
        refuse,
        Outcome,
        Refusal, //
    },
    words::NAME_MAX,
};
use crate::wide::Decimal;

/// An object's name, stored inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl Name {
    /// Copies `name`, which [`super::words::name`] accepted (so it fits).
    pub(crate) fn new(name: &str) -> Self {
        let mut bytes = [0; NAME_MAX];
        let len = name.len().min(NAME_MAX);
        bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
        Self { bytes, len }
    }

    /// The name.
    pub(crate) fn as_str(&self) -> &str {
        // Copied from a `&str` cut at `NAME_MAX`, which `words::name` keeps ASCII.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }
}

/// One live object.
pub(crate) struct Entry<T> {
    /// Unique for the life of the table, never reused (files refer to objects by id).
    pub(crate) id: u64,
    /// The user's name for it.
    pub(crate) name: Name,
    /// The bytes it counts against the budget.
    pub(crate) bytes: u64,
    /// The object.
    pub(crate) value: T,
}

/// Named objects in a fixed set of slots, with a byte budget.
///
/// # Invariants
///
/// - No two entries share a name or an id; `live_bytes` is the sum of their `bytes`, at most
///   `budget`.
pub(crate) struct Table<S> {
    slots: S,
    next_id: u64,
    live_bytes: u64,
    budget: u64,
}

impl<T: 'static, S: DerefMut<Target = [Option<Entry<T>>]>> Table<S> {
    /// A table with `slots` (all empty) and at most `budget` live bytes.
    pub(crate) fn new(mut slots: S, budget: u64) -> Self {
        slots.iter_mut().for_each(|slot| *slot = None);
        // INVARIANT: No entries.
        Self {
            slots,
            next_id: 1,
            live_bytes: 0,
            budget,
        }
    }

    /// How many objects fit.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// How many objects live.
    pub(crate) fn len(&self) -> usize {
        self.entries().count()
    }

    /// The bytes of all live objects.
    pub(crate) fn live_bytes(&self) -> u64 {
        self.live_bytes
    }

    /// The byte budget.
    pub(crate) fn budget(&self) -> u64 {
        self.budget
    }

    /// The live entries, in slot order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry<T>> + '_ {
        self.slots.iter().flatten()
    }

    /// The id the next inserted object gets.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Whether a new object `name` of `bytes` bytes would be accepted.
    ///
    /// # Errors
    ///
    /// `EEXIST` for a name in use; `E2BIG` when the table is full or `bytes` would take the live
    /// total past the budget.
    pub(crate) fn admit(&self, name: &str, bytes: u64) -> Outcome {
        if self.get(name).is_ok() {
            return Err(refuse!(Exist, "'{name}' exists"));
        }
        if self.len() == self.capacity() {
            return Err(refuse!(
                TooBig,
                "the lab holds at most {} objects; free some",
                self.capacity()
            ));
        }
        self.within_budget(name, 0, bytes)
    }

    /// Checks that replacing `old` live bytes by `new` keeps the total within the budget.
    pub(crate) fn within_budget(&self, name: &str, old: u64, new: u64) -> Outcome {
        let total = (self.live_bytes - old).checked_add(new);
        match total {
            Some(total) if total <= self.budget => Ok(()),
            _ => Err(refuse!(
                TooBig,
                "'{name}': {} bytes would take the lab past max_bytes={} ({} live)",
                Decimal(new),
                Decimal(self.budget),
                Decimal(self.live_bytes)
            )),
        }
    }

    /// Inserts an object that [`Self::admit`] accepted; returns its id.
    ///
    /// # Errors
    ///
    /// As [`Self::admit`] (checked again); then `value` comes back with the refusal, untouched.
    pub(crate) fn insert(&mut self, name: &str, bytes: u64, value: T) -> Result<u64, (Refusal, T)> {
        if let Err(refusal) = self.admit(name, bytes) {
            return Err((refusal, value));
        }
        let id = self.next_id;
        let Some(slot) = self.slots.iter_mut().find(|slot| slot.is_none()) else {
            // `admit` found a free slot.
            return Err((refuse!(TooBig, "the lab is full"), value));
        };
        // INVARIANT: `admit` checked the name and the budget; ids only grow.
        *slot = Some(Entry {
            id,
            name: Name::new(name),
            bytes,
            value,
        });
        self.next_id += 1;
        self.live_bytes += bytes;
        Ok(id)
    }

    fn missing(name: &str) -> Refusal {
        refuse!(NoEnt, "no object named '{name}'")
    }

    /// The object `name`.
    ///
    /// # Errors
    ///
    /// `ENOENT` when there is none.
    pub(crate) fn get(&self, name: &str) -> Outcome<&Entry<T>> {
        self.entries()
            .find(|entry| entry.name.as_str() == name)
            .ok_or_else(|| Self::missing(name))
    }

    fn entry_mut(&mut self, name: &str) -> Outcome<&mut Entry<T>> {
        self.slots
            .iter_mut()
            .flatten()
            .find(|entry| entry.name.as_str() == name)
            .ok_or_else(|| Self::missing(name))
    }

    /// The object `name`, to change its value (not its name or bytes: see [`Self::set_bytes`]).
    ///
    /// # Errors
    ///
    /// `ENOENT` when there is none.
    pub(crate) fn get_mut(&mut self, name: &str) -> Outcome<&mut T> {
        self.entry_mut(name).map(|entry| &mut entry.value)
    }

    /// The object with `id`, if it still lives.
    pub(crate) fn by_id(&self, id: u64) -> Option<&Entry<T>> {
        self.entries().find(|entry| entry.id == id)
    }

    /// The object with `id`, if it still lives.
    pub(crate) fn by_id_mut(&mut self, id: u64) -> Option<&mut Entry<T>> {
        self.slots.iter_mut().flatten().find(|entry| entry.id == id)
    }

    /// Sets the bytes `name` counts (after a resize), within the budget.
    ///
    /// # Errors
    ///
    /// `ENOENT` when there is no such object; `E2BIG` past the budget.
    pub(crate) fn set_bytes(&mut self, name: &str, bytes: u64) -> Outcome {
        let old = self.get(name)?.bytes;
        self.within_budget(name, old, bytes)?;
        // INVARIANT: the new total was checked just above.
        self.live_bytes = self.live_bytes - old + bytes;
        self.entry_mut(name)?.bytes = bytes;
        Ok(())
    }

    /// Takes the object `name` out of the table.
    ///
    /// # Errors
    ///
    /// `ENOENT` when there is none.
    pub(crate) fn remove(&mut self, name: &str) -> Outcome<Entry<T>> {
        let entry = self
            .slots
            .iter_mut()
            .find_map(|slot| slot.take_if(|entry| entry.name.as_str() == name))
            .ok_or_else(|| Self::missing(name))?;
        // INVARIANT: the entry's bytes leave the total with it.
        self.live_bytes -= entry.bytes;
        Ok(entry)
    }

    /// Takes the newest object out (the one created last), or `None` when empty: taking all
    /// objects this way frees them in the reverse order of their creation.
    pub(crate) fn pop_newest(&mut self) -> Option<Entry<T>> {
        let index = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| slot.as_ref().map(|entry| (index, entry.id)))
            .max_by_key(|(_, id)| *id)?
            .0;
        let entry = self.slots[index].take()?;
        // INVARIANT: as in `remove`.
        self.live_bytes -= entry.bytes;
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::reply::Errno;

    fn table(capacity: usize, budget: u64) -> Table<Vec<Option<Entry<u32>>>> {
        Table::new((0..capacity).map(|_| None).collect(), budget)
    }

    #[test]
    fn names_are_unique_and_refusals_change_nothing() {
        let mut t = table(4, 100);
        assert_eq!(t.insert("a", 10, 1).ok(), Some(1));
        let (refusal, value) = t.insert("a", 10, 2).unwrap_err();
        assert_eq!((refusal.errno(), value), (Errno::Exist, 2));
        assert_eq!((t.len(), t.live_bytes()), (1, 10));
        assert_eq!(t.get("b").err().map(|r| r.errno()), Some(Errno::NoEnt));
        assert_eq!(t.remove("a").map(|e| e.value).ok(), Some(1));
        assert_eq!((t.len(), t.live_bytes()), (0, 0));
        // Ids are never reused.
        assert_eq!(t.insert("a", 10, 3).ok(), Some(2));
    }

    #[test]
    fn count_and_budget_are_limits() {
        let mut t = table(2, 100);
        assert!(t.insert("a", 60, 1).is_ok());
        assert_eq!(t.admit("b", 41).unwrap_err().errno(), Errno::TooBig);
        assert_eq!(t.admit("b", u64::MAX).unwrap_err().errno(), Errno::TooBig);
        assert!(t.insert("b", 40, 2).is_ok());
        assert_eq!(t.admit("c", 0).unwrap_err().errno(), Errno::TooBig);
        assert_eq!(t.set_bytes("a", 61).unwrap_err().errno(), Errno::TooBig);
        assert_eq!(t.live_bytes(), 100);
        assert!(t.set_bytes("a", 10).is_ok());
        assert_eq!(t.live_bytes(), 50);
    }

    #[test]
    fn newest_goes_first() {
        let mut t = table(4, 100);
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            t.insert(name, 1, i as u32).ok();
        }
        t.remove("b").ok();
        t.insert("d", 1, 9).ok();
        let order: Vec<u32> = core::iter::from_fn(|| t.pop_newest().map(|e| e.value)).collect();
        assert_eq!(order, [9, 2, 0]);
        assert_eq!(t.live_bytes(), 0);
    }
}
