//! Offline rendering: the live engine loop driven by a plain loop instead of a device.

use crate::analysis::batch::Collected;
use crate::analysis::feed::FeedReader;
use crate::compile::{compile, CompileOptions};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::graph::{Graph, NodeId};
use crate::limits;
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

/// Renders `job` with `graph` into memory (refused, naming its size, when that would not
/// fit: render long pieces through a [`Renderer`] instead).
pub fn render(graph: &Graph, opts: &CompileOptions, job: RenderJob) -> Result<Rendered> {
    let frames = job.frames;
    let mut renderer = Renderer::new(graph, opts, job)?;
    let channels = renderer.channels();
    let what = format!(
        "a render of {:.6} s ({frames} frames) of {channels} channels held in memory",
        frames as f64 / opts.samplerate
    );
    let mut samples = limits::zeroed::<f32>(&what, frames.saturating_mul(channels))
        .map_err(|e| Error::Memory(format!("{e} (render to a file to stream it instead)")))?;
    renderer.next_planar(&mut samples, frames);
    Ok(Rendered { samples, channels })
}

/// An offline render produced chunk by chunk, so that memory stays flat however long the
/// render (a file written as it goes, a consumer reading a stream). The engine runs the
/// same blocks whatever the chunk sizes, so the samples are those of [`render`], bit for bit.
pub struct Renderer {
    processor: Processor,
    /// Device-like input, interleaved (`in_channels` per frame).
    input: Vec<f32>,
    in_channels: usize,
    channels: usize,
    frames: usize,
    /// Frames the engine has rendered.
    done: usize,
    /// Frames handed out.
    handed: usize,
    max_block: usize,
    /// The last engine block, interleaved: `ready` frames, `taken` of them handed out.
    scratch: Vec<f32>,
    ready: usize,
    taken: usize,
    /// One block of input past the input's end.
    silence: Vec<f32>,
    /// The feeds the schedule's nodes write (analyzers, probes), by node id, until their
    /// collection is asked for ([`Renderer::collect`]).
    feeds: Vec<(NodeId, FeedReader)>,
    /// Feeds being collected: drained after every block, so that none is lost however long
    /// the render.
    collected: Vec<(NodeId, FeedReader, Collected)>,
}

impl Renderer {
    /// Compiles `graph`, checks the job's song, and gets ready to render `job.frames` frames.
    pub fn new(graph: &Graph, opts: &CompileOptions, job: RenderJob) -> Result<Renderer> {
        let RenderJob { frames, input, song } = job;
        let mut schedule = compile(graph, opts)?;
        let feeds = schedule.take_feeds();
        let channels = schedule.output_channels();
        if channels == 0 {
            return Err(Error::Invalid("the graph has no output: connect a signal to the output".into()));
        }
        check_song(graph, |n| schedule.lanes(n), &song)?;
        let mut processor = Processor::new(schedule, EVENT_CAPACITY);
        processor.load_song(song, true);
        let in_channels = if input.samples.is_empty() { 0 } else { input.channels };
        Ok(Renderer {
            processor,
            input: input.samples.to_vec(),
            in_channels,
            channels,
            frames,
            done: 0,
            handed: 0,
            max_block: opts.max_block,
            scratch: vec![0.0; opts.max_block * channels],
            ready: 0,
            taken: 0,
            silence: vec![0.0; opts.max_block * in_channels],
            feeds,
            collected: Vec::new(),
        })
    }

    /// Keeps every record the feeds of `nodes` publish from now on (the feeds of the
    /// others are left to overflow, uncounted, as nobody reads them), for
    /// [`Renderer::take_collected`]. Naming a node without a feed is an error.
    pub fn collect(&mut self, nodes: &[NodeId]) -> Result<()> {
        for &id in nodes {
            if self.collected.iter().any(|c| c.0 == id) {
                continue;
            }
            let Some(i) = self.feeds.iter().position(|f| f.0 == id) else {
                return Err(Error::Invalid(format!("node {id} publishes no records in this render")));
            };
            let (id, reader) = self.feeds.swap_remove(i);
            let info = reader.info().clone();
            self.collected.push((id, reader, Collected { info, times: Vec::new(), values: Vec::new() }));
        }
        Ok(())
    }

    /// Every record collected so far, by node id, in the order [`Renderer::collect`] was
    /// given them; collecting starts again from empty.
    pub fn take_collected(&mut self) -> Vec<(NodeId, Collected)> {
        self.collected
            .iter_mut()
            .map(|(id, reader, c)| {
                reader.drain(&mut c.times, &mut c.values);
                let empty = Collected { info: c.info.clone(), times: Vec::new(), values: Vec::new() };
                (*id, std::mem::replace(c, empty))
            })
            .collect()
    }

    /// Output channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Frames still to hand out.
    pub fn remaining(&self) -> usize {
        self.frames - self.handed
    }

    /// Renders the next `min(n, remaining)` frames into `out`, planar with a stride of `n`
    /// (channel `c` at `out[c * n..]`; `out` holds `n * channels` values). Returns how many
    /// frames were rendered (0 once done).
    pub fn next_planar(&mut self, out: &mut [f32], n: usize) -> usize {
        let want = n.min(self.remaining());
        let mut got = 0;
        while got < want {
            if self.taken == self.ready {
                self.ready = self.block();
                self.taken = 0;
            }
            let take = (self.ready - self.taken).min(want - got);
            let ch = self.channels;
            for (c, plane) in out.chunks_exact_mut(n).take(ch).enumerate() {
                let src = self.scratch[self.taken * ch..(self.taken + take) * ch].iter().skip(c).step_by(ch);
                for (o, x) in plane[got..got + take].iter_mut().zip(src) {
                    *o = *x;
                }
            }
            self.taken += take;
            got += take;
        }
        self.handed += want;
        want
    }

    /// Renders the next engine block into `scratch`; returns its length.
    fn block(&mut self) -> usize {
        let done = self.done;
        let n = (self.frames - done).min(self.max_block);
        let ic = self.in_channels;
        // Input for these frames: the given samples, silence past their end.
        let available = (self.input.len() / ic.max(1)).saturating_sub(done).min(n);
        let inp: &[f32] = if ic == 0 {
            &[]
        } else if available == n {
            &self.input[done * ic..(done + n) * ic]
        } else {
            self.silence[..n * ic].fill(0.0);
            if available > 0 {
                self.silence[..available * ic].copy_from_slice(&self.input[done * ic..(done + available) * ic]);
            }
            &self.silence[..n * ic]
        };
        let block = &mut self.scratch[..n * self.channels];
        // Streamed files wait for the disk here rather than play silence.
        let _offline = crate::media::stream::OfflineRender::enter();
        self.processor.process_duplex(block, self.channels, inp, ic);
        self.processor.clear_midi();
        for (_, reader, c) in &mut self.collected {
            reader.drain(&mut c.times, &mut c.values);
        }
        self.done += n;
        n
    }
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
