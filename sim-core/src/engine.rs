//! The event queue: events ordered by time, first-scheduled-first among equal times.
//!
//! A monotone radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) over `u64` nanosecond keys.
//! A simulation never schedules an event before the current time, which is exactly the
//! condition a radix heap needs. Bucket 0 holds the events due now; bucket k ≥ 1 holds those
//! whose time differs from the last popped time first in bit k − 1. Pushing is O(1); popping
//! from an empty bucket 0 scans the lowest non-empty bucket for its minimum and moves its
//! events to lower buckets, so each event moves at most 64 times and in practice once or twice.
//!
//! FIFO among equal times holds without sequence numbers: all pending events with the same time
//! are always in the same bucket, in the order they were scheduled (pushes append, and moving
//! a bucket keeps its order), and bucket 0 is read front to back. So a run is a pure function
//! of the scenario and the seed.
//!
//! Events are small `Copy` values naming entities by index; the queue never boxes them, and its
//! buckets keep their capacity, so a warmed-up queue does not allocate. Scheduling an event
//! before the current time is a logic error: it is counted in [`EventQueue::late_events`] and
//! clamped to the current time (tests assert the count stays zero).

const BUCKETS: usize = 65;

/// A priority queue of timed events with FIFO tie-breaking.
pub struct EventQueue<E> {
    buckets: Vec<Vec<(u64, E)>>,
    /// Read position in bucket 0.
    head: usize,
    /// Bit k set when bucket k is non-empty.
    mask: u128,
    last: u64,
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
    pub fn new() -> Self {
        EventQueue {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            head: 0,
            mask: 0,
            last: 0,
            len: 0,
            popped: 0,
            late: 0,
        }
    }

    /// The time of the last popped event.
    #[inline]
    pub fn now(&self) -> u64 {
        self.last
    }

    #[inline]
    fn bucket_of(&self, time: u64) -> usize {
        if time == self.last { 0 } else { 64 - (time ^ self.last).leading_zeros() as usize }
    }

    /// Schedules `event` at absolute time `time` (nanoseconds).
    #[inline]
    pub fn schedule(&mut self, time: u64, event: E) {
        let time = if time < self.last {
            self.late += 1;
            self.last
        } else {
            time
        };
        let b = self.bucket_of(time);
        self.buckets[b].push((time, event));
        self.mask |= 1 << b;
        self.len += 1;
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        if self.mask & 1 == 0 {
            self.refill()?;
        }
        let b0 = &mut self.buckets[0];
        let item = b0[self.head];
        self.head += 1;
        if self.head == b0.len() {
            b0.clear();
            self.head = 0;
            self.mask &= !1;
        }
        self.len -= 1;
        self.popped += 1;
        Some(item)
    }

    /// Bucket 0 is empty: move the lowest non-empty bucket down, so that its minimum lands in
    /// bucket 0.
    #[cold]
    fn refill(&mut self) -> Option<()> {
        if self.mask == 0 {
            return None;
        }
        let i = self.mask.trailing_zeros() as usize;
        let mut bucket = std::mem::take(&mut self.buckets[i]);
        self.mask &= !(1 << i);
        self.last = bucket.iter().map(|x| x.0).min().expect("a marked bucket is not empty");
        for &(t, e) in &bucket {
            let b = self.bucket_of(t);
            self.buckets[b].push((t, e));
            self.mask |= 1 << b;
        }
        bucket.clear();
        self.buckets[i] = bucket;
        Some(())
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<u64> {
        if self.mask & 1 != 0 {
            return Some(self.last);
        }
        if self.mask == 0 {
            return None;
        }
        let i = self.mask.trailing_zeros() as usize;
        self.buckets[i].iter().map(|x| x.0).min()
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
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

    /// The radix heap against a reference (a sorted list by (time, scheduling order)) on random
    /// interleavings of pushes and pops, with many equal times.
    #[test]
    fn matches_a_reference_order() {
        let mut rng = SimRng::new(7, 7);
        for round in 0..50u64 {
            let mut q = EventQueue::new();
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
