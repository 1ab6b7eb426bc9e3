//! FLAC files written while they grow, encoded by flacenc (a maintained pure-Rust encoder)
//! one fixed-size frame at a time. The 42-byte header (`fLaC` and STREAMINFO) is rewritten
//! at every flush with the samples encoded so far, so a process killed mid-take leaves a
//! file whose header matches its frames; the MD5 signature is written on a clean finish
//! only (FLAC reads all zeros as "not computed").

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, Stream};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

use super::{quantize, FileWriter};

/// Frames per FLAC block (libFLAC's default for 44.1/48 kHz).
const BLOCK: usize = 4096;

fn other(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("FLAC: {e}"))
}

pub(crate) struct FlacWriter {
    file: BufWriter<File>,
    channels: usize,
    bits: u32,
    /// Holds the STREAMINFO (no frames): written as the header.
    stream: Stream,
    config: Verified<config::Encoder>,
    frame: FrameBuf,
    context: Context,
    /// Quantized samples waiting for a whole block.
    pending: Vec<i32>,
    sink: ByteSink,
    largest_block: usize,
}

impl FlacWriter {
    pub(crate) fn create(path: &Path, channels: usize, rate: u32, bits: u32) -> std::io::Result<FlacWriter> {
        let mut w = FlacWriter {
            file: BufWriter::with_capacity(1 << 16, File::create(path)?),
            channels,
            bits,
            stream: Stream::new(rate as usize, channels, bits as usize).map_err(other)?,
            config: config::Encoder::default().into_verified().map_err(|(_, e)| other(e))?,
            frame: FrameBuf::with_size(channels, BLOCK).map_err(other)?,
            context: Context::new(bits as usize, channels),
            pending: Vec::with_capacity(2 * BLOCK * channels),
            sink: ByteSink::new(),
            largest_block: 0,
        };
        let header = w.header()?;
        w.file.write_all(&header)?;
        w.file.flush()?;
        Ok(w)
    }

    fn header(&self) -> std::io::Result<Vec<u8>> {
        let mut sink = ByteSink::new();
        self.stream.write(&mut sink).map_err(other)?;
        Ok(sink.into_inner())
    }

    /// Encodes and writes one block of `samples` (at most [`BLOCK`] frames, interleaved).
    fn encode(&mut self, samples: &[i32]) -> std::io::Result<()> {
        (&mut self.frame, &mut self.context).fill_interleaved(samples).map_err(other)?;
        let number = self.context.current_frame_number().unwrap_or(0);
        let frame = flacenc::encode_fixed_size_frame(&self.config, &self.frame, number, self.stream.stream_info())
            .map_err(other)?;
        self.stream.stream_info_mut().update_frame_info(&frame);
        self.largest_block = self.largest_block.max(samples.len() / self.channels);
        self.sink.clear();
        frame.write(&mut self.sink).map_err(other)?;
        self.file.write_all(self.sink.as_slice())
    }

    fn rewrite_header(&mut self) -> std::io::Result<()> {
        let total = self.context.total_samples();
        self.stream.stream_info_mut().set_total_samples(total);
        let header = self.header()?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(&header)?;
        self.file.seek(SeekFrom::End(0))?;
        self.file.flush()
    }
}

impl FileWriter for FlacWriter {
    fn write(&mut self, samples: &[f32]) -> std::io::Result<()> {
        let bits = self.bits;
        self.pending.extend(samples.iter().map(|x| quantize(*x, bits)));
        let whole = BLOCK * self.channels;
        let mut done = 0;
        while self.pending.len() - done >= whole {
            let block = self.pending[done..done + whole].to_vec();
            self.encode(&block)?;
            done += whole;
        }
        self.pending.drain(..done);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Whole blocks only: the partial one waits (at most 85 ms at 48 kHz) for the next
        // write, so the stream keeps one block size.
        self.file.flush()?;
        self.rewrite_header()
    }

    fn finish(mut self: Box<Self>) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.encode(&rest)?;
        }
        if self.largest_block > 0 {
            // One block size throughout (the shorter last block is allowed by the format).
            let b = self.largest_block;
            self.stream.stream_info_mut().set_block_sizes(b, b).map_err(other)?;
        }
        let digest = self.context.md5_digest();
        self.stream.stream_info_mut().set_md5_digest(&digest);
        self.file.flush()?;
        self.rewrite_header()?;
        self.file.get_ref().sync_all()
    }
}
