//! Gate and trigger parameters read as note starts and stops on their exact frames, for
//! instruments that run their own envelopes (FM operators, sampler voices).

use crate::node::ParamView;

/// What happens to a lane's note on a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// The gate rose, or the trigger rose while the gate is on (or whatever the gate, if
    /// triggers start notes alone).
    Start,
    /// The gate fell.
    Stop,
}

/// The gate and trigger state of every lane, carried from block to block.
pub(crate) struct Gates {
    gate: Box<[bool]>,
    trigger: Box<[bool]>,
    /// Whether a rising trigger starts a note without the gate (drum-style triggering).
    trigger_alone: bool,
}

impl Gates {
    /// All lanes off.
    pub(crate) fn new(lanes: usize, trigger_alone: bool) -> Self {
        Gates { gate: vec![false; lanes].into(), trigger: vec![false; lanes].into(), trigger_alone }
    }

    #[inline]
    fn edge(&mut self, lane: usize, gate: f32, trigger: f32) -> Option<Edge> {
        let (on, high) = (gate > 0.5, trigger > 0.5);
        let rose = on && !self.gate[lane];
        let fell = !on && self.gate[lane];
        let fired = high && !self.trigger[lane];
        self.gate[lane] = on;
        self.trigger[lane] = high;
        if rose || (fired && (on || self.trigger_alone)) {
            Some(Edge::Start)
        } else if fell {
            Some(Edge::Stop)
        } else {
            None
        }
    }

    /// Cuts lane `lane`'s block of `frames` frames at its edges: calls `stretch(edge, from,
    /// to)` for each run of frames `from..to` in order, `edge` being the change on frame
    /// `from` (`None` for a first run that starts with no change).
    pub(crate) fn scan(
        &mut self,
        lane: usize,
        lanes: usize,
        frames: usize,
        gate: ParamView,
        trigger: ParamView,
        mut stretch: impl FnMut(Option<Edge>, usize, usize),
    ) {
        if let (Some(g), Some(t)) = (gate.as_const(), trigger.as_const()) {
            let edge = self.edge(lane, g[lane], t[lane]);
            stretch(edge, 0, frames);
            return;
        }
        let (mut from, mut edge) = (0, None);
        for f in 0..frames {
            if let Some(e) = self.edge(lane, gate.at(f, lane, lanes), trigger.at(f, lane, lanes)) {
                if f > from {
                    stretch(edge, from, f);
                }
                (from, edge) = (f, Some(e));
            }
        }
        stretch(edge, from, frames);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(gates: &mut Gates, gate: &[f32], trigger: &[f32]) -> Vec<(Option<Edge>, usize, usize)> {
        let mut out = Vec::new();
        gates.scan(0, 1, gate.len(), ParamView::Varying(gate), ParamView::Varying(trigger), |e, a, b| {
            out.push((e, a, b))
        });
        out
    }

    #[test]
    fn edges_cut_the_block_on_their_frames() {
        use Edge::{Start, Stop};
        let mut g = Gates::new(1, false);
        let gate = [0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let trig = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        assert_eq!(
            runs(&mut g, &gate, &trig),
            [(None, 0, 1), (Some(Start), 1, 3), (Some(Start), 3, 5), (Some(Stop), 5, 8)]
        );
        // A trigger without the gate starts nothing, unless triggers start notes alone.
        let mut g = Gates::new(1, true);
        let expected =
            [(None, 0, 1), (Some(Start), 1, 3), (Some(Start), 3, 5), (Some(Stop), 5, 6), (Some(Start), 6, 8)];
        assert_eq!(runs(&mut g, &gate, &trig), expected);
        let mut g = Gates::new(1, false);
        let mut seen = Vec::new();
        g.scan(0, 1, 4, ParamView::Const(&[1.0]), ParamView::Const(&[0.0]), |e, a, b| seen.push((e, a, b)));
        g.scan(0, 1, 4, ParamView::Const(&[1.0]), ParamView::Const(&[0.0]), |e, a, b| seen.push((e, a, b)));
        assert_eq!(seen, [(Some(Start), 0, 4), (None, 0, 4)]);
    }
}
