//! Where incoming MIDI goes: per-channel routes to nodes, and controller (CC) mappings onto
//! any parameter with a range and a curve (MIDI learn binds one from the last CC seen).

use crate::event::NodeEvent;
use crate::graph::NodeId;

/// How a controller's 0..1 position maps onto a parameter's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Curve {
    /// Evenly from min to max.
    Linear,
    /// Geometrically from min to max (equal ratios per step: frequencies, times); min and
    /// max must have the same sign and not be 0.
    Exponential,
    /// `min + x^p (max - min)`: p > 1 spends more of the travel near min.
    Power(f32),
}

/// A controller bound to a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CcMapping {
    /// MIDI channel, or any.
    pub channel: Option<u8>,
    /// Controller number 0 to 127.
    pub controller: u8,
    /// Target node.
    pub node: NodeId,
    /// Parameter index on the node.
    pub param: u16,
    /// Value at controller position 0.
    pub min: f32,
    /// Value at controller position 1.
    pub max: f32,
    /// Shape of the travel.
    pub curve: Curve,
}

impl CcMapping {
    /// Whether this mapping listens to `controller` on `channel`.
    pub fn matches(&self, channel: u8, controller: u8) -> bool {
        self.controller == controller && self.channel.is_none_or(|c| c == channel)
    }

    /// The parameter value for controller position `x` in [0, 1].
    pub fn value(&self, x: f32) -> f32 {
        let x = x.clamp(0.0, 1.0);
        match self.curve {
            Curve::Linear => self.min + x * (self.max - self.min),
            Curve::Exponential => self.min * (self.max / self.min).powf(x),
            Curve::Power(p) => self.min + x.powf(p) * (self.max - self.min),
        }
    }
}

/// Routes for incoming MIDI: which node hears each channel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MidiRoutes {
    /// Node per MIDI channel.
    pub by_channel: [Option<NodeId>; 16],
}

impl MidiRoutes {
    /// Every channel to `node`.
    pub fn omni(node: NodeId) -> MidiRoutes {
        MidiRoutes { by_channel: [Some(node); 16] }
    }

    /// The node an event goes to (AllNotesOff goes to channel 0's node).
    pub fn target(&self, event: &NodeEvent) -> Option<NodeId> {
        let channel = match *event {
            NodeEvent::NoteOn { channel, .. }
            | NodeEvent::NoteOff { channel, .. }
            | NodeEvent::Control { channel, .. }
            | NodeEvent::PitchBend { channel, .. }
            | NodeEvent::Program { channel, .. } => channel,
            NodeEvent::AllNotesOff => 0,
        };
        self.by_channel[(channel & 15) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_span_the_range() {
        let m = |curve| CcMapping { channel: None, controller: 1, node: 0, param: 0, min: 100.0, max: 10_000.0, curve };
        assert_eq!(m(Curve::Linear).value(0.5), 5050.0);
        assert!((m(Curve::Exponential).value(0.5) - 1000.0).abs() < 1e-2);
        assert_eq!(m(Curve::Power(2.0)).value(0.5), 100.0 + 0.25 * 9900.0);
        assert_eq!(m(Curve::Exponential).value(1.0), 10_000.0);
        assert!(m(Curve::Linear).matches(3, 1) && !m(Curve::Linear).matches(3, 2));
    }
}
