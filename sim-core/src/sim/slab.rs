//! A slab: values kept in numbered slots until taken, freed slots reused (last freed first), so
//! that an event can name its value by a small index.

/// Values in numbered slots, and the free slots.
#[derive(Clone, Debug)]
pub(crate) struct Slab<T> {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Keeps `value`; returns its slot.
    pub(crate) fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(value);
                s
            }
            None => {
                self.slots.push(Some(value));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Takes the value of `slot`, if it holds one; the slot is free again.
    pub(crate) fn take(&mut self, slot: u32) -> Option<T> {
        let v = self.slots[slot as usize].take();
        if v.is_some() {
            self.free.push(slot);
        }
        v
    }

    /// The value of `slot`, if it holds one.
    pub(crate) fn get(&self, slot: u32) -> Option<&T> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// The number of values kept now.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// The values kept now.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }
}
