//! What the audio thread reports about itself: timing, counters and output meters, published
//! as a whole snapshot after every callback (the latest one wins).

use std::time::Duration;

/// Most output channels metered.
pub const MAX_METERED: usize = 32;
/// Buckets of the callback-time histogram, log-spaced from 1 µs to 1 s (5.5% wide each);
/// the first and last buckets also collect everything below and above.
pub const TIME_BUCKETS: usize = 256;
/// Decades of callback time the histogram spans (1 µs to 1 s).
const TIME_DECADES: f64 = 6.0;
/// Lower edge of the first bucket, in seconds.
const TIME_FLOOR: f64 = 1e-6;

/// The engine's state as of its last callback.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    /// Sample clock after the last callback, in frames since start.
    pub clock: u64,
    /// When the last callback started, in nanoseconds since the engine's epoch.
    pub callback_start_ns: u64,
    /// Frames in the last callback.
    pub callback_frames: u32,
    /// Callbacks so far.
    pub callbacks: u64,
    /// Total time spent processing, in nanoseconds.
    pub busy_ns: u64,
    /// Longest callback, in nanoseconds.
    pub worst_ns: u64,
    /// Callbacks that took longer than the audio they produced (`frames / samplerate`):
    /// each would be a dropout on a device that buffers no more than one callback.
    pub late_callbacks: u64,
    /// Callbacks by processing time (log-spaced buckets, see [`TIME_BUCKETS`]).
    pub time_histogram: [u32; TIME_BUCKETS],
    /// Events applied after their time (at the start of the block that received them).
    pub late_events: u64,
    /// Events whose target node or lane no longer exists.
    pub orphan_events: u64,
    /// Future events that found the event queue full and were not applied.
    pub dropped_events: u64,
    /// Events sent by the control thread that the audio thread has applied (or found
    /// orphaned): with its own count of events sent, the control side knows the room left.
    pub events_done: u64,
    /// Schedules swapped in.
    pub swaps: u64,
    /// Declicked edits whose crossfade finished.
    pub crossfades: u64,
    /// Blocks after which a node found its state non-finite and reset it (all nodes).
    pub node_resets: u64,
    /// Non-finite samples meters left out of their readings.
    pub ignored_samples: u64,
    /// Frames the capture tap could not store because its reader fell behind.
    pub capture_overruns: u64,
    /// Frames of device input missing when the output needed them (duplex via two streams).
    pub input_underruns: u64,
    /// Decaying peak of each output channel (linear).
    pub peak: [f32; MAX_METERED],
    /// RMS of each output channel over about 300 ms (linear).
    pub rms: [f32; MAX_METERED],
    /// Output channels metered.
    pub channels: u32,
    /// Transport position in beats (the resume position when stopped).
    pub beat: f64,
    /// Tempo at that position in beats per minute (0 without a transport).
    pub bpm: f64,
    /// Whether the transport plays.
    pub playing: bool,
    /// Events waiting in the transport for their beat.
    pub cued: u32,
    /// Cue commands the audio thread has taken (cued, or dropped when the transport was
    /// full or missing).
    pub cues_received: u64,
    /// The last controller message received: (channel, controller, value 0..127), for MIDI
    /// learn; (-1, -1, -1) before any.
    pub last_cc: (i32, i32, i32),
    /// MIDI messages received so far.
    pub midi_received: u64,
    /// Controller messages received so far.
    pub cc_received: u64,
    /// MIDI messages lost because the per-callback MIDI buffers were full.
    pub dropped_midi: u64,
    /// The device's own frame counter at the start of the last callback (JACK frame time),
    /// to relate the sample clock to other clients.
    pub device_frame: u64,
    /// Callbacks that left commands waiting for the next one (more than
    /// [`super::audio::COMMANDS_PER_CALLBACK`] waited, or a swap came first).
    pub commands_deferred: u64,
    /// Track events a very dense looping track could not play within one block (skipped
    /// and counted rather than stalling the callback).
    pub skipped_track_events: u64,
    /// Callbacks that panicked (caught at the engine's edge; the output is silent after).
    pub audio_panics: u64,
    /// Whether a panic stopped the engine (it outputs silence until closed).
    pub faulted: bool,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            clock: 0,
            callback_start_ns: 0,
            callback_frames: 0,
            callbacks: 0,
            busy_ns: 0,
            worst_ns: 0,
            late_callbacks: 0,
            time_histogram: [0; TIME_BUCKETS],
            late_events: 0,
            orphan_events: 0,
            dropped_events: 0,
            events_done: 0,
            swaps: 0,
            crossfades: 0,
            node_resets: 0,
            ignored_samples: 0,
            capture_overruns: 0,
            input_underruns: 0,
            peak: [0.0; MAX_METERED],
            rms: [0.0; MAX_METERED],
            channels: 0,
            beat: 0.0,
            bpm: 0.0,
            playing: false,
            cued: 0,
            cues_received: 0,
            last_cc: (-1, -1, -1),
            midi_received: 0,
            cc_received: 0,
            dropped_midi: 0,
            device_frame: 0,
            commands_deferred: 0,
            skipped_track_events: 0,
            audio_panics: 0,
            faulted: false,
        }
    }
}

