//! The event queue: events ordered by time, first-scheduled-first among equal times.
//!
//! A timing wheel (a calendar queue with a fixed bucket width) in front of a binary heap. Time is
//! cut into slots of 2^k ns; the wheel holds the next 4,096 slots, each an unsorted vector of
//! events, with a bitmap of the non-empty ones. Scheduling an event is an O(1) push into its
//! slot (or into the overflow heap if it lies beyond the wheel). Popping takes from the current
//! slot, which is sorted once when the wheel reaches it; an empty current slot moves the wheel
//! to the next non-empty slot found in the bitmap, and events from the overflow heap move into
//! the wheel as it comes within reach. In a simulation most events (completions, next arrivals)
//! fall a few slots ahead, so each costs a push and a pop with no sifting; the slot width is
//! chosen from the expected event rate and horizon ([`EventQueue::for_rates`]).
//!
//! Every event carries a sequence number, so that among equal times the event scheduled first
//! pops first: a run is a pure function of the scenario and the seed, whatever the slot width.
//!
//! Events are small `Copy` values naming entities by index; the queue never boxes them, and its
//! vectors keep their capacity, so a warmed-up queue does not allocate. Scheduling an event
//! before the current time is a logic error: it is counted in [`EventQueue::late_events`] and
//! clamped to the current time (tests assert the count stays zero).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

const SLOTS: u64 = 4096;
const MASK: u64 = SLOTS - 1;
const WORDS: usize = (SLOTS / 64) as usize;

#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn key(&self) -> (u64, u64) {
        (self.time, self.seq)
    }
}

/// Overflow-heap entry: reversed order, so the max-heap pops the earliest.
struct Far<E>(Entry<E>);
impl<E> PartialEq for Far<E> {
    fn eq(&self, o: &Self) -> bool {
        self.0.key() == o.0.key()
    }
}
impl<E> Eq for Far<E> {}
impl<E> PartialOrd for Far<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Far<E> {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.key().cmp(&self.0.key())
    }
}

/// A priority queue of timed events with FIFO tie-breaking.
pub struct EventQueue<E> {
    shift: u32,
    slots: Box<[Vec<Entry<E>>; SLOTS as usize]>,
    bits: [u64; WORDS],
    /// Absolute index of the current slot.
    cur: u64,
    /// Whether the current slot is sorted (descending, so the earliest pops from the back).
    sorted: bool,
    far: BinaryHeap<Far<E>>,
    seq: u64,
    now: u64,
    len: usize,
    popped: u64,
    late: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// A queue with slots of about a millisecond.
    pub fn new() -> Self {
        Self::with_slot_width(1 << 20)
    }

    /// A queue sized for events `gap_ns` apart on average that are mostly scheduled less than
    /// `horizon_ns` ahead: slots about one gap wide, widened so the wheel reaches the horizon.
    pub fn for_rates(gap_ns: u64, horizon_ns: u64) -> Self {
        Self::with_slot_width(gap_ns.max(horizon_ns / (SLOTS / 2)))
    }

    /// A queue whose slots are `width_ns` wide (rounded down to a power of two, 1 µs to 1,100 s).
    /// About one event per slot is the sweet spot; any width gives the same order.
    pub fn with_slot_width(width_ns: u64) -> Self {
        let shift = (64 - width_ns.max(1).leading_zeros() - 1).clamp(10, 40);
        EventQueue {
            shift,
            slots: Box::new(std::array::from_fn(|_| Vec::new())),
            bits: [0; WORDS],
            cur: 0,
            sorted: false,
            far: BinaryHeap::new(),
            seq: 0,
            now: 0,
            len: 0,
            popped: 0,
            late: 0,
        }
    }

    /// The time of the last popped event.
    #[inline]
    pub fn now(&self) -> u64 {
        self.now
    }

    #[inline]
    fn mark(&mut self, slot: u64) {
        let i = (slot & MASK) as usize;
        self.bits[i / 64] |= 1 << (i % 64);
    }

    /// Schedules `event` at absolute time `time` (nanoseconds).
    #[inline(always)]
    pub fn schedule(&mut self, time: u64, event: E) {
        let time = if time < self.now {
            self.late += 1;
            self.now
        } else {
            time
        };
        self.seq += 1;
        self.len += 1;
        let e = Entry {
            time,
            seq: self.seq,
            event,
        };
        let slot = time >> self.shift;
        // The common case: a later slot within the wheel's reach.
        if slot.wrapping_sub(self.cur).wrapping_sub(1) < SLOTS - 1 {
            let i = (slot & MASK) as usize;
            self.slots[i].push(e);
            self.bits[i / 64] |= 1 << (i % 64);
        } else {
            self.schedule_other(slot, e);
        }
    }

    /// Schedules into the current slot (kept sorted once the wheel has reached it) or into the
    /// overflow heap.
    #[cold]
    fn schedule_other(&mut self, slot: u64, e: Entry<E>) {
        if slot != self.cur {
            self.far.push(Far(e));
            return;
        }
        let v = &mut self.slots[(slot & MASK) as usize];
        if self.sorted {
            // Latest sequence number: after every equal time, i.e. before them in this
            // descending order.
            let pos = v.partition_point(|x| x.time > e.time);
            v.insert(pos, e);
        } else {
            v.push(e);
        }
        self.mark(slot);
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        let i = (self.cur & MASK) as usize;
        if self.sorted
            && let Some(e) = self.slots[i].pop()
        {
            if self.slots[i].is_empty() {
                self.bits[i / 64] &= !(1 << (i % 64));
            }
            return Some(self.popped(e));
        }
        self.pop_next()
    }

