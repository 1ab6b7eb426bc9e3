//! Polyphonic voice allocation: note events in, one lane per voice out.
//!
//! A voice is whatever sub-graph reads the allocator's outputs: because every output has
//! one channel per voice, the oscillators, filters and envelopes downstream run all voices
//! as lanes of single nodes, so their inner loops vectorize (DESIGN.md section 5).

use crate::error::Result;
use crate::event::NodeEvent;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec, ParamSpec, PortSpec};

/// MIDI controller number of the sustain pedal.
const SUSTAIN_PEDAL: u8 = 64;
/// MIDI controller numbers that release every note (all sound off, all notes off).
const ALL_OFF: [u8; 2] = [120, 123];

/// `voices(level; bend_range; voices, steal, tuning)`.
pub static VOICES: NodeSpec = NodeSpec {
    kind: "voices",
    doc: "Voice allocator: turns note events into one lane per voice (frequency, gate, \
          velocity, note number, retrigger pulse). A note-on takes a free voice (the one \
          released longest ago) or steals the oldest or quietest sounding one; a repeated \
          note on the same channel retriggers its own voice. Honours the sustain pedal \
          (CC 64), all-notes-off (CC 120/123) and pitch bend.",
    inputs: &[PortSpec {
        name: "level",
        doc: "Loudness of each voice (e.g. its amplitude envelope through a feedback node), \
              used by steal=quietest.",
    }],
    outputs: &[
        PortSpec { name: "freq", doc: "Frequency of each voice in Hz (note, tuning and pitch bend)." },
        PortSpec { name: "gate", doc: "1 while the voice's key (or the sustain pedal) is down, else 0." },
        PortSpec { name: "velocity", doc: "Velocity of the voice's last note, (0, 1]." },
        PortSpec { name: "note", doc: "MIDI note number of the voice's last note." },
        PortSpec { name: "trigger", doc: "1 on the frame a note starts on the voice, else 0 (retriggers envelopes)." },
    ],
    params: &[ParamSpec {
        name: "bend_range",
        default: 2.0,
        min: 0.0,
        max: 48.0,
        unit: "semitones",
        smooth: false,
        doc: "Pitch change at full pitch-bend deflection.",
    }],
    options: &[
        OptionSpec {
            name: "voices",
            default: OptDefault::Num { default: 8.0, min: 1.0, max: 4096.0 },
            doc: "Number of voices (lanes of every output).",
        },
        OptionSpec {
            name: "steal",
            default: OptDefault::Choice(&["oldest", "quietest"]),
            doc: "Which sounding voice a note takes when none is free.",
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

fn build(ctx: &BuildCtx) -> Result<Built> {
    let n = ctx.num("voices") as usize;
    let level_channels = ctx.input_channels[0];
    if level_channels != 1 && level_channels != n {
        return Err(
            ctx.invalid(format!("input 'level' carries {level_channels} channels; give 1 or {n} (one per voice)"))
        );
    }
    let node = Voices {
        voices: vec![Voice::default(); n].into(),
        quietest: ctx.text("steal") == "quietest",
        tuning: ctx.num("tuning") as f32,
        level_channels,
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
    /// Allocation order of the current note (smaller is older).
    started: u64,
    /// When the voice was released (smaller is longer ago).
    released: u64,
    /// Last known loudness, from the `level` input.
    level: f32,
}

impl Voice {
    fn sounding(&self) -> bool {
        self.held || self.sustained
    }
}

struct Voices {
    voices: Box<[Voice]>,
    quietest: bool,
    tuning: f32,
    level_channels: usize,
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

    /// The voice a new note takes.
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

    fn release(&mut self, i: usize) {
        let t = self.tick();
        let v = &mut self.voices[i];
        v.held = false;
        v.sustained = false;
        v.released = t;
    }

    fn release_where(&mut self, keep: impl Fn(&Voice) -> bool) {
        for i in 0..self.voices.len() {
            if self.voices[i].sounding() && !keep(&self.voices[i]) {
                self.release(i);
            }
        }
    }
}

impl Node for Voices {
    fn event(&mut self, event: &NodeEvent) {
        match *event {
            NodeEvent::NoteOn { channel, note, velocity } if velocity > 0.0 => {
                let i = self.pick(channel, note);
                let t = self.tick();
                self.voices[i] = Voice {
                    note,
                    channel,
                    velocity,
                    held: true,
                    sustained: false,
                    trigger: true,
                    started: t,
                    ..self.voices[i]
                };
            }
            NodeEvent::NoteOn { channel, note, .. } | NodeEvent::NoteOff { channel, note } => {
                let pedal = self.pedal[channel as usize & 15];
                if let Some(i) = self.voices.iter().position(|v| v.held && v.channel == channel && v.note == note) {
                    if pedal {
                        self.voices[i].held = false;
                        self.voices[i].sustained = true;
                    } else {
                        self.release(i);
                    }
                }
            }
            NodeEvent::Control { channel, controller: SUSTAIN_PEDAL, value } => {
                let down = value >= 0.5;
                self.pedal[channel as usize & 15] = down;
                if !down {
                    self.release_where(|v| v.channel != channel || v.held);
                }
            }
            NodeEvent::Control { channel, controller, .. } if ALL_OFF.contains(&controller) => {
                self.release_where(|v| v.channel != channel);
            }
            NodeEvent::PitchBend { channel, value } => self.bend[channel as usize & 15] = value,
            NodeEvent::AllNotesOff => self.release_where(|_| false),
            NodeEvent::Control { .. } | NodeEvent::Program { .. } => {}
        }
    }

    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let n = self.voices.len();
        let frames = io.frames;
        let last = frames - 1;
        let level = io.inputs[0];
        for (l, v) in self.voices.iter_mut().enumerate() {
            v.level = level[last * self.level_channels + l % self.level_channels];
        }
        let range = io.params[0].at(0, 0, 1);
        let (freq, rest) = self.rows.split_at_mut(n);
        let (gate, rest) = rest.split_at_mut(n);
        let (velocity, note) = rest.split_at_mut(n);
        for (l, v) in self.voices.iter().enumerate() {
            let semitones = v.note as f32 - 69.0 + self.bend[v.channel as usize & 15] * range;
            freq[l] = self.tuning * (semitones / 12.0).exp2();
            gate[l] = if v.sounding() { 1.0 } else { 0.0 };
            velocity[l] = v.velocity;
            note[l] = v.note as f32;
        }
        // Between events nothing moves: every output but a firing trigger is constant over
        // the block, so only its first frame is written.
        for (out, row) in io.outputs.iter_mut().zip(self.rows.chunks_exact(n)) {
            out[..n].copy_from_slice(row);
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
        self.constant = if fired { 0b01111 } else { 0b11111 };
    }

    fn constant_outputs(&self) -> u32 {
        self.constant
    }
}
