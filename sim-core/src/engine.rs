//! The event queue: events ordered by (time, sequence number).
//!
//! Events are small `Copy` values naming entities by index; the queue never boxes them. Among
//! events with equal times the one scheduled first pops first (FIFO), so a run is a pure function
//! of the scenario and the seed. The queue refuses to go back in time: scheduling an event before
//! the time of the last popped event is a logic error, counted in [`EventQueue::late_events`] and
//! clamped to the current time (a test asserts the count stays zero).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.time == o.time && self.seq == o.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest (time, seq) first.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        o.time.cmp(&self.time).then_with(|| o.seq.cmp(&self.seq))
    }
}

/// A priority queue of timed events with FIFO tie-breaking.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    now: u64,
    popped: u64,
    late: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            now: 0,
            popped: 0,
            late: 0,
        }
    }

    /// The time of the last popped event.
    #[inline]
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Schedules `event` at absolute time `time` (nanoseconds).
    #[inline]
    pub fn schedule(&mut self, time: u64, event: E) {
        let time = if time < self.now {
            self.late += 1;
            self.now
        } else {
            time
        };
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        let e = self.heap.pop()?;
        self.now = e.time;
        self.popped += 1;
        Some((e.time, e.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
    /// Events popped so far.
    pub fn popped(&self) -> u64 {
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
