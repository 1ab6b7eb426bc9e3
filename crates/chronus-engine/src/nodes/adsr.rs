//! ADSR envelope driven by a gate, one envelope per lane.

use crate::node::{Built, Node, ParamView, ProcessIo};
use crate::spec::{InputRule, NodeSpec, ParamSpec};

use super::OUT;

const fn time(name: &'static str, default: f32, doc: &'static str) -> ParamSpec {
    ParamSpec { name, default, min: 0.0, max: 600.0, unit: "s", smooth: true, doc }
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
    params: &[
        time("attack", 0.01, "Time from 0 to full level."),
        time("decay", 0.1, "Time from full level down to the sustain level."),
        ParamSpec {
            name: "sustain",
            default: 0.7,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Level held while the gate is on.",
        },
        time("release", 0.3, "Time from the level at gate-off down to 0."),
        ParamSpec {
            name: "gate",
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "Above 0.5 is on. Changes are never smoothed.",
        },
        ParamSpec {
            name: "trigger",
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: false,
            doc: "A rise above 0.5 restarts the attack from the current level even while the gate stays on.",
        },
    ],
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
    level: Box<[f32]>,
    /// Per-frame fall of the release in progress.
    release_step: Box<[f32]>,
}

impl Adsr {
    /// Whether every lane holds still for the whole block (sustaining with its gate on, or
    /// idle with it off, under constant parameters); if so, pins each level.
    fn steady(&mut self, gate: ParamView, sustain: ParamView, trigger: ParamView) -> bool {
        let (Some(g), Some(s), Some(t)) = (gate.as_const(), sustain.as_const(), trigger.as_const()) else {
            return false;
        };
        let armed = t.iter().zip(self.triggered.iter()).any(|(t, was)| (*t > 0.5) != *was);
        let still = !armed
            && self.stage.iter().zip(g).all(|(stage, g)| match stage {
                Stage::Sustain => *g > 0.5,
                Stage::Idle => *g <= 0.5,
                _ => false,
            });
        if still {
            for ((level, stage), s) in self.level.iter_mut().zip(self.stage.iter()).zip(s) {
                if *stage == Stage::Sustain {
                    *level = s.clamp(0.0, 1.0);
                }
            }
        }
        still
    }
}

impl Node for Adsr {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let [attack, decay, sustain, release, gate, trigger]: [ParamView; 6] =
            [io.params[0], io.params[1], io.params[2], io.params[3], io.params[4], io.params[5]];
        if self.steady(gate, sustain, trigger) {
            for row in io.outputs[0].chunks_exact_mut(lanes) {
                row.copy_from_slice(&self.level);
            }
            return;
        }
        let sr = self.samplerate;
        for (f, row) in io.outputs[0].chunks_exact_mut(lanes).enumerate() {
            let (a, d, s, r, g, trig) = (
                attack.frame(f, lanes),
                decay.frame(f, lanes),
                sustain.frame(f, lanes),
                release.frame(f, lanes),
                gate.frame(f, lanes),
                trigger.frame(f, lanes),
            );
            for l in 0..lanes {
                let on = g[l] > 0.5;
                let fired = trig[l] > 0.5 && !self.triggered[l];
                self.triggered[l] = trig[l] > 0.5;
                let stage = &mut self.stage[l];
                let level = &mut self.level[l];
                let gated = matches!(*stage, Stage::Attack | Stage::Decay | Stage::Sustain);
                if on && (!gated || fired) {
                    *stage = Stage::Attack;
                } else if !on && gated {
                    *stage = Stage::Release;
                    self.release_step[l] = *level / (r[l] * sr).max(1.0);
                }
                match *stage {
                    Stage::Attack => {
                        *level += 1.0 / (a[l] * sr).max(1.0);
                        if *level >= 1.0 {
                            *level = 1.0;
                            *stage = Stage::Decay;
                        }
                    }
                    Stage::Decay => {
                        let target = s[l].clamp(0.0, 1.0);
                        *level -= (1.0 - target) / (d[l] * sr).max(1.0);
                        if *level <= target {
                            *level = target;
                            *stage = Stage::Sustain;
                        }
                    }
                    Stage::Sustain => *level = s[l].clamp(0.0, 1.0),
                    Stage::Release => {
                        *level -= self.release_step[l];
                        if *level <= 0.0 {
                            *level = 0.0;
                            *stage = Stage::Idle;
                        }
                    }
                    Stage::Idle => {}
                }
                row[l] = *level;
            }
        }
    }
}
