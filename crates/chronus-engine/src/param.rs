//! Per-parameter state on the audio thread: constant values, smoothing and sample-timed ramps.

use crate::event::Ramp;
use crate::node::ParamView;

/// The live value of one parameter of one node, for each of its lanes.
///
/// A change glides linearly from the current value to the target over the ramp length; the
/// first frame of the ramp already carries the first step, so a change stamped at frame `N`
/// is audible at frame `N`.
pub(crate) struct ParamState {
    lanes: usize,
    value: Box<[f64]>,
    step: Box<[f64]>,
    target: Box<[f32]>,
    remaining: Box<[u32]>,
    ramping: usize,
    current: Box<[f32]>,
    scratch: Box<[f32]>,
    varying: bool,
    /// Frames a change takes when the sender asks for the default glide.
    smooth_frames: u32,
}

impl ParamState {
    /// State starting at `initial` (one value, or one per lane).
    pub(crate) fn new(initial: &[f32], lanes: usize, max_block: usize, smooth_frames: u32) -> Self {
        let current: Box<[f32]> = (0..lanes).map(|l| initial[l % initial.len()]).collect();
        ParamState {
            lanes,
            value: current.iter().map(|&v| v as f64).collect(),
            step: vec![0.0; lanes].into(),
            target: current.clone(),
            remaining: vec![0; lanes].into(),
            ramping: 0,
            current,
            scratch: vec![0.0; max_block * lanes].into(),
            varying: false,
            smooth_frames,
        }
    }

    /// Number of lanes.
    pub(crate) fn lanes(&self) -> usize {
        self.lanes
    }

    /// Starts a change of `lane` (or all lanes) towards `value`.
    pub(crate) fn set(&mut self, lane: Option<usize>, value: f32, ramp: Ramp) {
        let frames = match ramp {
            Ramp::Default => self.smooth_frames,
            Ramp::Jump => 0,
            Ramp::Frames(n) => n,
        };
        match lane {
            Some(l) => self.set_lane(l, value, frames),
            None => (0..self.lanes).for_each(|l| self.set_lane(l, value, frames)),
        }
    }

    fn set_lane(&mut self, l: usize, value: f32, frames: u32) {
        if self.remaining[l] > 0 {
            self.ramping -= 1;
        }
        if frames == 0 {
            self.value[l] = value as f64;
            self.current[l] = value;
            self.remaining[l] = 0;
        } else {
            self.step[l] = (value as f64 - self.value[l]) / frames as f64;
            self.remaining[l] = frames;
            self.ramping += 1;
        }
        self.target[l] = value;
    }

    /// Advances the ramps by `frames`, recording per-frame values when anything moves.
    pub(crate) fn advance(&mut self, frames: usize) {
        self.varying = self.ramping > 0;
        if !self.varying {
            return;
        }
        let lanes = self.lanes;
        for f in 0..frames {
            let row = &mut self.scratch[f * lanes..(f + 1) * lanes];
            for l in 0..lanes {
                if self.remaining[l] > 0 {
                    self.remaining[l] -= 1;
                    if self.remaining[l] == 0 {
                        self.value[l] = self.target[l] as f64;
                        self.ramping -= 1;
                    } else {
                        self.value[l] += self.step[l];
                    }
                }
                row[l] = self.value[l] as f32;
            }
        }
        for (c, v) in self.current.iter_mut().zip(self.value.iter()) {
            *c = *v as f32;
        }
    }

    /// The values for the block just advanced.
    pub(crate) fn view(&self, frames: usize) -> ParamView<'_> {
        if self.varying {
            ParamView::Varying(&self.scratch[..frames * self.lanes])
        } else {
            ParamView::Const(&self.current)
        }
    }

    /// Takes over the live values of `old` (same lane count), keeping any ramp in flight.
    pub(crate) fn migrate_from(&mut self, old: &ParamState) {
        if old.lanes != self.lanes {
            return;
        }
        self.value.copy_from_slice(&old.value);
        self.step.copy_from_slice(&old.step);
        self.target.copy_from_slice(&old.target);
        self.remaining.copy_from_slice(&old.remaining);
        self.current.copy_from_slice(&old.current);
        self.ramping = old.ramping;
    }
}
