//! Offline rendering: the live engine loop driven by a plain loop instead of a device.

use crate::compile::{compile, CompileOptions};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::graph::Graph;
use crate::processor::Processor;
use crate::sequence::Song;

/// Future events the offline driver's queue can hold (the transport's events of one block,
/// releases): the timeline itself is played from the song, not queued.
const EVENT_CAPACITY: usize = 4096;

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

/// What to render.
#[derive(Debug, Clone, Default)]
pub struct RenderJob<'a> {
    /// Length in frames.
    pub frames: usize,
    /// Audio playing the part of the device input for `input` nodes.
    pub input: Input<'a>,
    /// Everything timed: the timeline and the tracks, played from frame 0 with the
    /// transport running, as a live engine plays them from its start.
    pub song: Song,
}

/// Renders `job` with `graph`.
pub fn render(graph: &Graph, opts: &CompileOptions, job: RenderJob) -> Result<Rendered> {
    let RenderJob { frames, input, song } = job;
    let schedule = compile(graph, opts)?;
    let channels = schedule.output_channels();
    if channels == 0 {
        return Err(Error::Invalid("the graph has no output: connect a signal to the output".into()));
    }
    check_song(graph, |n| schedule.lanes(n), &song)?;
    let mut processor = Processor::new(schedule, EVENT_CAPACITY);
    processor.load_song(song, true);
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
    let mut done = 0;
    while done < frames {
        let n = (frames - done).min(opts.max_block);
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

/// Checks everything a song sends against the graph and the compiled lane counts
/// (`lanes(node)`), naming the culprit.
pub fn check_song(graph: &Graph, lanes: impl Fn(crate::graph::NodeId) -> Option<usize>, song: &Song) -> Result<()> {
    for e in &song.timeline {
        check_event(graph, &lanes, e)?;
    }
    for t in &song.tracks {
        for e in t.events.iter() {
            check_event(graph, &lanes, &Event { time: 0, kind: e.kind })?;
        }
    }
    for m in &song.cc_maps {
        crate::live::check_mapping(graph, m)?;
    }
    Ok(())
}

/// Checks an event against the graph and the compiled lane counts (`lanes(node)`), naming
/// the culprit.
pub fn check_event(graph: &Graph, lanes: &impl Fn(crate::graph::NodeId) -> Option<usize>, event: &Event) -> Result<()> {
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
