//! Polyphonic voice allocation: note events in, one lane per voice out.
//!
//! A voice is whatever sub-graph reads the allocator's outputs: because every output has
//! one channel per voice, the oscillators, filters and envelopes downstream run all voices
//! as lanes of single nodes, so their inner loops vectorize (DESIGN.md section 5).
//!
//! In `poly` mode each note takes a voice. In `mono` and `legato` modes every voice plays
//! the most recent key still held (last-note priority, with a stack of held keys to fall
//! back on): one voice makes a classic monophonic synth, several make a unison stack to
//! detune. Between events nothing moves but a glide, so the outputs are reported constant
//! over the block ([`Node::constant_outputs`]) and cost their readers nothing per frame.

use arrayvec::ArrayVec;

use crate::error::Result;
use crate::event::NodeEvent;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, PortSpec};

use super::params::{params, ParamDef};

/// MIDI controller number of the sustain pedal.
const SUSTAIN_PEDAL: u8 = 64;
/// MIDI controller numbers that release every note (all sound off, all notes off).
const ALL_OFF: [u8; 2] = [120, 123];
/// Held keys the mono/legato stack remembers; beyond that the oldest is forgotten.
const STACK_DEPTH: usize = 128;

/// `voices(level; bend_range, glide, velocity_curve; voices, steal, mode, tuning)`.
pub static VOICES: NodeSpec = NodeSpec {
    kind: "voices",
    doc: "Voice allocator: turns note events into one lane per voice (frequency, gate, \
          velocity, note number, retrigger pulse). In poly mode a note-on takes a free voice \
          (the one released longest ago) or steals the oldest or quietest sounding one; a \
          repeated note on the same channel retriggers its own voice. In mono and legato modes \
          every voice plays the last key held (legato retriggers nothing while keys overlap). \
          Honours the sustain pedal (CC 64), all-notes-off (CC 120/123), per-channel pitch \
          bend, portamento and a velocity curve.",
    inputs: &[PortSpec {
        name: "level",
        doc: "Loudness of each voice (e.g. its amplitude envelope through a feedback node), \
              used by steal=quietest.",
    }],
    outputs: &[
        PortSpec { name: "freq", doc: "Frequency of each voice in Hz (note, tuning, glide and pitch bend)." },
        PortSpec { name: "gate", doc: "1 while the voice's key (or the sustain pedal) is down, else 0." },
        PortSpec { name: "velocity", doc: "Velocity of the voice's last note through the velocity curve, (0, 1]." },
        PortSpec { name: "note", doc: "MIDI note number of the voice's last note." },
        PortSpec { name: "trigger", doc: "1 on the frame a note starts on the voice, else 0 (retriggers envelopes)." },
    ],
    params: VoicesParams::SPECS,
    options: &[
        OptionSpec {
            name: "voices",
            default: OptDefault::Int { default: 8, min: 1, max: 4096 },
            doc: "Number of voices (lanes of every output).",
        },
        OptionSpec {
            name: "steal",
            default: OptDefault::Choice(&["oldest", "quietest"]),
            doc: "Which sounding voice a note takes when none is free (poly mode).",
        },
        OptionSpec {
            name: "mode",
            default: OptDefault::Choice(&["poly", "mono", "legato"]),
            doc: "poly: a voice per note; mono: every voice plays the last key held, retriggering; \
                  legato: likewise, but overlapping keys change pitch without retriggering.",
        },
        OptionSpec {
            name: "tuning",
            default: OptDefault::Num { default: 440.0, min: 300.0, max: 600.0 },
            doc: "Frequency of A4 (MIDI note 69) in Hz.",
        },
    ],
    input_rule: InputRule::AsIs,
    build,
};

