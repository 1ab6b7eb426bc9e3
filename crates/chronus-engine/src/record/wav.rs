//! WAV files written while they grow. The header is rewritten at every flush so it always
//! describes the data written so far; a 36-byte `JUNK` chunk after `WAVE` reserves the room
//! for an RF64 `ds64` chunk, which replaces it once the file passes 4 GB (EBU Tech 3306).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use super::{quantize, FileWriter};

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    /// IEEE float, 32 bits.
    F32,
    /// Signed PCM, 16 bits.
    I16,
    /// Signed PCM, 24 bits.
    I24,
}

impl Sample {
    fn bytes(self) -> usize {
        match self {
            Sample::F32 => 4,
            Sample::I16 => 2,
            Sample::I24 => 3,
        }
    }
}

/// Bytes before the samples: RIFF header (12), JUNK/ds64 (8 + 28), fmt (8 + 16), data (8).
const HEADER: usize = 80;

pub(crate) struct WavWriter {
    file: BufWriter<File>,
    channels: usize,
    rate: u32,
    sample: Sample,
    /// Sample bytes written so far.
    data: u64,
    scratch: Vec<u8>,
}

impl WavWriter {
    pub(crate) fn create(path: &Path, channels: usize, rate: u32, sample: Sample) -> std::io::Result<WavWriter> {
        let mut w = WavWriter {
            file: BufWriter::with_capacity(1 << 16, File::create(path)?),
            channels,
            rate,
            sample,
            data: 0,
            scratch: Vec::new(),
        };
        let header = w.header();
        w.file.write_all(&header)?;
        w.file.flush()?;
        Ok(w)
    }

    /// The header for the data written so far: RIFF while it fits in 4 GB, else RF64.
    fn header(&self) -> [u8; HEADER] {
        let mut h = [0u8; HEADER];
        let block = (self.channels * self.sample.bytes()) as u64;
        let riff = (HEADER as u64 - 8) + self.data;
        let large = riff > u32::MAX as u64;
        let u32_or_max = |x: u64| if large { u32::MAX } else { x as u32 };
        h[0..4].copy_from_slice(if large { b"RF64" } else { b"RIFF" });
        h[4..8].copy_from_slice(&u32_or_max(riff).to_le_bytes());
        h[8..12].copy_from_slice(b"WAVE");
        h[12..16].copy_from_slice(if large { b"ds64" } else { b"JUNK" });
        h[16..20].copy_from_slice(&28u32.to_le_bytes());
        if large {
            h[20..28].copy_from_slice(&riff.to_le_bytes());
            h[28..36].copy_from_slice(&self.data.to_le_bytes());
            h[36..44].copy_from_slice(&(self.data / block).to_le_bytes());
        }
        h[48..52].copy_from_slice(b"fmt ");
        h[52..56].copy_from_slice(&16u32.to_le_bytes());
        let tag: u16 = if self.sample == Sample::F32 { 3 } else { 1 };
        h[56..58].copy_from_slice(&tag.to_le_bytes());
        h[58..60].copy_from_slice(&(self.channels as u16).to_le_bytes());
        h[60..64].copy_from_slice(&self.rate.to_le_bytes());
        h[64..68].copy_from_slice(&((self.rate as u64 * block) as u32).to_le_bytes());
        h[68..70].copy_from_slice(&(block as u16).to_le_bytes());
        h[70..72].copy_from_slice(&((self.sample.bytes() * 8) as u16).to_le_bytes());
        h[72..76].copy_from_slice(b"data");
        h[76..80].copy_from_slice(&u32_or_max(self.data).to_le_bytes());
        h
    }

    fn rewrite_header(&mut self) -> std::io::Result<()> {
        let header = self.header();
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(&header)?;
        self.file.seek(SeekFrom::End(0))?;
        self.file.flush()
    }
}

impl FileWriter for WavWriter {
    fn write(&mut self, samples: &[f32]) -> std::io::Result<()> {
        self.scratch.clear();
        match self.sample {
            Sample::F32 => samples.iter().for_each(|x| self.scratch.extend_from_slice(&x.to_le_bytes())),
            Sample::I16 => {
                samples.iter().for_each(|x| self.scratch.extend_from_slice(&(quantize(*x, 16) as i16).to_le_bytes()))
            }
            Sample::I24 => {
                samples.iter().for_each(|x| self.scratch.extend_from_slice(&quantize(*x, 24).to_le_bytes()[..3]))
            }
        }
        self.file.write_all(&self.scratch)?;
        self.data += self.scratch.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // The data first, then the header that describes it: a kill between the two leaves
        // a header describing less than the file holds, which readers accept.
        self.file.flush()?;
        self.rewrite_header()
    }

    fn finish(mut self: Box<Self>) -> std::io::Result<()> {
        if self.data % 2 == 1 {
            self.file.write_all(&[0])?;
        }
        self.file.flush()?;
        self.rewrite_header()?;
        self.file.get_ref().sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_switches_to_rf64_past_4_gb() {
        let path = std::env::temp_dir().join(format!("chronus-wav-header-{}.wav", std::process::id()));
        let mut w = WavWriter::create(&path, 2, 48_000, Sample::F32).unwrap();
        let h = w.header();
        assert_eq!((&h[0..4], &h[12..16], &h[72..76]), (&b"RIFF"[..], &b"JUNK"[..], &b"data"[..]));
        assert_eq!(u32::from_le_bytes(h[4..8].try_into().unwrap()), 72);
        w.data = 5_000_000_000;
        let h = w.header();
        assert_eq!((&h[0..4], &h[12..16]), (&b"RF64"[..], &b"ds64"[..]));
        assert_eq!(u32::from_le_bytes(h[76..80].try_into().unwrap()), u32::MAX);
        assert_eq!(u64::from_le_bytes(h[28..36].try_into().unwrap()), 5_000_000_000);
        assert_eq!(u64::from_le_bytes(h[36..44].try_into().unwrap()), 625_000_000);
        drop(w);
        std::fs::remove_file(path).unwrap();
    }
}
