//! Signalsmith Stretch (time-stretching and pitch-shifting by a phase vocoder), set up for
//! the audio thread: its buffers primed at their largest on the control thread, so that
//! `seek` and `process` never allocate (the allocation test counts `malloc` itself).
//!
//! The analysis block is 0.16 s with a 20 ms hop (8-fold overlap). The library's default
//! preset (0.12 s, 30 ms) transposes pure tones up to 6 cents off (measured on sawtooth
//! lines shifted -12 to +12 semitones); this setting keeps them within 3 cents, at twice the
//! preset's cost.
//!
//! Split (the library's `splitComputation`): each hop's spectral work (two analyses, the
//! phase-vocoder steps, one synthesis) is done a step at a time over the output frames of
//! the following hop, so a caller that feeds a hop in pieces does a share of it per piece,
//! at one hop of extra output latency. Without it the whole hop's work is done in the call
//! whose output needs it.

use signalsmith_stretch::Stretch;

/// Analysis block, seconds.
const BLOCK: f64 = 0.16;
/// Hop between analyses, seconds.
const HOP: f64 = 0.02;

/// One stretcher for `channels` interleaved channels.
pub struct Stretcher {
    stretch: Stretch,
    channels: usize,
    /// Frames a seek keeps: one block and one hop.
    preroll: usize,
    /// Output frames between analyses.
    hop: usize,
    input_latency: usize,
    output_latency: usize,
    semitones: f32,
}

impl Stretcher {
    /// A stretcher whose `process` calls take at most `max_input` input frames and give at
    /// most `max_output` output frames, split or not (control thread: it allocates).
    pub fn new(channels: usize, samplerate: f64, max_input: usize, max_output: usize, split: bool) -> Stretcher {
        let (block, hop) = ((BLOCK * samplerate) as usize, Stretcher::hop_at(samplerate));
        let mut stretch = Stretch::new_split(channels as u32, block, hop, split);
        let preroll = block + hop;
        // The library grows its scratch vectors to what a call needs: make them as large
        // as any call will, here, then forget the primed state.
        stretch.seek(vec![0.0; preroll * channels], 1.0);
        stretch.process(vec![0.0; max_input.max(preroll) * channels], vec![0.0; max_output * channels]);
        stretch.reset();
        Stretcher {
            input_latency: stretch.input_latency(),
            output_latency: stretch.output_latency(),
            stretch,
            channels,
            preroll,
            hop,
            semitones: 0.0,
        }
    }

    /// Input frames the analysis reaches ahead of the frame it is centred on.
    pub fn input_latency(&self) -> usize {
        self.input_latency
    }

    /// Frames by which the output trails the analysis.
    pub fn output_latency(&self) -> usize {
        self.output_latency
    }

    /// Output frames between analyses at `samplerate` Hz (what [`Stretcher::hop`] will be):
    /// even, so that a stretch of 2 takes exactly half a hop of input per hop.
    pub fn hop_at(samplerate: f64) -> usize {
        (HOP * samplerate) as usize & !1
    }

    /// Output frames between analyses: callers that feed the stretcher one hop at a time
    /// get the same output whatever their block size.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Frames of input a seek takes (one block and one hop).
    pub fn preroll(&self) -> usize {
        self.preroll
    }

    /// Sets the transposition (changes take effect from the next hop).
    pub fn set_semitones(&mut self, semitones: f32) {
        if semitones != self.semitones {
            self.semitones = semitones;
            self.stretch.set_transpose_factor_semitones(semitones, None);
        }
    }

    /// Forgets everything played (the input history, the phases, the output in flight), as
    /// a new stretcher would; never allocates.
    pub fn reset(&mut self) {
        self.stretch.reset();
    }

    /// Fills the stretcher's input history with `input` (at most [`Stretcher::preroll`]
    /// frames, the last being the newest) without producing output, for playback going on
    /// at `rate` input frames per output frame.
    pub fn seek(&mut self, input: &[f32], rate: f64) {
        self.stretch.seek(input, rate);
    }

    /// Turns `input` into `output` (both interleaved): their lengths set the stretch.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) {
        debug_assert!(input.len().is_multiple_of(self.channels) && output.len().is_multiple_of(self.channels));
        self.stretch.process(input, output);
    }
}