params! {
    /// Parameters of `voices` (read once per block, from the first lane).
    struct VoicesParams {
        bend_range: ParamDef {
            default: 2.0,
            min: 0.0,
            max: 48.0,
            unit: "semitones",
            smooth: false,
            doc: "Pitch change at full pitch-bend deflection.",
        },
        glide: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 10.0,
            unit: "s",
            smooth: false,
            doc: "Portamento: time a voice takes to slide to a new note, linearly in pitch (0 jumps). \
                  Poly voices slide from their previous note; legato slides only between overlapping keys.",
        },
        velocity_curve: ParamDef {
            default: 1.0,
            min: 0.1,
            max: 10.0,
            unit: "",
            smooth: false,
            doc: "Exponent applied to velocities: 1 is linear, above 1 needs harder playing, below 1 softer.",
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Poly,
    Mono,
    Legato,
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let n = ctx.num("voices") as usize;
    let level_channels = ctx.input_channels[0];
    if level_channels != 1 && level_channels != n {
        return Err(
            ctx.invalid(format!("input 'level' carries {level_channels} channels; give 1 or {n} (one per voice)"))
        );
    }
    let mode = match ctx.text("mode") {
        "poly" => Mode::Poly,
        "mono" => Mode::Mono,
        _ => Mode::Legato,
    };
    let node = Voices {
        voices: vec![Voice::default(); n].into(),
        mode,
        quietest: ctx.text("steal") == "quietest",
        tuning: ctx.num("tuning") as f32,
        samplerate: ctx.samplerate as f32,
        level_channels,
        level_latency: ctx.max_block as u32 + 1,
        held: ArrayVec::new(),
        bend: [0.0; 16],
        pedal: [false; 16],
        clock: 0,
        rows: vec![0.0; 4 * n].into(),
        constant: 0,
    };
    Ok(Built { node: Box::new(node), output_channels: vec![n; VOICES.outputs.len()] })
}

#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    note: u8,
    channel: u8,
    velocity: f32,
    /// Key down.
    held: bool,
    /// Key up while the sustain pedal holds it.
    sustained: bool,
    /// A note started since the last block: emit a trigger pulse.
    trigger: bool,
    /// The note changed since the last block: move the pitch to it.
    retune: bool,
    /// Whether that move glides (else it jumps).
    glide: bool,
    /// Allocation order of the current note (smaller is older).
    started: u64,
    /// When the voice was released (smaller is longer ago).
    released: u64,
    /// Last known loudness, from the `level` input.
    level: f32,
    /// Frames before the `level` input reflects the current note (it arrives through a
    /// feedback node, one block late); until then `level` holds the note's velocity.
    level_pending: u32,
    /// Pitch sounding now, in semitones from A4 (pitch bend excluded).
    pitch: f32,
    /// Pitch change per frame of the glide in flight.
    glide_step: f32,
    /// Frames left in the glide in flight (0 when still).
    glide_left: u32,
}

impl Voice {
    fn sounding(&self) -> bool {
        self.held || self.sustained
    }

    /// Steps the glide by one frame (measured back from the target, so nothing drifts).
    #[inline]
    fn slide(&mut self) {
        if self.glide_left > 0 {
            self.glide_left -= 1;
            self.pitch = self.note as f32 - 69.0 - self.glide_step * self.glide_left as f32;
        }
    }
}

/// A key held down in mono/legato mode.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key {
    channel: u8,
    note: u8,
    velocity: f32,
}

struct Voices {
    voices: Box<[Voice]>,
    mode: Mode,
    quietest: bool,
    tuning: f32,
    samplerate: f32,
    level_channels: usize,
    /// Frames the `level` input lags behind the notes (the feedback delay, plus one).
    level_latency: u32,
    /// Keys held in mono/legato mode, most recent last.
    held: ArrayVec<Key, STACK_DEPTH>,
    /// Pitch-bend position per MIDI channel, [-1, 1].
    bend: [f32; 16],
    /// Sustain pedal per MIDI channel.
    pedal: [bool; 16],
    /// Orders allocations and releases.
    clock: u64,
    /// Per-voice freq, gate, velocity and note for the current block.
    rows: Box<[f32]>,
    /// Outputs held constant over the last block (see [`Node::constant_outputs`]).
    constant: u32,
}

