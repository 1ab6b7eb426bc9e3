//! What Chronus's reverbs share: their parameters, a control clock for the parameters that
//! set their filters, and [`Reverb`], the node around a [`Tank`]: it takes mono or stereo
//! in, applies pre-delay, runs the tank a chunk at a time, then applies stereo width and the
//! dry/wet mix. The tanks are [`super::fdn`] and [`super::freeverb`].

use crate::dsp::delay_line::DelayLine;
use crate::dsp::finite::all_finite;
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ParamView, ProcessIo};
use crate::nodes::params::{params, ParamDef};

use super::mono_or_stereo;

params! {
    /// Parameters of `reverb` and `freeverb` (first lane only).
    pub(crate) struct ReverbParams {
        decay: ParamDef {
            default: 1.5,
            min: 0.05,
            max: 100.0,
            unit: "s",
            smooth: true,
            doc: "Decay time RT60: time for the tail to fall by 60 dB (at low frequencies).",
        },
        damping: ParamDef {
            default: 0.5,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "How much faster high frequencies die away (0 none, 1 most).",
        },
        predelay: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "s",
            smooth: true,
            doc: "Delay before the reverberation starts.",
        },
        width: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Stereo width of the reverberation (0 mono, 1 full).",
        },
        mix: super::mix(0.3),
    }
}

/// The views a reverb gets for one block.
type Views<'a> = ReverbParams<ParamView<'a>>;

/// Feedback gain that makes a loop of `frames` frames decay by 60 dB in `rt60` seconds.
#[inline]
pub(crate) fn rt60_gain(frames: f32, rt60: f32, samplerate: f32) -> f32 {
    10f32.powf(-3.0 * frames / (rt60.max(1e-3) * samplerate))
}

/// Frames between reads of the parameters that set a reverb's filters (decay, damping): a
/// control rate of 3 kHz at 48 kHz. Counted from the node's first frame, so that a render
/// does not depend on how its blocks are split.
const CONTROL_FRAMES: u64 = 16;

/// Where a reverb is relative to its control-rate boundaries.
#[derive(Debug, Default)]
pub(crate) struct ControlClock {
    frame: u64,
}

impl ControlClock {
    /// Whether the next frame is a control boundary, where control parameters are read.
    pub(crate) fn at_boundary(&self) -> bool {
        self.frame.is_multiple_of(CONTROL_FRAMES)
    }

    /// Length of the next piece of work: at most `left` and `chunk` frames, and no further
    /// than the next control boundary unless `settled` (every boundary in the block would
    /// read the values already in use). Moves the clock on by it.
    pub(crate) fn piece(&mut self, left: usize, chunk: usize, settled: bool) -> usize {
        let mut m = left.min(chunk);
        if !settled {
            m = m.min((CONTROL_FRAMES - self.frame % CONTROL_FRAMES) as usize);
        }
        self.frame += m as u64;
        m
    }
}

/// The reverberating part of a reverb, between pre-delay and output.
pub(crate) trait Tank: Send + 'static {
    /// Most frames [`Tank::run`] takes at once.
    fn chunk(&self) -> usize;

    /// Sets the decay time (RT60, seconds) and damping (0 to 1).
    fn design(&mut self, decay: f32, damping: f32);

    /// Runs over `fed` (left, right; consumed), writing the wet left and right into `wet`.
    fn run(&mut self, fed: [&mut [f32]; 2], wet: [&mut [f32]; 2]);

    /// Silences every line and filter memory (after something non-finite got in).
    fn clear(&mut self);
}

/// Builds the reverb node around `tank` for a mono or stereo input.
pub(crate) fn build(ctx: &BuildCtx, tank: impl Tank) -> Result<Built> {
    let channels = mono_or_stereo(ctx, 0)?;
    let chunk = tank.chunk().min(ctx.max_block).max(1);
    let node = Reverb {
        tank,
        channels,
        lanes: ctx.lanes,
        samplerate: ctx.samplerate as f32,
        control: ControlClock::default(),
        designed: (f32::NAN, f32::NAN),
        predelay: DelayLine::new(
            2,
            (ReverbParams::from(ReverbParams::SPECS).predelay.max as f64 * ctx.samplerate).ceil() as usize,
        ),
        chunk,
        fed: [0, 1].map(|_| vec![0.0; chunk].into()),
        wet: [0, 1].map(|_| vec![0.0; chunk].into()),
    };
    Ok(Built { node: Box::new(node), output_channels: vec![2] })
}