    #[inline(always)]
    fn popped(&mut self, e: Entry<E>) -> (u64, E) {
        self.now = e.time;
        self.len -= 1;
        self.popped += 1;
        (e.time, e.event)
    }

    /// Pop when the current slot is unsorted or empty: move the wheel on if it is empty, then
    /// sort the (new) current slot and take its earliest event.
    #[inline(always)]
    fn pop_next(&mut self) -> Option<(u64, E)> {
        if self.len == 0 {
            return None;
        }
        if self.slots[(self.cur & MASK) as usize].is_empty() {
            self.advance();
        }
        let i = (self.cur & MASK) as usize;
        let v = &mut self.slots[i];
        if !self.sorted {
            match v.len() {
                0 | 1 => {}
                2 => {
                    if v[0].key() < v[1].key() {
                        v.swap(0, 1);
                    }
                }
                _ => v.sort_unstable_by_key(|e| std::cmp::Reverse(e.key())),
            }
            self.sorted = true;
        }
        let e = v.pop().expect("the current slot holds the next event");
        if v.is_empty() {
            self.bits[i / 64] &= !(1 << (i % 64));
        }
        Some(self.popped(e))
    }

    /// The current slot is empty: move to the next non-empty slot of the wheel, or to the
    /// earliest overflow event, and bring overflow events within the wheel's new reach.
    #[inline(always)]
    fn advance(&mut self) {
        self.cur = match self.next_marked() {
            Some(slot) => slot,
            None => self.far.peek().expect("events remain").0.time >> self.shift,
        };
        self.sorted = false;
        while let Some(Far(e)) = self.far.peek() {
            let slot = e.time >> self.shift;
            if slot >= self.cur + SLOTS {
                break;
            }
            let e = self.far.pop().expect("peeked").0;
            self.slots[(slot & MASK) as usize].push(e);
            self.mark(slot);
        }
    }

    /// The absolute index of the first non-empty slot after the current one, if any.
    #[inline(always)]
    fn next_marked(&self) -> Option<u64> {
        let start = self.cur + 1;
        let i = (start & MASK) as usize;
        // Most often the next event is a few slots on, in the same bitmap word.
        let word = self.bits[i / 64] & (!0u64 << (i % 64));
        if word != 0 {
            let pos = (i & !63) + word.trailing_zeros() as usize;
            return Some(start + (pos - i) as u64);
        }
        for k in 1..=WORDS {
            let w = (i / 64 + k) % WORDS;
            let word = self.bits[w];
            if word != 0 {
                let pos = (w * 64 + word.trailing_zeros() as usize) as u64;
                return Some(start + (pos.wrapping_sub(i as u64) & MASK));
            }
        }
        None
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        let cur = &self.slots[(self.cur & MASK) as usize];
        let slot = if !cur.is_empty() {
            Some(cur)
        } else {
            self.next_marked().map(|s| &self.slots[(s & MASK) as usize])
        };
        match slot {
            Some(v) => v.iter().map(|e| e.time).min(),
            None => self.far.peek().map(|f| f.0.time),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Events popped so far.
    pub fn popped_count(&self) -> u64 {
        self.popped
    }
    /// Events that were scheduled in the past (always zero in a correct model).
    pub fn late_events(&self) -> u64 {
        self.late
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    #[test]
    fn pops_in_time_then_fifo_order() {
        let mut q = EventQueue::new();
        q.schedule(10, 'a');
        q.schedule(5, 'b');
        q.schedule(10, 'c');
        q.schedule(5, 'd');
        q.schedule(0, 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['e', 'b', 'd', 'a', 'c']);
        assert_eq!(q.late_events(), 0);
    }

    /// The queue against a reference (a sorted list by (time, scheduling order)) on random
    /// interleavings of pushes and pops, with many equal times.
    #[test]
    fn matches_a_reference_order() {
        let mut rng = SimRng::new(7, 7);
        for round in 0..60u64 {
            let width = [1u64 << 4, 1 << 20, 1 << 34][(round / 3) as usize % 3];
            let mut q = EventQueue::with_slot_width(width);
            let mut reference: Vec<(u64, u64)> = Vec::new(); // (time, id), kept sorted stably
            let mut id = 0u64;
            let spread = [3u64, 1000, 1 << 40][round as usize % 3];
            for _ in 0..2000 {
                if rng.below(3) > 0 || reference.is_empty() {
                    let t = q.now() + rng.next_u64() % spread;
                    q.schedule(t, id);
                    let pos = reference.partition_point(|&(rt, _)| rt <= t);
                    reference.insert(pos, (t, id));
                    id += 1;
                } else {
                    let want = reference.remove(0);
                    assert_eq!(q.peek_time(), Some(want.0));
                    assert_eq!(q.pop(), Some(want));
                }
            }
            while !reference.is_empty() {
                assert_eq!(q.pop(), Some(reference.remove(0)));
            }
            assert!(q.pop().is_none() && q.is_empty());
            assert_eq!(q.late_events(), 0);
        }
    }

    #[test]
    fn never_goes_back_in_time() {
        let mut q = EventQueue::new();
        let mut rng = SimRng::new(1, 1);
        for i in 0..100u64 {
            q.schedule(rng.next_u64() % 1000, i);
        }
        let mut last = 0;
        let mut n = 0;
        while let Some((t, _)) = q.pop() {
            assert!(t >= last);
            last = t;
            n += 1;
            if n < 5000 {
                q.schedule(t + rng.next_u64() % 1000, n);
            }
        }
        assert_eq!(q.late_events(), 0);
        q.schedule(0, 0);
        assert_eq!(q.late_events(), 1, "an event in the past is counted");
        assert_eq!(q.pop().unwrap().0, last, "and clamped to now");
    }
}
