//! Offline analysis: runs a graph's analyzer nodes over audio with the engine loop, exactly
//! as a live engine would (same nodes, same clock), collecting every frame they publish.

use crate::analysis::feed::FeedInfo;
use crate::compile::{compile, CompileOptions};
use crate::error::{Error, Result};
use crate::graph::{Graph, NodeId};
use crate::processor::Processor;

/// Every frame one feed published.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// What the frames carry.
    pub info: FeedInfo,
    /// Time of each frame on the sample clock (frames since the render's start).
    pub times: Vec<i64>,
    /// Values, `info.width` per frame, frame after frame.
    pub values: Vec<f32>,
}

/// Runs `graph` over `input` (`channels` interleaved, feeding its `input` nodes) and
/// returns the frames of every analyzer, by node id. The feeds are drained after every
/// block, so none is lost however long the input.
pub fn analyze(
    graph: &Graph,
    opts: &CompileOptions,
    input: &[f32],
    channels: usize,
) -> Result<Vec<(NodeId, Collected)>> {
    if channels == 0 || !input.len().is_multiple_of(channels) {
        return Err(Error::Invalid(format!("{} samples do not make frames of {channels} channels", input.len())));
    }
    let mut schedule = compile(graph, opts)?;
    let mut feeds: Vec<(NodeId, crate::analysis::feed::FeedReader, Collected)> = schedule
        .take_feeds()
        .into_iter()
        .map(|(id, r)| {
            let info = r.info().clone();
            (id, r, Collected { info, times: Vec::new(), values: Vec::new() })
        })
        .collect();
    let mut processor = Processor::new(schedule, 16);
    let out_channels = processor.schedule().output_channels().max(1);
    let mut scratch = vec![0.0f32; opts.max_block * out_channels];
    for block in input.chunks(opts.max_block * channels) {
        let frames = block.len() / channels;
        processor.process_duplex(&mut scratch[..frames * out_channels], out_channels, block, channels);
        processor.clear_midi();
        for (_, reader, c) in feeds.iter_mut() {
            reader.drain(&mut c.times, &mut c.values);
        }
    }
    Ok(feeds.into_iter().map(|(id, _, c)| (id, c)).collect())
}