impl Snapshot {
    /// Records one callback of `frames` frames that took `busy`, at `samplerate` (Hz).
    pub(crate) fn record_callback(&mut self, frames: usize, busy: Duration, samplerate: f64) {
        let ns = busy.as_nanos() as u64;
        self.callbacks += 1;
        if busy.as_secs_f64() * samplerate > frames as f64 {
            self.late_callbacks += 1;
        }
        self.callback_frames = frames as u32;
        self.busy_ns += ns;
        self.worst_ns = self.worst_ns.max(ns);
        let position = (busy.as_secs_f64() / TIME_FLOOR).max(1.0).log10() / TIME_DECADES * TIME_BUCKETS as f64;
        self.time_histogram[(position as usize).min(TIME_BUCKETS - 1)] += 1;
    }

    /// Mean fraction of the available time spent processing (1.0 = fully loaded).
    pub fn load(&self, samplerate: f64) -> f64 {
        let available = self.clock as f64 / samplerate;
        if available > 0.0 {
            self.busy_ns as f64 * 1e-9 / available
        } else {
            0.0
        }
    }

    /// The callback time in seconds that a fraction `q` of callbacks stayed under (upper
    /// edge of its histogram bucket, so within 5.5% above the true quantile; never above
    /// the worst callback).
    pub fn time_quantile(&self, q: f64) -> f64 {
        let total: u64 = self.time_histogram.iter().map(|c| *c as u64).sum();
        if total == 0 {
            return 0.0;
        }
        let target = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        let mut edge = TIME_BUCKETS;
        for (i, c) in self.time_histogram.iter().enumerate() {
            seen += *c as u64;
            if seen >= target {
                edge = i + 1;
                break;
            }
        }
        let upper = TIME_FLOOR * 10f64.powf(edge as f64 / TIME_BUCKETS as f64 * TIME_DECADES);
        upper.min(self.worst_ns as f64 * 1e-9)
    }
}

/// Peak and RMS meters with the ballistics of a studio meter: peaks fall 20 dB in 1.5 s,
/// RMS averages over about 300 ms.
pub(crate) struct Meters {
    channels: usize,
    peak_fall_per_frame: f32,
    rms_coef_per_frame: f32,
    mean_square: [f32; MAX_METERED],
    peak: [f32; MAX_METERED],
}

impl Meters {
    pub(crate) fn new(channels: usize, samplerate: f64) -> Self {
        Meters {
            channels: channels.min(MAX_METERED),
            peak_fall_per_frame: 0.1f64.powf(1.0 / (1.5 * samplerate)) as f32,
            rms_coef_per_frame: (-1.0 / (0.3 * samplerate)).exp() as f32,
            mean_square: [0.0; MAX_METERED],
            peak: [0.0; MAX_METERED],
        }
    }

    /// Feeds an interleaved block with `stride` channels per frame.
    pub(crate) fn update(&mut self, block: &[f32], stride: usize, snapshot: &mut Snapshot) {
        let frames = block.len() / stride.max(1);
        if frames == 0 {
            return;
        }
        let fall = self.peak_fall_per_frame.powi(frames as i32);
        let keep = self.rms_coef_per_frame.powi(frames as i32);
        for c in 0..self.channels {
            let (mut peak, mut sum) = (0.0f32, 0.0f32);
            for x in block.iter().skip(c).step_by(stride) {
                peak = peak.max(x.abs());
                sum += x * x;
            }
            self.peak[c] = (self.peak[c] * fall).max(peak);
            self.mean_square[c] = keep * self.mean_square[c] + (1.0 - keep) * sum / frames as f32;
            snapshot.peak[c] = self.peak[c];
            snapshot.rms[c] = self.mean_square[c].sqrt();
        }
        snapshot.channels = self.channels as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_longer_than_their_audio_are_counted_late() {
        let mut s = Snapshot::default();
        // 256 frames at 48 kHz last 5.333 ms.
        s.record_callback(256, Duration::from_micros(5_300), 48_000.0);
        s.record_callback(128, Duration::from_micros(2_700), 48_000.0);
        s.record_callback(256, Duration::from_micros(5_400), 48_000.0);
        assert_eq!((s.callbacks, s.late_callbacks), (3, 2));
        assert_eq!(s.worst_ns, 5_400_000);
    }
}
