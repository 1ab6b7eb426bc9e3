//! A multi-lane delay line with fractional (cubic Hermite) reads.

/// Ring buffer holding the recent past of `lanes` signals, interleaved by frame.
///
/// Per frame, read first (delays are counted from the frame being produced, so a delay of
/// 1 frame returns the previous input), then write every lane, then [`DelayLine::advance`].
pub struct DelayLine {
    lanes: usize,
    mask: usize,
    buf: Box<[f32]>,
    pos: usize,
    max_delay: f32,
}

impl DelayLine {
    /// A line that can delay by up to `max_delay` frames.
    pub fn new(lanes: usize, max_delay: usize) -> Self {
        let len = (max_delay + 4).next_power_of_two();
        DelayLine {
            lanes,
            mask: len - 1,
            buf: vec![0.0; len * lanes].into(),
            pos: 0,
            max_delay: max_delay.max(1) as f32,
        }
    }

    /// Longest delay in frames.
    pub fn max_delay(&self) -> f32 {
        self.max_delay
    }

    /// The input of `lane` from exactly `frames` frames ago (1 to the capacity the line was
    /// made with), without interpolation.
    #[inline(always)]
    pub fn tap(&self, lane: usize, frames: usize) -> f32 {
        self.buf[(self.pos.wrapping_sub(frames) & self.mask) * self.lanes + lane]
    }

    /// The input of `lane` from `delay` frames ago (clamped to [1, max_delay]), interpolated
    /// with a 4-point Hermite spline (linear below 2 frames, where the spline would need
    /// the sample not yet written).
    #[inline]
    pub fn read(&self, lane: usize, delay: f32) -> f32 {
        let d = delay.clamp(1.0, self.max_delay);
        let whole = d as usize;
        let frac = d - whole as f32;
        let y0 = self.tap(lane, whole);
        let y1 = self.tap(lane, whole + 1);
        if whole < 2 {
            return y0 + frac * (y1 - y0);
        }
        let ym1 = self.tap(lane, whole - 1);
        let y2 = self.tap(lane, whole + 2);
        let c1 = 0.5 * (y1 - ym1);
        let c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2;
        let c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1);
        ((c3 * frac + c2) * frac + c1) * frac + y0
    }

    /// Stores the current frame's input of `lane`.
    #[inline(always)]
    pub fn write(&mut self, lane: usize, x: f32) {
        self.buf[self.pos * self.lanes + lane] = x;
    }

    /// Moves on to the next frame.
    #[inline(always)]
    pub fn advance(&mut self) {
        self.pos = (self.pos + 1) & self.mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_fractional_delays() {
        let mut line = DelayLine::new(1, 64);
        let mut out = Vec::new();
        for n in 0..40 {
            out.push((line.read(0, 5.0), line.read(0, 10.5)));
            line.write(0, n as f32);
            line.advance();
        }
        // A ramp delayed by 5 frames, and by 10.5 frames (cubic interpolation is exact on lines).
        for (n, (a, b)) in out.iter().enumerate().skip(14) {
            assert_eq!(*a, n as f32 - 5.0);
            assert!((b - (n as f32 - 10.5)).abs() < 1e-5, "{n}: {b}");
        }
    }
}
