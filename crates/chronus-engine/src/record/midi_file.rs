//! MIDI recordings streamed to a Standard MIDI File (format 0, 960 ticks per beat at 120
//! BPM, so a tick is 1/1920 s) by a worker thread draining the audio thread's ring. After
//! every flush (at least once a second) the file ends in a valid end-of-track event and its
//! track length is right, so a killed process leaves a readable file.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::{DRAIN_EVERY, FLUSH_EVERY};
use crate::error::{Error, Result};
use crate::processor::StampedMidi;

/// Ticks per beat written in the header.
pub const TICKS_PER_BEAT: u16 = 960;
/// Ticks per second (120 BPM).
const TICKS_PER_SECOND: f64 = 2.0 * TICKS_PER_BEAT as f64;
/// Offset of the track length field (after MThd's 14 bytes and "MTrk").
const TRACK_LENGTH_AT: u64 = 18;
const END_OF_TRACK: [u8; 4] = [0x00, 0xFF, 0x2F, 0x00];

/// A format-0 MIDI file that grows event by event.
pub struct MidiFileWriter {
    file: BufWriter<File>,
    samplerate: f64,
    /// Frame of the first event (tick 0).
    origin: Option<u64>,
    last_tick: u64,
    /// Bytes of the track's events, end-of-track included.
    track: u64,
}

impl MidiFileWriter {
    /// Creates (or truncates) `path`, with events to be stamped in frames at `samplerate`.
    pub fn create(path: &Path, samplerate: f64) -> std::io::Result<MidiFileWriter> {
        let mut file = BufWriter::new(File::create(path)?);
        file.write_all(b"MThd")?;
        file.write_all(&6u32.to_be_bytes())?;
        file.write_all(&[0, 0, 0, 1])?;
        file.write_all(&TICKS_PER_BEAT.to_be_bytes())?;
        file.write_all(b"MTrk")?;
        // 120 BPM (500,000 µs per beat) at tick 0, then the end of the track.
        let tempo = [0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20];
        file.write_all(&((tempo.len() + END_OF_TRACK.len()) as u32).to_be_bytes())?;
        file.write_all(&tempo)?;
        file.write_all(&END_OF_TRACK)?;
        file.flush()?;
        Ok(MidiFileWriter {
            file,
            samplerate,
            origin: None,
            last_tick: 0,
            track: (tempo.len() + END_OF_TRACK.len()) as u64,
        })
    }

    /// Appends `events` (frames of the sample clock, in order).
    pub fn write(&mut self, events: &[StampedMidi]) -> std::io::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // Write over the end-of-track event, then put it back after the new events.
        self.file.seek(SeekFrom::End(-(END_OF_TRACK.len() as i64)))?;
        self.track -= END_OF_TRACK.len() as u64;
        let mut bytes = [0u8; 3];
        for (frame, event) in events {
            let n = event.to_midi(&mut bytes);
            if n == 0 {
                continue;
            }
            let origin = *self.origin.get_or_insert(*frame);
            let seconds = frame.saturating_sub(origin) as f64 / self.samplerate;
            let tick = ((seconds * TICKS_PER_SECOND).round() as u64).max(self.last_tick);
            let delta = variable_length(tick - self.last_tick);
            self.file.write_all(&delta)?;
            self.file.write_all(&bytes[..n])?;
            self.track += (delta.len() + n) as u64;
            self.last_tick = tick;
        }
        self.file.write_all(&END_OF_TRACK)?;
        self.track += END_OF_TRACK.len() as u64;
        Ok(())
    }

    /// Makes the file readable as it stands (events written, track length right).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        self.file.seek(SeekFrom::Start(TRACK_LENGTH_AT))?;
        self.file.write_all(&(self.track.min(u32::MAX as u64) as u32).to_be_bytes())?;
        self.file.seek(SeekFrom::End(0))?;
        self.file.flush()
    }
}

