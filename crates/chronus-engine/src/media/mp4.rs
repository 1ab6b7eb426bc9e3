//! The edit list of an MP4/M4A audio track, which symphonia reads but does not apply: AAC
//! encoders put priming frames (1024 for FFmpeg, 2112 for Apple's) before the audio and
//! padding after it, and the edit list says which frames are the recording. Without it a
//! clip from an M4A file would start 20 to 50 ms late.

use std::path::Path;

/// Which frames of the decoded track are the recording, at the track's own rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    /// Frames to drop at the start (encoder priming).
    pub skip: u64,
    /// Frames to keep after those, if the edit says (the rest is padding).
    pub keep: Option<u64>,
}

/// Reads a big-endian unsigned integer of `N` bytes at `at`.
fn be(data: &[u8], at: usize, n: usize) -> Option<u64> {
    let bytes = data.get(at..at + n)?;
    Some(bytes.iter().fold(0u64, |v, b| (v << 8) | *b as u64))
}

/// The boxes directly inside `data`: (type, body).
fn boxes(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let size = be(data, at, 4)? as usize;
        let kind = data.get(at + 4..at + 8)?;
        let (header, size) = match size {
            1 => (16, be(data, at + 8, 8)? as usize),
            0 => (8, data.len() - at),
            n => (8, n),
        };
        if size < header || at + size > data.len() {
            return None;
        }
        let body = &data[at + header..at + size];
        at += size;
        Some((kind, body))
    })
}

fn child<'a>(data: &'a [u8], kind: &[u8]) -> Option<&'a [u8]> {
    boxes(data).find(|(k, _)| *k == kind).map(|(_, b)| b)
}

/// Timescale of an `mvhd` or `mdhd` body (they share the layout up to it).
fn timescale(body: &[u8]) -> Option<u64> {
    match body.first()? {
        1 => be(body, 20, 4),
        _ => be(body, 12, 4),
    }
}

/// The body of the top-level `moov` box, read alone (it may sit after the media data).
fn read_moov(path: &Path) -> Option<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let end = file.metadata().ok()?.len();
    let mut at = 0u64;
    while at + 8 <= end {
        let mut header = [0u8; 16];
        file.seek(SeekFrom::Start(at)).ok()?;
        file.read_exact(&mut header[..8]).ok()?;
        let (mut size, mut skip) = (be(&header, 0, 4)?, 8u64);
        if size == 1 {
            file.read_exact(&mut header[8..]).ok()?;
            (size, skip) = (be(&header, 8, 8)?, 16);
        } else if size == 0 {
            size = end - at;
        }
        if size < skip || at + size > end {
            return None;
        }
        if &header[4..8] == b"moov" {
            // A movie header is small; refuse absurd sizes rather than allocate them.
            let len = usize::try_from(size - skip).ok().filter(|n| *n <= 64 << 20)?;
            let mut body = vec![0u8; len];
            file.read_exact(&mut body).ok()?;
            return Some(body);
        }
        at += size;
    }
    None
}

/// The first edit of the first sound track of the MP4 file `path`, if it has one that
/// trims anything; `samplerate` is the track's rate.
pub fn edit(path: &Path, samplerate: u32) -> Option<Edit> {
    let moov = read_moov(path)?;
    let moov = &moov[..];
    let movie_scale = timescale(child(moov, b"mvhd")?)?;
    for (kind, trak) in boxes(moov) {
        if kind != b"trak" {
            continue;
        }
        let mdia = child(trak, b"mdia")?;
        if child(mdia, b"hdlr").and_then(|h| h.get(8..12)) != Some(b"soun") {
            continue;
        }
        let media_scale = timescale(child(mdia, b"mdhd")?)?;
        let elst = child(child(trak, b"edts")?, b"elst")?;
        let (version, count) = (*elst.first()?, be(elst, 4, 4)?);
        let entry = 8;
        let (duration, media_time) = match version {
            1 => (be(elst, entry, 8)?, be(elst, entry + 8, 8)? as i64),
            _ => (be(elst, entry, 4)?, be(elst, entry + 4, 4)? as u32 as i32 as i64),
        };
        if count == 0 || media_time < 0 || media_scale == 0 || movie_scale == 0 {
            return None;
        }
        let rate = samplerate as u128;
        let skip = (media_time as u128 * rate / media_scale as u128) as u64;
        let keep = (duration > 0).then(|| (duration as u128 * rate).div_ceil(movie_scale as u128) as u64);
        return (skip > 0 || keep.is_some()).then_some(Edit { skip, keep });
    }
    None
}