/// A reverb node: pre-delay, a tank, width and mix. Parameters use their first lane.
struct Reverb<T: Tank> {
    tank: T,
    channels: usize,
    lanes: usize,
    samplerate: f32,
    control: ControlClock,
    /// (decay, damping) the tank was designed for.
    designed: (f32, f32),
    /// Pre-delay of left and right.
    predelay: DelayLine,
    /// Most frames processed at once.
    chunk: usize,
    /// Left and right input to the tank over the chunk.
    fed: [Box<[f32]>; 2],
    /// Left and right wet output over the chunk.
    wet: [Box<[f32]>; 2],
}

impl<T: Tank> Reverb<T> {
    fn design(&mut self, decay: f32, damping: f32) {
        if (decay, damping) != self.designed {
            self.designed = (decay, damping);
            self.tank.design(decay, damping);
        }
    }

    /// Fills `self.fed` with the `m` frames from `start`, pre-delayed.
    fn feed(&mut self, io: &ProcessIo<'_, '_>, p: &Views, start: usize, m: usize) {
        let [left, right] = &mut self.fed;
        let input = &io.inputs[0][start * self.channels..(start + m) * self.channels];
        if self.channels == 2 {
            for ((l, r), x) in left[..m].iter_mut().zip(&mut right[..m]).zip(input.chunks_exact(2)) {
                (*l, *r) = (x[0], x[1]);
            }
        } else {
            left[..m].copy_from_slice(input);
            right[..m].copy_from_slice(input);
        }
        let predelay = p.predelay.lane(0, self.lanes);
        let sr = self.samplerate;
        if predelay.as_const().is_some_and(|d| d * sr < 1.0) {
            // No pre-delay: keep the line's history for when there is one.
            for (c, fed) in self.fed.iter().enumerate() {
                self.predelay.write_block_at(c, 0, &fed[..m]);
            }
        } else {
            for (c, fed) in self.fed.iter_mut().enumerate() {
                for (n, x) in fed[..m].iter_mut().enumerate() {
                    let delay = predelay.at(start + n) * sr;
                    let late = if delay >= 1.0 { self.predelay.read_at(c, n, delay) } else { *x };
                    self.predelay.write_at(c, n, *x);
                    *x = late;
                }
            }
        }
        self.predelay.skip(m);
    }

    /// Writes the `m` frames from `start` of the output: dry input and wet signal through
    /// width (side gain) and mix.
    fn mix(&self, io: &mut ProcessIo<'_, '_>, p: &Views, start: usize, m: usize) {
        let [width, mix] = [p.width, p.mix].map(|v| v.lane(0, self.lanes));
        let channels = self.channels;
        let input = &io.inputs[0][start * channels..(start + m) * channels];
        let out = &mut io.outputs[0][2 * start..2 * (start + m)];
        let wet = self.wet[0].iter().zip(self.wet[1].iter());
        let steady = width.as_const().zip(mix.as_const());
        for (n, ((o, x), (wl, wr))) in out.chunks_exact_mut(2).zip(input.chunks_exact(channels)).zip(wet).enumerate() {
            let (l, r) = (x[0], x[channels - 1]);
            let (w, mix) = steady.unwrap_or_else(|| (width.at(start + n), mix.at(start + n)));
            let (mid, side) = (0.5 * (wl + wr), 0.5 * w * (wl - wr));
            o[0] = l + mix * (mid + side - l);
            o[1] = r + mix * (mid - side - r);
        }
    }
}

impl<T: Tank> Node for Reverb<T> {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let p = ReverbParams::from(io.params);
        let [decay, damping] = [p.decay, p.damping].map(|v| v.lane(0, lanes));
        let steady = decay.as_const().zip(damping.as_const());
        let mut start = 0;
        // Whether the input and what came out of the tank were finite all through the block.
        let mut clean = all_finite(io.inputs[0]);
        while start < io.frames {
            if self.control.at_boundary() {
                self.design(decay.at(start), damping.at(start));
            }
            let m = self.control.piece(io.frames - start, self.chunk, steady == Some(self.designed));
            self.feed(io, &p, start, m);
            let ([fl, fr], [wl, wr]) = (&mut self.fed, &mut self.wet);
            self.tank.run([&mut fl[..m], &mut fr[..m]], [&mut wl[..m], &mut wr[..m]]);
            clean &= all_finite(&wl[..m]) & all_finite(&wr[..m]);
            self.mix(io, &p, start, m);
            start += m;
        }
        if !clean {
            self.tank.clear();
            for c in 0..2 {
                self.predelay.clear_lane(c);
            }
            io.repairs.resets += 1;
        }
    }
}
