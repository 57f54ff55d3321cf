//! A group's timing wheel of pending completions.

use super::{BinaryHeap, NONE, Reverse};

pub(crate) const SLOTS: u64 = 4096;

pub(crate) const MASK: u64 = SLOTS - 1;

/// The group's pending completions, (time, request slot), popped in time order: a timing wheel
/// of 4,096 slots of 2^`shift` ns, each an unsorted vector, with a bitmap of the non-empty
/// ones, and a heap for completions beyond the wheel's reach. Times pushed are never before the
/// last time popped (a request ends after it starts), and slots are chosen to hold a few
/// completions each, so a push is a vector push and a pop a scan of a few entries.
pub(crate) struct Wheel {
    shift: u32,
    /// The current slot (absolute: time >> shift).
    cur: u64,
    slots: Vec<Vec<(u64, u32)>>,
    bits: [u64; (SLOTS / 64) as usize],
    /// Completions at least `SLOTS` slots ahead of `cur`.
    far: BinaryHeap<Reverse<(u64, u32)>>,
    len: usize,
    /// The earliest time, `u64::MAX` if empty.
    head: u64,
}

impl Wheel {
    /// A wheel of slots 2^`shift` ns wide.
    pub(crate) fn new(shift: u32) -> Wheel {
        Wheel {
            shift,
            cur: 0,
            slots: (0..SLOTS).map(|_| Vec::new()).collect(),
            bits: [0; (SLOTS / 64) as usize],
            far: BinaryHeap::new(),
            len: 0,
            head: NONE,
        }
    }

    /// The slot width for completions `gap` ns apart on average, `service` ns long on average:
    /// a few per slot, and a reach of several service times.
    pub(crate) fn shift_for(gap: f64, service: f64) -> u32 {
        let width = (2.0 * gap)
            .max(8.0 * service / SLOTS as f64)
            .clamp(1.0, 1e12);
        (width.log2().floor() as u32).min(40)
    }

    #[inline]
    pub(crate) fn push(&mut self, t: u64, v: u32) {
        let slot = t >> self.shift;
        debug_assert!(slot >= self.cur);
        if slot - self.cur < SLOTS {
            let i = (slot & MASK) as usize;
            self.slots[i].push((t, v));
            self.bits[i / 64] |= 1 << (i % 64);
        } else {
            self.far.push(Reverse((t, v)));
        }
        self.len += 1;
        if t < self.head {
            self.head = t;
        }
    }

    /// The earliest time, `u64::MAX` if empty.
    #[inline]
    pub(crate) fn min(&self) -> u64 {
        self.head
    }

    /// The first non-empty slot at or after `cur` within the wheel.
    #[inline]
    pub(crate) fn next_slot(&self) -> Option<u64> {
        let start = (self.cur & MASK) as usize;
        let words = self.bits.len();
        let (w0, b0) = (start / 64, start % 64);
        let first = self.bits[w0] & (!0u64 << b0);
        if first != 0 {
            let i = (w0 * 64 + first.trailing_zeros() as usize) as u64;
            return Some(self.cur + (i - start as u64));
        }
        for k in 1..=words {
            let w = (w0 + k) % words;
            let mut word = self.bits[w];
            if k == words {
                word &= (1u64 << b0).wrapping_sub(1);
            }
            if word != 0 {
                let i = (w * 64 + word.trailing_zeros() as usize) as u64;
                return Some(self.cur + ((i + SLOTS - start as u64) & MASK));
            }
        }
        None
    }

    /// Moves the wheel to `slot` and brings in the far completions now within reach.
    pub(crate) fn move_to(&mut self, slot: u64) {
        self.cur = slot;
        while let Some(&Reverse((t, v))) = self.far.peek() {
            let s = t >> self.shift;
            if s - self.cur >= SLOTS {
                break;
            }
            self.far.pop();
            let i = (s & MASK) as usize;
            self.slots[i].push((t, v));
            self.bits[i / 64] |= 1 << (i % 64);
        }
    }

    /// The earliest slot's index in `slots`, moving the wheel to it.
    #[inline]
    pub(crate) fn front(&mut self) -> Option<usize> {
        match self.next_slot() {
            Some(s) => {
                if s != self.cur {
                    self.move_to(s);
                }
                Some((s & MASK) as usize)
            }
            None => {
                let &Reverse((t, _)) = self.far.peek()?;
                self.move_to(t >> self.shift);
                Some((self.cur & MASK) as usize)
            }
        }
    }

    /// Removes an earliest completion.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<(u64, u32)> {
        let i = self.front()?;
        let v = &mut self.slots[i];
        let mut k = 0;
        for j in 1..v.len() {
            if v[j] < v[k] {
                k = j;
            }
        }
        let e = v.swap_remove(k);
        if v.is_empty() {
            self.bits[i / 64] &= !(1 << (i % 64));
        }
        self.len -= 1;
        // The new earliest, without moving the wheel: a completion pushed later may still fall
        // between the one just popped and the next slot in use.
        self.head = match self.next_slot() {
            Some(s) => self.slots[(s & MASK) as usize]
                .iter()
                .map(|e| e.0)
                .min()
                .unwrap_or(NONE),
            None => self.far.peek().map(|r| r.0.0).unwrap_or(NONE),
        };
        Some(e)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::Wheel;
    use crate::rng::SimRng;

    #[test]
    fn the_wheel_pops_in_time_order() {
        // Slots of 1,024 ns: most keys within reach, some far beyond it.
        let mut h = Wheel::new(10);
        let mut rng = SimRng::new(3, 9);
        let mut now = 0u64;
        let mut popped = Vec::new();
        let mut reference = std::collections::BinaryHeap::new();
        for step in 0..20_000u32 {
            if rng.uniform() < 0.55 {
                let k = now + (rng.uniform().powi(4) * 2e7) as u64;
                h.push(k, step);
                reference.push(std::cmp::Reverse(k));
            } else if let Some((k, _)) = h.pop() {
                assert_eq!(Some(std::cmp::Reverse(k)), reference.pop());
                assert!(k >= now);
                now = k;
                popped.push(k);
            }
            assert_eq!(h.len(), reference.len());
            assert_eq!(h.min(), reference.peek().map(|r| r.0).unwrap_or(u64::MAX));
        }
        assert!(popped.windows(2).all(|w| w[0] <= w[1]));
        assert!(popped.len() > 5_000);
    }
}
