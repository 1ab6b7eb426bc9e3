//! Carrying node state across a swap: nodes that survive an edit unchanged (same id, or
//! the id a transition renamed them from, and the same [`Signature`]) move their DSP state
//! and parameter glides into the new schedule; a node whose signature changed may inherit
//! what it can from the instance it replaces ([`crate::node::Node::inherit`]: a swapped kernel).

use super::{NodeImpl, Schedule};

impl Schedule {
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
        // Two passes: nodes that inherit from an old instance (a kernel swapped for another)
        // copy its state before the second pass moves it away (an edit's transition can also
        // play the old instance on under a fresh id).
        for inherit in [true, false] {
            for (index, slot) in self.slots.iter_mut().enumerate() {
                let origin = match self.origins.binary_search_by_key(&slot.id, |o| o.0) {
                    Ok(i) => self.origins[i].1,
                    Err(_) => slot.id,
                };
                let Some(old_index) = old.slot_index(origin) else { continue };
                let old_slot = &mut old.slots[old_index];
                let same = old_slot.signature == slot.signature;
                if inherit && !same && old_slot.signature.kind == slot.signature.kind {
                    if let (NodeImpl::Dsp(new), NodeImpl::Dsp(old)) = (&mut slot.imp, &mut old_slot.imp) {
                        new.inherit(old.as_mut());
                    }
                }
                if inherit || !same {
                    continue;
                }
                std::mem::swap(&mut slot.imp, &mut old_slot.imp);
                std::mem::swap(&mut slot.repairs, &mut old_slot.repairs);
                self.inspector.set_timing(index, old.inspector.timing(old_index));
                for (new, old) in slot.params.iter_mut().zip(&old_slot.params) {
                    new.migrate_from(old, follow_graph);
                }
            }
        }
    }
}
