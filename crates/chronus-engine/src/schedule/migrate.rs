//! Carrying node state across a swap: nodes that survive an edit unchanged (same id, or
//! the id a transition renamed them from, and the same [`Signature`]) move their DSP state
//! and parameter glides into the new schedule; a node whose signature changed may inherit
//! what it can from the instance it replaces ([`crate::node::Node::inherit`]: a swapped kernel).
//!
//! Which slots match is decided on the control thread ([`Schedule::plan_from`], against a
//! [`Shadow`] of the schedule that will be playing when the new one arrives), so the audio
//! thread only swaps the planned pairs: no searches, no signature comparisons. A schedule
//! without a plan, or whose plan was made against another schedule, falls back to
//! matching on the audio thread.

use std::collections::HashMap;

use super::{NodeImpl, NodeSlot, Schedule, Signature};
use crate::graph::NodeId;

/// The slots of one schedule, as the control thread remembers them after sending it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shadow {
    generation: u64,
    slots: HashMap<NodeId, (u32, Signature)>,
}

/// Which slots carry their state over, decided off the audio thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MigrationPlan {
    /// Generation of the schedule the plan was made against.
    from: u64,
    /// (slot in the new schedule, slot in the old one) of the nodes that carry over.
    pairs: Vec<(u32, u32)>,
    /// The same for nodes of the same kind whose signature changed: they inherit.
    inherits: Vec<(u32, u32)>,
}

impl Schedule {
    /// Stamps this schedule with `generation` (unique among the schedules one engine sends).
    pub(crate) fn set_generation(&mut self, generation: u64) {
        self.generation = generation;
    }

    /// What the control thread needs to remember of this schedule to plan the next swap.
    pub(crate) fn shadow(&self) -> Shadow {
        let slots = self.slots.iter().enumerate().map(|(i, s)| (s.id, (i as u32, s.signature.clone()))).collect();
        Shadow { generation: self.generation, slots }
    }

    /// Plans the migration from the schedule `before` describes (control thread).
    pub(crate) fn plan_from(&mut self, before: &Shadow) {
        let (mut pairs, mut inherits) = (Vec::new(), Vec::new());
        for (i, slot) in self.slots.iter().enumerate() {
            let Some((j, signature)) = before.slots.get(&self.origin(slot.id)) else { continue };
            if *signature == slot.signature {
                pairs.push((i as u32, *j));
            } else if signature.kind == slot.signature.kind {
                inherits.push((i as u32, *j));
            }
        }
        self.plan = Some(MigrationPlan { from: before.generation, pairs, inherits });
    }

    /// Moves the state of every node that survives unchanged from `old` into `self`; the
    /// fresh instances they replace end up in `old`, to be dropped off the audio thread.
    /// Parameters whose constant the edit changed glide to their new value.
    pub(crate) fn migrate_from(&mut self, old: &mut Schedule) {
        self.take_states(old, true);
    }

    /// Takes over from the transition `old` that led here (compiled from the same graph):
    /// node states as [`Schedule::migrate_from`], parameters exactly as they are now, since
    /// events applied during the crossfade are newer than this schedule's constants.
    pub(crate) fn take_over(&mut self, old: &mut Schedule) {
        self.take_states(old, false);
    }

    fn take_states(&mut self, old: &mut Schedule, follow_graph: bool) {
        match &self.plan {
            Some(plan) if plan.from == old.generation && old.generation != 0 => {
                // Inheriting first: a transition can also play the old instance on under a
                // fresh id, and the carrying pass would move it away.
                for &(i, j) in &plan.inherits {
                    inherit(&mut self.slots[i as usize], &mut old.slots[j as usize]);
                }
                for &(i, j) in &plan.pairs {
                    let (i, j) = (i as usize, j as usize);
                    carry(&mut self.slots[i], &mut old.slots[j], follow_graph);
                    self.inspector.set_timing(i, old.inspector.timing(j));
                }
            }
            _ => self.match_and_carry(old, follow_graph),
        }
    }