/// A MIDI delta time as a variable-length quantity (7 bits a byte, high bit = more).
fn variable_length(mut value: u64) -> Vec<u8> {
    value = value.min(0x0FFF_FFFF);
    let mut out = vec![(value & 0x7F) as u8];
    value >>= 7;
    while value > 0 {
        out.push(0x80 | (value & 0x7F) as u8);
        value >>= 7;
    }
    out.reverse();
    out
}

/// The control side of a MIDI recording streamed to a file.
pub struct MidiFileRecorder {
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<std::io::Result<u64>>>,
    path: PathBuf,
}

impl MidiFileRecorder {
    /// Starts a worker writing what arrives in `ring` to `path`.
    pub fn start(path: &Path, samplerate: f64, mut ring: rtrb::Consumer<StampedMidi>) -> Result<MidiFileRecorder> {
        let mut writer = MidiFileWriter::create(path, samplerate)
            .map_err(|e| Error::Device(format!("cannot record MIDI to {}: {e}", path.display())))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let worker = std::thread::Builder::new()
            .name("chronus-record-midi".into())
            .spawn(move || {
                let mut batch = Vec::new();
                let mut count = 0u64;
                let mut flushed = Instant::now();
                loop {
                    // Once the audio thread let go of the ring, what is left is all there is.
                    let last = flag.load(Ordering::Acquire) || ring.is_abandoned();
                    batch.clear();
                    while let Ok(m) = ring.pop() {
                        batch.push(m);
                    }
                    writer.write(&batch)?;
                    count += batch.len() as u64;
                    if last {
                        writer.flush()?;
                        return Ok(count);
                    }
                    if flushed.elapsed() >= FLUSH_EVERY {
                        writer.flush()?;
                        flushed = Instant::now();
                    }
                    std::thread::sleep(DRAIN_EVERY);
                }
            })
            .map_err(|e| Error::Device(format!("cannot start the MIDI recording worker: {e}")))?;
        Ok(MidiFileRecorder { stop, worker: Some(worker), path: path.to_owned() })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the worker has written everything and closed the file (it does once the
    /// audio thread lets go of the ring).
    pub fn is_done(&self) -> bool {
        self.worker.as_ref().is_none_or(|w| w.is_finished())
    }

    /// Writes what is left and closes the file; returns the messages recorded.
    pub fn finish(mut self) -> Result<u64> {
        self.stop.store(true, Ordering::Release);
        let outcome = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the MIDI recording worker panicked")),
            None => Ok(0),
        };
        outcome.map_err(|e| Error::Device(format!("writing {} failed: {e}", self.path.display())))
    }
}

impl Drop for MidiFileRecorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NodeEvent;

    #[test]
    fn delta_times_are_variable_length_quantities() {
        assert_eq!(variable_length(0), [0x00]);
        assert_eq!(variable_length(0x7F), [0x7F]);
        assert_eq!(variable_length(0x80), [0x81, 0x00]);
        assert_eq!(variable_length(0x0FFF_FFFF), [0xFF, 0xFF, 0xFF, 0x7F]);
    }

    #[test]
    fn the_file_is_complete_after_every_flush() {
        let path = std::env::temp_dir().join(format!("chronus-midi-{}.mid", std::process::id()));
        let mut w = MidiFileWriter::create(&path, 48_000.0).unwrap();
        let on = NodeEvent::NoteOn { channel: 0, note: 60, velocity: 100.0 / 127.0 };
        w.write(&[(1000, on), (1000 + 24_000, NodeEvent::NoteOff { channel: 0, note: 60 })]).unwrap();
        w.flush().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let smf = midly::Smf::parse(&bytes).unwrap();
        let events: Vec<_> = smf.tracks[0].iter().map(|e| (e.delta.as_int(), e.kind)).collect();
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(events[1].0, 0);
        assert_eq!(events[2].0, 960, "half a second at 120 BPM is one beat");
        assert!(matches!(events[3].1, midly::TrackEventKind::Meta(midly::MetaMessage::EndOfTrack)));
        std::fs::remove_file(path).unwrap();
    }
}
