//! Seeded random-number streams.
//!
//! Every entity that draws random numbers (a workload's arrivals, a workload's service times, a
//! function's cold starts) owns its own stream, derived from `(seed, stream id)` by a fixed
//! algorithm: SplitMix64 mixing into the state of a xoshiro256++ generator. The algorithm is
//! implemented here, so results never change with a dependency's release. Separate streams give
//! common random numbers: two configurations run with the same seed see the same arrivals and the
//! same service times, so their difference measures the configurations, not the noise.

use core::convert::Infallible;
use rand_core::TryRng;

/// Stream-id namespaces: the high byte says what the stream is for, the rest which entity.
pub mod stream {
    pub const ARRIVALS: u64 = 1 << 56;
    pub const SERVICE: u64 = 2 << 56;
    pub const FUNCTION: u64 = 3 << 56;
    pub const FAULT: u64 = 4 << 56;
    pub const RETRY: u64 = 5 << 56;
}

#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ (Blackman and Vigna), 256 bits of state, period 2^256 − 1.
#[derive(Clone, Debug)]
pub struct SimRng {
    s: [u64; 4],
}

impl SimRng {
    /// The stream `stream` of the run seeded with `seed`.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut a = seed;
        let ks = splitmix64(&mut a);
        let mut b = stream ^ 0xD1B5_4A32_D192_ED03;
        let kt = splitmix64(&mut b);
        let mut st = ks ^ kt.rotate_left(17);
        let mut s = [0u64; 4];
        for w in &mut s {
            *w = splitmix64(&mut st);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        SimRng { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform on [0, 1), 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on (0, 1]: safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32 for
    /// the n this simulator uses).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }
}

impl TryRng for SimRng {
    type Error = Infallible;
    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first4(seed: u64, stream: u64) -> Vec<u64> {
        let mut r = SimRng::new(seed, stream);
        (0..4).map(|_| r.next_u64()).collect()
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        assert_eq!(first4(42, 7), first4(42, 7));
        assert_ne!(first4(42, 7), first4(42, 8));
        assert_ne!(first4(42, 7), first4(43, 7));
    }

    #[test]
    fn fixed_algorithm_output() {
        // Pins the stream derivation and generator: a change here changes every result.
        let mut r = SimRng::new(1, 0);
        let first = r.next_u64();
        let mut again = SimRng::new(1, 0);
        assert_eq!(first, again.next_u64());
        // xoshiro256++ reference: state [1,2,3,4] gives 41943041 first.
        let mut x = SimRng { s: [1, 2, 3, 4] };
        assert_eq!(x.next_u64(), 41943041);
        assert_eq!(x.next_u64(), 58720359);
    }

    #[test]
    fn uniform_mean_and_below_range() {
        let mut r = SimRng::new(9, 9);
        let n = 200_000;
        let mean = (0..n).map(|_| r.uniform()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        let mut counts = [0u32; 5];
        for _ in 0..100_000 {
            counts[r.below(5) as usize] += 1;
        }
        for c in counts {
            assert!((c as f64 - 20_000.0).abs() < 600.0, "{counts:?}");
        }
    }
}
