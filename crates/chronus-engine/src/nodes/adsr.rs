//! ADSR envelope driven by a gate, one envelope per lane.

use crate::node::{Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec};

use super::params::{params, ParamDef};
use super::OUT;

const fn time(default: f32, doc: &'static str) -> ParamDef {
    ParamDef { default, min: 0.0, max: 600.0, unit: "s", smooth: true, doc }
}

params! {
    /// Parameters of `adsr`.
    struct AdsrParams {
        attack: time(0.01, "Time from 0 to full level."),
        decay: time(0.1, "Time from full level down to the sustain level."),
        sustain: ParamDef {
            default: 0.7,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Level held while the gate is on.",
        },
        release: time(0.3, "Time from the level at gate-off down to 0."),
        gate: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "Above 0.5 is on. Changes are never smoothed.",
        },
        trigger: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "A rise above 0.5 restarts the attack from the current level even while the gate stays on.",
        },
    }
}

/// `adsr(gate, attack, decay, sustain, release)`.
pub static ADSR: NodeSpec = NodeSpec {
    kind: "adsr",
    doc: "Linear ADSR envelope from 0 to 1. A rising gate (crossing 0.5) starts the attack on \
          that very frame, from the current level; a falling gate starts the release on that \
          frame, which takes `release` seconds from whatever level it starts at. A rising \
          `trigger` restarts the attack while the gate stays on (voice stealing, legato retrigger).",
    inputs: &[],
    outputs: &[OUT],
    params: AdsrParams::SPECS,
    options: &[],
    input_rule: InputRule::Broadcast,
    build: |ctx| {
        let lanes = ctx.lanes;
        Built::lanes(
            Adsr {
                lanes,
                samplerate: ctx.samplerate as f32,
                stage: vec![Stage::Idle; lanes].into(),
                triggered: vec![false; lanes].into(),
                still: vec![false; lanes].into(),
                level: vec![0.0; lanes].into(),
                release_step: vec![0.0; lanes].into(),
            },
            ctx,
        )
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    Attack,
    Decay,
    Sustain,
    Release,
}

struct Adsr {
    lanes: usize,
    samplerate: f32,
    stage: Box<[Stage]>,
    /// Whether each lane's trigger was above 0.5 on the previous frame.
    triggered: Box<[bool]>,
    /// Whether each lane holds still for the current block.
    still: Box<[bool]>,
    level: Box<[f32]>,
    /// Per-frame fall of the release in progress.
    release_step: Box<[f32]>,
}

/// The parameters of one lane at one frame.
#[derive(Clone, Copy)]
struct Settings {
    attack: f32,
    decay: f32,
    sustain: f32,
    release: f32,
    gate: f32,
    trigger: f32,
}

impl Adsr {
    /// Whether lane `l` holds still for the whole block: sustaining with its gate on, or
    /// idle with it off, at a constant sustain level and with no new trigger.
    fn lane_steady(&self, l: usize, frames: usize, gate: ParamView, sustain: ParamView, trigger: ParamView) -> bool {
        let lanes = self.lanes;
        let want_on = match self.stage[l] {
            Stage::Sustain => true,
            Stage::Idle => false,
            _ => return false,
        };
        if want_on && sustain.as_const().is_none() {
            return false;
        }
        if let (Some(g), Some(t)) = (gate.as_const(), trigger.as_const()) {
            let rises = t[l] > 0.5 && !self.triggered[l];
            return (g[l] > 0.5) == want_on && !(rises && want_on);
        }
        let mut was = self.triggered[l];
        (0..frames).all(|f| {
            let t = trigger.at(f, l, lanes) > 0.5;
            let rises = t && !was;
            was = t;
            (gate.at(f, l, lanes) > 0.5) == want_on && !(rises && want_on)
        })
    }

    /// Advances lane `l` by one frame and returns its level.
    #[inline]
    fn step(&mut self, l: usize, p: Settings) -> f32 {
        let sr = self.samplerate;
        let on = p.gate > 0.5;
        let fired = p.trigger > 0.5 && !self.triggered[l];
        self.triggered[l] = p.trigger > 0.5;
        let stage = &mut self.stage[l];
        let level = &mut self.level[l];
        let gated = matches!(*stage, Stage::Attack | Stage::Decay | Stage::Sustain);
        if on && (!gated || fired) {
            *stage = Stage::Attack;
        } else if !on && gated {
            *stage = Stage::Release;
            self.release_step[l] = *level / (p.release * sr).max(1.0);
        }
        match *stage {
            Stage::Attack => {
                *level += 1.0 / (p.attack * sr).max(1.0);
                if *level >= 1.0 {
                    *level = 1.0;
                    *stage = Stage::Decay;
                }
            }
            Stage::Decay => {
                let target = p.sustain.clamp(0.0, 1.0);
                *level -= (1.0 - target) / (p.decay * sr).max(1.0);
                if *level <= target {
                    *level = target;
                    *stage = Stage::Sustain;
                }
            }
            Stage::Sustain => *level = p.sustain.clamp(0.0, 1.0),
            Stage::Release => {
                *level -= self.release_step[l];
                if *level <= 0.0 {
                    *level = 0.0;
                    *stage = Stage::Idle;
                }
            }
            Stage::Idle => {}
        }
        *level
    }
}

impl Node for Adsr {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (lanes, frames) = (self.lanes, io.frames);
        let AdsrParams { attack, decay, sustain, release, gate, trigger } = AdsrParams::from(io.params);
        // Lanes that hold still for the block (most voices, most of the time) repeat their
        // level; only moving lanes run the state machine.
        let mut moving = 0;
        for l in 0..lanes {
            let still = self.lane_steady(l, frames, gate, sustain, trigger);
            self.still[l] = still;
            if still {
                if self.stage[l] == Stage::Sustain {
                    self.level[l] = sustain.at(0, l, lanes).clamp(0.0, 1.0);
                }
                self.triggered[l] = trigger.at(frames - 1, l, lanes) > 0.5;
            } else {
                moving += 1;
            }
        }
        let out = &mut *io.outputs[0];
        if moving == 0 {
            for row in out.chunks_exact_mut(lanes) {
                row.copy_from_slice(&self.level);
            }
            return;
        }
        for (f, row) in out.chunks_exact_mut(lanes).enumerate() {
            for (l, o) in row.iter_mut().enumerate() {
                *o = if self.still[l] {
                    self.level[l]
                } else {
                    let p = Settings {
                        attack: attack.at(f, l, lanes),
                        decay: decay.at(f, l, lanes),
                        sustain: sustain.at(f, l, lanes),
                        release: release.at(f, l, lanes),
                        gate: gate.at(f, l, lanes),
                        trigger: trigger.at(f, l, lanes),
                    };
                    self.step(l, p)
                };
            }
        }
    }
}