    /// The unplanned path: finds each slot's match in `old` by id and signature (two
    /// passes, inheriting before carrying, as planned migrations do).
    fn match_and_carry(&mut self, old: &mut Schedule, follow_graph: bool) {
        for inheriting in [true, false] {
            for i in 0..self.slots.len() {
                let origin = self.origin(self.slots[i].id);
                let Some(j) = old.slot_index(origin) else { continue };
                let (slot, old_slot) = (&mut self.slots[i], &mut old.slots[j]);
                let same = old_slot.signature == slot.signature;
                if inheriting && !same && old_slot.signature.kind == slot.signature.kind {
                    inherit(slot, old_slot);
                } else if !inheriting && same {
                    carry(slot, old_slot, follow_graph);
                    self.inspector.set_timing(i, old.inspector.timing(j));
                }
            }
        }
    }
}

/// Lets a node whose signature changed take what it can from the instance it replaces.
fn inherit(slot: &mut NodeSlot, old: &mut NodeSlot) {
    if let (NodeImpl::Dsp(new), NodeImpl::Dsp(old)) = (&mut slot.imp, &mut old.imp) {
        new.inherit(old.as_mut());
    }
}

/// Moves a node's state from `old` into `slot` (the fresh instance goes to `old`).
fn carry(slot: &mut NodeSlot, old: &mut NodeSlot, follow_graph: bool) {
    std::mem::swap(&mut slot.imp, &mut old.imp);
    std::mem::swap(&mut slot.repairs, &mut old.repairs);
    for (new, old) in slot.params.iter_mut().zip(&old.params) {
        new.migrate_from(old, follow_graph);
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::{compile, CompileOptions};
    use crate::graph::Graph;

    fn opts() -> CompileOptions {
        CompileOptions { samplerate: 48_000.0, max_block: 64, smoothing: 0.0 }
    }

    /// A graph of `n` sines and its edit with one more.
    fn graphs(n: usize) -> (Graph, Graph) {
        let mut g = Graph::new();
        for i in 0..n {
            let s = g.add("sine", &[], None).unwrap();
            g.set_param(s, "freq", &[100.0 + i as f32]).unwrap();
            g.connect_output(s, "out").unwrap();
        }
        let mut edited = g.clone();
        let extra = edited.add("saw", &[], None).unwrap();
        edited.connect_output(extra, "out").unwrap();
        (g, edited)
    }

    #[test]
    fn a_planned_migration_carries_the_same_states_as_matching_on_the_audio_thread() {
        let (g, edited) = graphs(50);
        let mut outputs = Vec::new();
        for planned in [true, false] {
            let mut playing = compile(&g, &opts()).unwrap();
            playing.set_generation(1);
            for _ in 0..7 {
                playing.run(64, &[], 0, (None, 0));
            }
            let mut next = compile(&edited, &opts()).unwrap();
            next.set_generation(2);
            if planned {
                next.plan_from(&playing.shadow());
                let plan = next.plan.as_ref().unwrap();
                assert_eq!(plan.pairs.len(), 50, "every sine carries over, the saw is new");
            }
            next.migrate_from(&mut playing);
            next.run(64, &[], 0, (None, 0));
            outputs.push(next.output(64).unwrap().to_vec());
        }
        assert_eq!(outputs[0], outputs[1]);
        // The sines went on from where they were: not the output of a fresh start.
        let mut fresh = compile(&edited, &opts()).unwrap();
        fresh.run(64, &[], 0, (None, 0));
        assert_ne!(outputs[0], fresh.output(64).unwrap());
    }

    #[test]
    fn a_plan_made_against_another_schedule_is_not_trusted() {
        let (g, edited) = graphs(3);
        let mut outputs = Vec::new();
        for stale in [true, false] {
            let mut playing = compile(&g, &opts()).unwrap();
            playing.set_generation(1);
            for _ in 0..5 {
                playing.run(64, &[], 0, (None, 0));
            }
            let mut next = compile(&edited, &opts()).unwrap();
            next.set_generation(2);
            if stale {
                // Planned against another schedule (with a fourth slot `playing` lacks).
                let mut other = compile(&edited, &opts()).unwrap();
                other.set_generation(7);
                next.plan_from(&other.shadow());
            }
            next.migrate_from(&mut playing);
            next.run(64, &[], 0, (None, 0));
            outputs.push(next.output(64).unwrap().to_vec());
        }
        assert_eq!(outputs[0], outputs[1], "the stale plan was used instead of matching by id");
    }
}
