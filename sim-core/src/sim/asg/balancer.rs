//! The load balancer's view of a group: routable instances by outstanding requests, one bitmap
//! per level, so that the least loaded is found in a few words.

/// Routable instances by outstanding requests: a bitmap per level, so that the least loaded
/// instance (the lowest index among them) is found by a short word scan.
pub(crate) struct Levels {
    /// Words per level; level `l` is `bits[l * words..(l + 1) * words]`.
    pub(crate) words: usize,
    pub(crate) bits: Vec<u64>,
    /// Per level, no word before this one is non-zero.
    pub(crate) hint: Vec<usize>,
    pub(crate) count: Vec<u32>,
    /// The lowest level with an instance (`count.len()` if none).
    pub(crate) lowest: u32,
}

impl Levels {
    pub(crate) fn new(levels: usize) -> Levels {
        Levels {
            words: 0,
            bits: Vec::new(),
            hint: vec![0; levels],
            count: vec![0; levels],
            lowest: levels as u32,
        }
    }

    /// Room for instance `i` (the layout is rebuilt when the group outgrows it).
    #[cold]
    pub(crate) fn grow(&mut self, i: u32) {
        let words = (i as usize / 64 + 1).next_power_of_two().max(4);
        let levels = self.count.len();
        let mut bits = vec![0; words * levels];
        for l in 0..levels {
            let old = &self.bits[l * self.words..(l + 1) * self.words];
            bits[l * words..l * words + self.words].copy_from_slice(old);
        }
        self.bits = bits;
        self.words = words;
    }

    #[inline]
    pub(crate) fn insert(&mut self, i: u32, level: u32) {
        let w = i as usize / 64;
        if w >= self.words {
            self.grow(i);
        }
        let l = level as usize;
        self.bits[l * self.words + w] |= 1 << (i % 64);
        if w < self.hint[l] {
            self.hint[l] = w;
        }
        self.count[l] += 1;
        if level < self.lowest {
            self.lowest = level;
        }
    }

    #[inline]
    pub(crate) fn remove(&mut self, i: u32, level: u32) {
        let l = level as usize;
        self.bits[l * self.words + i as usize / 64] &= !(1 << (i % 64));
        self.count[l] -= 1;
        if level == self.lowest && self.count[l] == 0 {
            self.lowest = (level + 1..self.count.len() as u32)
                .find(|&k| self.count[k as usize] > 0)
                .unwrap_or(self.count.len() as u32);
        }
    }

    /// The lowest-numbered instance at `level` (which must have one).
    #[inline]
    pub(crate) fn first(&mut self, level: u32) -> u32 {
        let l = level as usize;
        let row = &self.bits[l * self.words..(l + 1) * self.words];
        let mut w = self.hint[l];
        while row[w] == 0 {
            w += 1;
        }
        self.hint[l] = w;
        (w * 64 + row[w].trailing_zeros() as usize) as u32
    }
}
