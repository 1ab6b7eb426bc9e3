//! Offline rendering: the live engine loop driven by a plain loop instead of a device.

use crate::compile::{compile, CompileOptions};
use crate::error::{Error, Result};
use crate::event::{Event, EventKind};
use crate::graph::Graph;
use crate::processor::Processor;

/// Events the offline driver keeps queued ahead of the render position.
const EVENT_WINDOW: usize = 4096;

/// An interleaved render.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Samples, `frames * channels`, interleaved.
    pub samples: Vec<f32>,
    /// Channels per frame.
    pub channels: usize,
}

/// Renders `frames` frames of `graph`, applying `events` (in any order) on their frames.
pub fn render(graph: &Graph, opts: &CompileOptions, frames: usize, events: &[Event]) -> Result<Rendered> {
    let schedule = compile(graph, opts)?;
    let channels = schedule.output_channels();
    if channels == 0 {
        return Err(Error::Invalid("the graph has no output: connect a signal to the output".into()));
    }
    for e in events {
        check_event(graph, &schedule, e)?;
    }
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.time);
    let mut processor = Processor::new(schedule, EVENT_WINDOW);
    let mut samples = vec![0.0f32; frames * channels];
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
        processor.process(&mut samples[done * channels..(done + n) * channels], channels);
        done += n;
    }
    Ok(Rendered { samples, channels })
}

/// Checks an event against the graph and the compiled lane counts, naming the culprit.
pub fn check_event(graph: &Graph, schedule: &crate::schedule::Schedule, event: &Event) -> Result<()> {
    match event.kind {
        EventKind::Param { node, param, lane, value, .. } => {
            let desc = graph.node(node)?;
            if param as usize >= desc.spec.params.len() {
                return Err(Error::Unknown(format!("{} has no parameter #{param}", graph.name(node))));
            }
            graph.check_value(node, param, value)?;
            let lanes = schedule.lanes(node).unwrap_or(1);
            if let Some(l) = lane.filter(|l| *l as usize >= lanes) {
                return Err(Error::Invalid(format!(
                    "{}: lane {l} of parameter '{}' does not exist (the node runs {lanes} lanes)",
                    graph.name(node),
                    desc.spec.params[param as usize].name
                )));
            }
            Ok(())
        }
    }
}
