//! Per-parameter state on the audio thread: constant values, smoothing and sample-timed ramps,
//! and modulation signals held to the parameter's range.

use crate::dsp::fastmath;
use crate::event::Ramp;
use crate::node::ParamView;
use crate::spec::ParamSpec;

/// One lane of a parameter: where it is and where it is going.
#[derive(Debug, Clone, Copy)]
struct Lane {
    value: f64,
    step: f64,
    target: f32,
    /// Frames left in the current glide (0 when still).
    remaining: u32,
}

/// A parameter's documented range and its default.
#[derive(Debug, Clone, Copy)]
struct Range {
    min: f32,
    max: f32,
    default: f32,
}

impl Range {
    /// Whether every value lies in the range (false for NaN). Branch-free, so it vectorizes.
    #[inline]
    fn holds(&self, values: &[f32]) -> bool {
        let (lo, hi) = (self.min, self.max);
        values.chunks(16).all(|chunk| chunk.iter().fold(true, |ok, x| ok & (*x >= lo) & (*x <= hi)))
    }

    /// Writes `values` held to the range into `out`, NaN becoming the default.
    #[inline]
    fn clamp(&self, values: &[f32], out: &mut [f32]) {
        for (o, x) in out.iter_mut().zip(values) {
            let held = fastmath::min(fastmath::max(*x, self.min), self.max);
            *o = if x.is_nan() { self.default } else { held };
        }
    }
}

/// The live value of one parameter of one node, for each of its lanes.
///
/// A change glides linearly from the current value to the target over the ramp length; the
/// first frame of the ramp already carries the first step, so a change stamped at frame `N`
/// is audible at frame `N`.
pub(crate) struct ParamState {
    lanes: Box<[Lane]>,
    /// Number of lanes gliding.
    moving: usize,
    /// Current values as the node sees them when nothing moves.
    current: Box<[f32]>,
    /// Per-frame values of the last block, when something moved; or a modulation signal
    /// held to the range, when one strays outside it.
    scratch: Box<[f32]>,
    /// The documented range and the default, which modulation is held to.
    range: Range,
    varying: bool,
    /// Frames a change takes when the sender asks for the default glide.
    smooth_frames: u32,
}

impl ParamState {
    /// State of parameter `spec` starting at `initial` (one value, or one per lane).
    pub(crate) fn new(spec: &ParamSpec, initial: &[f32], lanes: usize, max_block: usize, smooth_frames: u32) -> Self {
        let current: Box<[f32]> = (0..lanes).map(|l| initial[l % initial.len()]).collect();
        ParamState {
            lanes: current.iter().map(|&v| Lane { value: v as f64, step: 0.0, target: v, remaining: 0 }).collect(),
            moving: 0,
            current,
            // Pre-faulted: the audio thread's first write must not take a page fault.
            scratch: crate::limits::resident_zeros(max_block * lanes),
            varying: false,
            smooth_frames,
            range: Range { min: spec.min, max: spec.max, default: spec.default },
        }
    }

    /// The values of a modulation signal (`lanes` values, or `frames * lanes` when not
    /// `constant`) as the node is to see them: held to the parameter's documented range,
    /// NaN read as the default. Costs one vectorized pass when every value is in range
    /// (the signal is then passed on as it is), two when some is not (a clamped copy).
    pub(crate) fn modulated<'a>(&'a mut self, signal: &'a [f32], constant: bool) -> ParamView<'a> {
        let values = if self.range.holds(signal) {
            signal
        } else {
            let out = &mut self.scratch[..signal.len()];
            self.range.clamp(signal, out);
            out
        };
        if constant {
            ParamView::Const(values)
        } else {
            ParamView::Varying(values)
        }
    }

    /// Number of lanes.
    pub(crate) fn lanes(&self) -> usize {
        self.lanes.len()
    }

    /// Starts a change of `lane` (or all lanes) towards `value`.
    pub(crate) fn set(&mut self, lane: Option<usize>, value: f32, ramp: Ramp) {
        let frames = match ramp {
            Ramp::Default => self.smooth_frames,
            Ramp::Jump => 0,
            Ramp::Frames(n) => n,
        };
        let range = match lane {
            Some(l) => l..l + 1,
            None => 0..self.lanes.len(),
        };
        for l in range {
            let lane = &mut self.lanes[l];
            if lane.remaining > 0 {
                self.moving -= 1;
            }
            lane.target = value;
            if frames == 0 {
                lane.value = value as f64;
                lane.remaining = 0;
                self.current[l] = value;
            } else {
                lane.step = (value as f64 - lane.value) / frames as f64;
                lane.remaining = frames;
                self.moving += 1;
            }
        }
    }

    /// Advances the glides by `frames`, recording per-frame values when anything moves.
    pub(crate) fn advance(&mut self, frames: usize) {
        self.varying = self.moving > 0;
        if !self.varying {
            return;
        }
        let width = self.lanes.len();
        for row in self.scratch.chunks_exact_mut(width).take(frames) {
            for (out, lane) in row.iter_mut().zip(self.lanes.iter_mut()) {
                if lane.remaining > 0 {
                    lane.remaining -= 1;
                    if lane.remaining == 0 {
                        lane.value = lane.target as f64;
                        self.moving -= 1;
                    } else {
                        lane.value += lane.step;
                    }
                }
                *out = lane.value as f32;
            }
        }
        for (c, lane) in self.current.iter_mut().zip(self.lanes.iter()) {
            *c = lane.value as f32;
        }
    }

    /// The values for the block just advanced.
    pub(crate) fn view(&self, frames: usize) -> ParamView<'_> {
        if self.varying {
            ParamView::Varying(&self.scratch[..frames * self.lanes.len()])
        } else {
            ParamView::Const(&self.current)
        }
    }

    /// Takes over the live values of `old` (same lane count), keeping any glide in flight;
    /// with `follow_graph`, lanes whose value the new graph changed then glide to it.
    pub(crate) fn migrate_from(&mut self, old: &ParamState, follow_graph: bool) {
        if old.lanes.len() != self.lanes.len() {
            return;
        }
        if !follow_graph {
            self.lanes.copy_from_slice(&old.lanes);
            self.current.copy_from_slice(&old.current);
            self.moving = old.moving;
            return;
        }
        let wanted: &mut [f32] = &mut self.scratch[..self.current.len()];
        wanted.copy_from_slice(&self.current);
        self.lanes.copy_from_slice(&old.lanes);
        self.current.copy_from_slice(&old.current);
        self.moving = old.moving;
        for l in 0..self.lanes.len() {
            let want = self.scratch[l];
            if want != old.lanes[l].target {
                self.set(Some(l), want, Ramp::Default);
            }
        }
    }
}