impl Voices {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The voice a new note takes in poly mode.
    fn pick(&self, channel: u8, note: u8) -> usize {
        let v = &self.voices;
        if let Some(i) = v.iter().position(|x| x.sounding() && x.channel == channel && x.note == note) {
            return i;
        }
        let free = (0..v.len()).filter(|i| !v[*i].sounding()).min_by_key(|i| v[*i].released);
        free.unwrap_or_else(|| {
            let all = 0..v.len();
            if self.quietest {
                all.min_by(|a, b| v[*a].level.total_cmp(&v[*b].level).then(v[*a].started.cmp(&v[*b].started)))
            } else {
                all.min_by_key(|i| v[*i].started)
            }
            .expect("at least one voice")
        })
    }

    /// Starts (or moves to) a note on voice `i`.
    fn start(&mut self, i: usize, key: Key, trigger: bool, glide: bool) {
        let t = self.tick();
        let latency = self.level_latency;
        let v = &mut self.voices[i];
        // A voice that never played has no pitch to glide from.
        let glide = glide && v.started > 0;
        *v = Voice {
            note: key.note,
            channel: key.channel,
            velocity: key.velocity,
            held: true,
            sustained: false,
            trigger: v.trigger || trigger,
            retune: true,
            glide,
            started: t,
            // A fresh note counts as loud as it was struck until its level comes back, so a
            // burst of notes under steal=quietest does not take the same voice again.
            level: key.velocity,
            level_pending: latency,
            ..*v
        };
    }

    /// Every voice plays `key` (mono and legato modes).
    fn play_all(&mut self, key: Key, trigger: bool, glide: bool) {
        for i in 0..self.voices.len() {
            self.start(i, key, trigger, glide);
        }
    }

    fn release(&mut self, i: usize) {
        let t = self.tick();
        let v = &mut self.voices[i];
        v.held = false;
        v.sustained = false;
        v.released = t;
    }

    /// Lets go of voice `i`'s key: the pedal may hold it on.
    fn key_up(&mut self, i: usize) {
        if self.pedal[self.voices[i].channel as usize & 15] {
            self.voices[i].held = false;
            self.voices[i].sustained = true;
        } else {
            self.release(i);
        }
    }

    fn release_where(&mut self, keep: impl Fn(&Voice) -> bool) {
        for i in 0..self.voices.len() {
            if self.voices[i].sounding() && !keep(&self.voices[i]) {
                self.release(i);
            }
        }
    }

    fn note_on(&mut self, key: Key) {
        if self.mode == Mode::Poly {
            let i = self.pick(key.channel, key.note);
            self.start(i, key, true, true);
            return;
        }
        let legato = !self.held.is_empty();
        self.held.retain(|k| (k.channel, k.note) != (key.channel, key.note));
        if self.held.is_full() {
            self.held.remove(0);
        }
        self.held.push(key);
        let retrigger = !(legato && self.mode == Mode::Legato);
        self.play_all(key, retrigger, self.mode == Mode::Mono || legato);
    }

    fn note_off(&mut self, channel: u8, note: u8) {
        if self.mode == Mode::Poly {
            if let Some(i) = self.voices.iter().position(|v| v.held && v.channel == channel && v.note == note) {
                self.key_up(i);
            }
            return;
        }
        self.held.retain(|k| (k.channel, k.note) != (channel, note));
        let playing = self.voices[0].held && (self.voices[0].channel, self.voices[0].note) == (channel, note);
        if !playing {
            return;
        }
        match self.held.last().copied() {
            Some(back) => self.play_all(back, self.mode == Mode::Mono, true),
            None => {
                for i in 0..self.voices.len() {
                    self.key_up(i);
                }
            }
        }
    }
}

