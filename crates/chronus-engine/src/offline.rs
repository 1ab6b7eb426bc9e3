//! Offline rendering: the live engine loop driven by a plain loop instead of a device.

use crate::compile::{compile, Builtin, CompileOptions};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::graph::Graph;
use crate::midi::CcMapping;
use crate::processor::{Processor, TransportCommand};
use crate::sequence::{TempoMap, Track, Transport, DEFAULT_BPM};

/// Events the offline driver keeps queued ahead of the render position.
const EVENT_WINDOW: usize = 4096;

/// A render, channel by channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Samples, planar: channel `c` is `samples[c * frames..(c + 1) * frames]`.
    pub samples: Vec<f32>,
    /// Channels per frame.
    pub channels: usize,
}

/// Device-like input for an offline render: interleaved samples and their channel count.
/// Frames past its end are silent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    /// Interleaved samples.
    pub samples: &'a [f32],
    /// Channels per frame.
    pub channels: usize,
}

/// Music for an offline render: tracks under a tempo map, played from beat 0 at frame 0,
/// and controller mappings.
#[derive(Debug, Clone, PartialEq)]
pub struct Song {
    /// Where the beats fall.
    pub tempo: TempoMap,
    /// What plays.
    pub tracks: Vec<Track>,
    /// Controllers mapped onto parameters.
    pub cc_maps: Vec<CcMapping>,
}

impl Song {
    /// Nothing but a steady [`DEFAULT_BPM`].
    pub fn at_default_tempo() -> Song {
        Song { tempo: TempoMap::constant(DEFAULT_BPM).expect("a valid tempo"), tracks: vec![], cc_maps: vec![] }
    }
}

/// What to render.
#[derive(Debug, Clone, Default)]
pub struct RenderJob<'a> {
    /// Length in frames.
    pub frames: usize,
    /// Events (any order), applied on their frames.
    pub events: &'a [Event],
    /// Audio playing the part of the device input for `input` nodes.
    pub input: Input<'a>,
    /// Tracks played by the transport from frame 0.
    pub song: Option<Song>,
}

/// Renders `job` with `graph`.
pub fn render(graph: &Graph, opts: &CompileOptions, job: RenderJob) -> Result<Rendered> {
    let RenderJob { frames, events, input, song } = job;
    let schedule = compile(graph, opts)?;
    let channels = schedule.output_channels();
    if channels == 0 {
        return Err(Error::Invalid("the graph has no output: connect a signal to the output".into()));
    }
    for e in events {
        check_event(graph, |n| schedule.lanes(n), e)?;
    }
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.time);
    let mut processor = Processor::new(schedule, EVENT_WINDOW);
    // A graph that reads the transport gets one (120 BPM) even without a song.
    let reads_clock = graph.nodes().any(|(_, n)| Builtin::of(n.spec) == Some(Builtin::Clock));
    let song = song.or_else(|| reads_clock.then(Song::at_default_tempo));
    if let Some(song) = song {
        for t in &song.tracks {
            for e in t.events.iter() {
                check_event(graph, |n| processor.schedule().lanes(n), &Event { time: 0, kind: e.kind })?;
            }
        }
        for m in &song.cc_maps {
            crate::live::check_mapping(graph, m)?;
        }
        processor.swap_cc_maps(song.cc_maps.into());
        processor.swap_transport(Some(Box::new(Transport::new(song.tempo, song.tracks, opts.samplerate))));
        processor.transport_command(TransportCommand::Start);
    }
    // Planar output, filled block by block from a small interleaved scratch.
    let mut samples = vec![0.0f32; frames * channels];
    let mut scratch = vec![0.0f32; opts.max_block * channels];
    let in_ch = input.channels;
    let mut padded = Vec::new();
    if in_ch > 0 && input.samples.len() < frames * in_ch {
        padded = input.samples.to_vec();
        padded.resize(frames * in_ch, 0.0);
    }
    let input_samples = if padded.is_empty() { input.samples } else { &padded };
    let mut next = 0;
    let mut done = 0;
    while done < frames {
        let mut n = (frames - done).min(opts.max_block);
        let horizon = (done + n) as u64;
        while next < events.len() && events[next].time < horizon {
            if processor.push_event(events[next]).is_err() {
                // Queue full: stop this chunk just before the first event that did not fit.
                n = (events[next].time as usize).saturating_sub(done).max(1);
                break;
            }
            next += 1;
        }
        let inp = if in_ch > 0 { &input_samples[done * in_ch..(done + n) * in_ch] } else { &[][..] };
        let block = &mut scratch[..n * channels];
        processor.process_duplex(block, channels, inp, in_ch);
        for (c, plane) in samples.chunks_exact_mut(frames).enumerate() {
            for (o, x) in plane[done..done + n].iter_mut().zip(block.iter().skip(c).step_by(channels)) {
                *o = *x;
            }
        }
        processor.clear_midi();
        done += n;
    }
    Ok(Rendered { samples, channels })
}

/// Checks an event against the graph and the compiled lane counts (`lanes(node)`), naming
/// the culprit.
pub fn check_event(graph: &Graph, lanes: impl Fn(crate::graph::NodeId) -> Option<usize>, event: &Event) -> Result<()> {
    match event.kind {
        EventKind::Param { node, param, lane, value, .. } => {
            let desc = graph.node(node)?;
            if param as usize >= desc.params().len() {
                return Err(Error::Unknown(format!("{} has no parameter #{param}", graph.name(node))));
            }
            graph.check_value(node, param, value)?;
            let lanes = lanes(node).unwrap_or(1);
            if let Some(l) = lane.filter(|l| *l as usize >= lanes) {
                return Err(Error::Invalid(format!(
                    "{}: lane {l} of parameter '{}' does not exist (the node runs {lanes} lanes)",
                    graph.name(node),
                    desc.params()[param as usize].name
                )));
            }
            Ok(())
        }
        EventKind::Node { node, event } => {
            graph.node(node)?;
            event.check().map_err(|m| Error::Invalid(format!("event for {}: {m}", graph.name(node))))
        }
        EventKind::Midi { event } | EventKind::MidiOut { event } => {
            event.check().map_err(|m| Error::Invalid(format!("MIDI event: {m}")))
        }
    }
}
