//! Exponential-segment ADSR envelopes for instruments (FM operators, sampler voices).
//!
//! The attack rises linearly to 1 at `1 / attack` per second, from wherever the envelope
//! is (so a retrigger does not click). The decay falls exponentially towards the sustain
//! level, closing the distance by 60 dB in `decay` seconds; the release falls
//! exponentially to silence, 60 dB in `release` seconds, and the envelope goes idle once
//! it is 100 dB down. Exponential decays are what strings, bells and the classic FM
//! synthesizers do; the `adsr` node keeps straight lines for control work.
//!
//! An envelope renders a stretch of frames at a time with a tight recurrence per segment,
//! working out in advance where each segment ends, so a block costs a few operations per
//! frame and no branch per frame.

/// Level below which a release counts as finished, and a decay as arrived (-100 dB).
const FLOOR: f32 = 1e-5;
/// `ln(1000)`: the exponent of a 60 dB fall.
const LN_60_DB: f32 = 6.907_755;

/// The settings of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Times {
    /// Time to rise from 0 to 1, in seconds.
    pub attack: f32,
    /// Time for the fall towards `sustain` to close 60 dB of the distance, in seconds.
    pub decay: f32,
    /// Level held while the note is on, in [0, 1].
    pub sustain: f32,
    /// Time to fall 60 dB after the note ends, in seconds.
    pub release: f32,
}

/// [`Times`] as per-frame steps at one sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    /// Frames of a full attack (at least 1).
    attack: f32,
    /// Attack increment per frame.
    rise: f32,
    /// Factor by which the distance to the sustain level shrinks per frame.
    decay: f32,
    sustain: f32,
    /// Factor by which the level shrinks per frame in the release.
    release: f32,
}

impl Rates {
    /// The steps of `times` at `samplerate` Hz.
    pub fn new(times: Times, samplerate: f32) -> Self {
        let fall = |seconds: f32| {
            let frames = seconds * samplerate;
            if frames < 1.0 {
                0.0
            } else {
                (-LN_60_DB / frames).exp()
            }
        };
        let attack = (times.attack * samplerate).max(1.0);
        Rates {
            attack,
            rise: 1.0 / attack,
            decay: fall(times.decay),
            sustain: times.sustain.clamp(0.0, 1.0),
            release: fall(times.release),
        }
    }
}

/// Where an envelope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    /// Silent, waiting for a note.
    #[default]
    Idle,
    /// Rising to 1.
    Attack,
    /// Falling towards the sustain level.
    Decay,
    /// Holding the sustain level.
    Sustain,
    /// Falling to silence.
    Release,
}

/// One envelope (one lane of an instrument).
///
/// Each segment's length in frames is worked out when it begins (or when the settings
/// change), and every frame then applies the same recurrence, so the levels do not depend
/// on how the frames are split into blocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Envelope {
    stage: Stage,
    /// Level of the last frame rendered.
    level: f32,
    /// In the decay: signed distance from the sustain level `rates.sustain`.
    distance: f32,
    /// Frames left in the current segment.
    left: usize,
    /// The settings `left` and `distance` were worked out for (stale when `None`).
    rates: Option<Rates>,
}

/// Frames for a geometric fall from `distance` to [`FLOOR`] at `factor` per frame (at least 1).
#[inline]
fn frames_to_floor(distance: f32, factor: f32) -> usize {
    if factor <= 0.0 || distance <= FLOOR {
        1
    } else {
        ((FLOOR / distance).ln() / factor.ln()).ceil().max(1.0) as usize
    }
}

impl Envelope {
    /// Starts the attack from the current level (a note begins).
    pub fn start(&mut self) {
        self.stage = Stage::Attack;
        self.rates = None;
    }

    /// Starts the release from the current level (the note ends); idle envelopes stay idle.
    pub fn stop(&mut self) {
        if self.stage != Stage::Idle {
            self.stage = Stage::Release;
            self.rates = None;
        }
    }