impl Node for Voices {
    fn event(&mut self, event: &NodeEvent) {
        match *event {
            NodeEvent::NoteOn { channel, note, velocity } if velocity > 0.0 => {
                self.note_on(Key { channel, note, velocity });
            }
            NodeEvent::NoteOn { channel, note, .. } | NodeEvent::NoteOff { channel, note } => {
                self.note_off(channel, note);
            }
            NodeEvent::Control { channel, controller: SUSTAIN_PEDAL, value } => {
                let down = value >= 0.5;
                self.pedal[channel as usize & 15] = down;
                if !down {
                    self.release_where(|v| v.channel != channel || v.held);
                }
            }
            NodeEvent::Control { channel, controller, .. } if ALL_OFF.contains(&controller) => {
                self.held.retain(|k| k.channel != channel);
                self.release_where(|v| v.channel != channel);
            }
            NodeEvent::PitchBend { channel, value } => self.bend[channel as usize & 15] = value,
            NodeEvent::AllNotesOff => {
                self.held.clear();
                self.release_where(|_| false);
            }
            NodeEvent::Control { .. } | NodeEvent::Program { .. } => {}
        }
    }

    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let n = self.voices.len();
        let frames = io.frames;
        let last = frames - 1;
        let level = io.inputs[0];
        for (l, v) in self.voices.iter_mut().enumerate() {
            v.level_pending = v.level_pending.saturating_sub(frames as u32);
            if v.level_pending == 0 {
                v.level = level[last * self.level_channels + l % self.level_channels];
            }
        }
        let p = VoicesParams::from(io.params);
        let range = p.bend_range.at(0, 0, 1);
        let glide_frames = (p.glide.at(0, 0, 1) * self.samplerate).round() as u32;
        let curve = p.velocity_curve.at(0, 0, 1);
        for v in self.voices.iter_mut().filter(|v| v.retune) {
            v.retune = false;
            let target = v.note as f32 - 69.0;
            if v.glide && glide_frames > 0 && target != v.pitch {
                v.glide_step = (target - v.pitch) / glide_frames as f32;
                v.glide_left = glide_frames;
            } else {
                v.pitch = target;
                v.glide_left = 0;
            }
        }
        let gliding = self.voices.iter().any(|v| v.glide_left > 0);

        let (tuning, bend) = (self.tuning, &self.bend);
        let hz = |v: &Voice| tuning * ((v.pitch + bend[v.channel as usize & 15] * range) / 12.0).exp2();
        let (freq, rest) = self.rows.split_at_mut(n);
        let (gate, rest) = rest.split_at_mut(n);
        let (velocity, note) = rest.split_at_mut(n);
        for (l, v) in self.voices.iter().enumerate() {
            freq[l] = hz(v);
            gate[l] = if v.sounding() { 1.0 } else { 0.0 };
            velocity[l] = v.velocity.powf(curve);
            note[l] = v.note as f32;
        }
        // Between events nothing moves but glides: the other outputs (and a trigger that
        // does not fire) are constant over the block, so only their first frame is written.
        for (out, row) in io.outputs.iter_mut().zip(self.rows.chunks_exact(n)).skip(1) {
            out[..n].copy_from_slice(row);
        }
        let freq_out = &mut *io.outputs[0];
        if gliding {
            for row in freq_out.chunks_exact_mut(n) {
                for (o, v) in row.iter_mut().zip(self.voices.iter_mut()) {
                    v.slide();
                    *o = hz(v);
                }
            }
        } else {
            freq_out[..n].copy_from_slice(&self.rows[..n]);
        }
        let trigger = &mut *io.outputs[4];
        let fired = self.voices.iter().any(|v| v.trigger);
        if fired {
            trigger.fill(0.0);
        }
        for (t, v) in trigger.iter_mut().zip(self.voices.iter_mut()) {
            *t = if v.trigger { 1.0 } else { 0.0 };
            v.trigger = false;
        }
        self.constant = 0b11111 & !(gliding as u32) & !((fired as u32) << 4);
    }

    fn constant_outputs(&self) -> u32 {
        self.constant
    }
}