    /// Whether the envelope is silent and waiting.
    pub fn is_idle(&self) -> bool {
        self.stage == Stage::Idle
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The level of the last frame rendered.
    pub fn level(&self) -> f32 {
        self.level
    }

    /// Whether the level holds still until the next start or stop (sustaining or idle).
    pub fn holds(&self) -> bool {
        matches!(self.stage, Stage::Sustain | Stage::Idle)
    }

    /// Works out the current segment's length (and the decay's distance) under `rates`.
    fn retime(&mut self, rates: &Rates) {
        self.left = match self.stage {
            // A hair under the exact count, so that rounding cannot add a frame.
            Stage::Attack => ((1.0 - self.level) * rates.attack - 1e-3).ceil().max(1.0) as usize,
            Stage::Decay => {
                self.distance = self.level - rates.sustain;
                frames_to_floor(self.distance.abs(), rates.decay)
            }
            Stage::Release => frames_to_floor(self.level, rates.release),
            Stage::Idle | Stage::Sustain => 0,
        };
        self.rates = Some(*rates);
    }

    /// Writes the next `count` levels to `out[0]`, `out[stride]`, `out[2 * stride]`, ...
    pub fn render(&mut self, rates: &Rates, out: &mut [f32], stride: usize, count: usize) {
        if self.rates != Some(*rates) {
            self.retime(rates);
        }
        let mut at = 0;
        let mut todo = count;
        while todo > 0 {
            let n = self.left.min(todo);
            match self.stage {
                Stage::Idle | Stage::Sustain => {
                    self.level = if self.stage == Stage::Idle { 0.0 } else { rates.sustain };
                    for i in 0..todo {
                        out[at + i * stride] = self.level;
                    }
                    return;
                }
                Stage::Attack => {
                    for i in 0..n {
                        self.level = (self.level + rates.rise).min(1.0);
                        out[at + i * stride] = self.level;
                    }
                    if n == self.left {
                        // The attack ends exactly on full level.
                        self.level = 1.0;
                        out[at + (n - 1) * stride] = 1.0;
                    }
                }
                Stage::Decay => {
                    for i in 0..n {
                        self.distance *= rates.decay;
                        out[at + i * stride] = rates.sustain + self.distance;
                    }
                    self.level = rates.sustain + self.distance;
                }
                Stage::Release => {
                    for i in 0..n {
                        self.level *= rates.release;
                        out[at + i * stride] = self.level;
                    }
                }
            }
            at += n * stride;
            todo -= n;
            self.left -= n;
            if self.left == 0 {
                (self.stage, self.level) = match self.stage {
                    Stage::Attack => (Stage::Decay, 1.0),
                    Stage::Decay => (Stage::Sustain, rates.sustain),
                    _ => (Stage::Idle, 0.0),
                };
                self.retime(rates);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

    fn run(env: &mut Envelope, times: Times, frames: usize) -> Vec<f32> {
        let mut out = vec![f32::NAN; frames];
        // Render in uneven pieces: segment boundaries must not depend on them.
        let rates = Rates::new(times, SR);
        let mut at = 0;
        for piece in [1usize, 7, 100, 33, 4096].iter().cycle() {
            let n = (*piece).min(frames - at);
            env.render(&rates, &mut out[at..], 1, n);
            at += n;
            if at == frames {
                return out;
            }
        }
        unreachable!()
    }

    #[test]
    fn segments_follow_their_formulas() {
        let times = Times { attack: 0.01, decay: 0.1, sustain: 0.25, release: 0.2 };
        let mut env = Envelope::default();
        env.start();
        let out = run(&mut env, times, 48_000);
        let attack = (0.01 * SR) as usize;
        for (f, x) in out[..attack].iter().enumerate() {
            assert!((x - (f + 1) as f32 / attack as f32).abs() < 1e-5, "attack frame {f}: {x}");
        }
        // Decay: the distance to sustain falls 60 dB in 0.1 s.
        let at = |s: f32| out[attack - 1 + (s * SR) as usize];
        assert!(((at(0.1) - 0.25) / 0.75 - 1e-3).abs() < 2e-6, "{}", at(0.1));
        assert!(((at(0.05) - 0.25) / 0.75 - 10f32.powf(-1.5)).abs() < 1e-5);
        assert_eq!((env.stage(), out[47_999]), (Stage::Sustain, 0.25));
        env.stop();
        let out = run(&mut env, times, 48_000);
        assert!((out[(0.2 * SR) as usize - 1] / 0.25 - 1e-3).abs() < 2e-6);
        // Idle once 100 dB down: after ceil(ln(1e-5 / 0.25) / ln(c)) frames.
        let c = (-LN_60_DB / (0.2 * SR)).exp();
        let silent = out.iter().position(|x| *x == 0.0).unwrap();
        assert_eq!(silent, ((1e-5f32 / 0.25).ln() / c.ln()).ceil() as usize);
        assert!(out[silent - 1] > 0.0 && out[silent - 1] <= 1e-5 && env.is_idle());
        assert!(out[silent..].iter().all(|x| *x == 0.0));
    }

    #[test]
    fn retrigger_rises_from_the_current_level_and_strides_are_honoured() {
        let times = Times { attack: 0.001, decay: 0.0, sustain: 0.5, release: 0.0 };
        let mut env = Envelope::default();
        env.start();
        let mut out = vec![-1.0f32; 3 * 100];
        env.render(&Rates::new(times, SR), &mut out[1..], 3, 100);
        assert_eq!(out[1 + 3 * 47], 1.0); // 48 frames of attack
        assert_eq!(out[1 + 3 * 48], 0.5); // decay 0 jumps to sustain
        assert!(out.iter().enumerate().all(|(i, x)| (i % 3 == 1) != (*x == -1.0)));
        env.start();
        let mut one = [0.0];
        env.render(&Rates::new(times, SR), &mut one, 1, 1);
        assert!((one[0] - (0.5 + 1.0 / 48.0)).abs() < 1e-6);
        env.stop();
        env.render(&Rates::new(times, SR), &mut one, 1, 1);
        assert_eq!((one[0], env.is_idle()), (0.0, true));
    }
}
