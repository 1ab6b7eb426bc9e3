//! Sound cards through cpal: ALSA on Linux, CoreAudio on macOS, WASAPI on Windows. Duplex
//! runs an input stream beside the output stream and hands input across in a ring buffer.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{
    BufferSize, Device, FromSample, Host, SampleFormat, SizedSample, Stream, StreamConfig, SupportedBufferSize,
};

use super::{BackendCounters, DeviceInfo, Opened, Running, StreamInfo, StreamRequest};
use crate::error::{Error, Result};
use crate::live::{AudioSide, Halt};

/// Largest device callback handled in one go (longer ones are chunked).
const CHUNK: usize = 8192;

fn host(name: Option<&str>) -> Result<Host> {
    let Some(name) = name else { return Ok(cpal::default_host()) };
    let ids = cpal::available_hosts();
    let id = ids.iter().find(|id| id.name().eq_ignore_ascii_case(name)).ok_or_else(|| {
        let known: Vec<_> = ids.iter().map(|id| id.name().to_lowercase()).collect();
        Error::Device(format!("unknown backend '{name}' (available: null, jack, {})", known.join(", ")))
    })?;
    cpal::host_from_id(*id).map_err(|e| Error::Device(format!("backend '{name}' is not available: {e}")))
}

fn name_of(device: &Device) -> String {
    device.description().map(|d| d.name().to_owned()).unwrap_or_else(|_| "unnamed device".into())
}

fn find(host: &Host, wanted: Option<&str>, output: bool) -> Result<Device> {
    let kind = if output { "output" } else { "input" };
    let Some(wanted) = wanted else {
        let device = if output { host.default_output_device() } else { host.default_input_device() };
        return device.ok_or_else(|| Error::Device(format!("{}: no default {kind} device", host.id().name())));
    };
    let devices: Vec<Device> = host
        .devices()
        .map_err(|e| Error::Device(format!("{}: cannot list devices: {e}", host.id().name())))?
        .filter(|d| if output { d.supports_output() } else { d.supports_input() })
        .collect();
    let lower = wanted.to_lowercase();
    let names: Vec<String> = devices.iter().map(name_of).collect();
    names
        .iter()
        .position(|n| n.to_lowercase().contains(&lower))
        .map(|i| devices[i].clone())
        .ok_or_else(|| Error::Device(format!("no {kind} device matching '{wanted}' (devices: {})", names.join(", "))))
}

pub(super) fn devices() -> Vec<DeviceInfo> {
    let mut out = Vec::new();
    for id in cpal::available_hosts() {
        let Ok(host) = cpal::host_from_id(id) else { continue };
        let default_name = host.default_output_device().map(|d| name_of(&d));
        let Ok(list) = host.devices() else { continue };
        for device in list {
            let (mut outputs, mut inputs, mut lo, mut hi) = (0, 0, u32::MAX, 0);
            for c in device.supported_output_configs().into_iter().flatten() {
                outputs = outputs.max(c.channels() as usize);
                (lo, hi) = (lo.min(c.min_sample_rate()), hi.max(c.max_sample_rate()));
            }
            for c in device.supported_input_configs().into_iter().flatten() {
                inputs = inputs.max(c.channels() as usize);
                (lo, hi) = (lo.min(c.min_sample_rate()), hi.max(c.max_sample_rate()));
            }
            let name = name_of(&device);
            out.push(DeviceInfo {
                backend: id.name().to_lowercase(),
                default: default_name.as_deref() == Some(name.as_str()),
                name,
                outputs,
                inputs,
                samplerates: if hi == 0 { (0, 0) } else { (lo, hi) },
            });
        }
    }
    out
}

pub(super) struct CpalOpened {
    info: StreamInfo,
    output: (Device, StreamConfig, SampleFormat),
    input: Option<(Device, StreamConfig)>,
    counters: Arc<BackendCounters>,
}

impl CpalOpened {
    pub(super) fn new(
        request: &StreamRequest,
        host_name: Option<&str>,
        counters: Arc<BackendCounters>,
    ) -> Result<Self> {
        let host = host(host_name)?;
        let device = find(&host, request.device.as_deref(), true)?;
        let name = name_of(&device);
        let default = device.default_output_config().map_err(|e| Error::Device(format!("{name}: {e}")))?;
        let rate = request.samplerate.unwrap_or(default.sample_rate());
        let block = match default.buffer_size() {
            SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&(request.blocksize as u32)) => {
                BufferSize::Fixed(request.blocksize as u32)
            }
            _ => BufferSize::Default,
        };
        let config = StreamConfig { channels: request.outputs as u16, sample_rate: rate, buffer_size: block };
        let input = if request.inputs > 0 {
            let dev = find(&host, request.device.as_deref(), false)?;
            Some((dev, StreamConfig { channels: request.inputs as u16, sample_rate: rate, buffer_size: block }))
        } else {
            None
        };
        let info = StreamInfo {
            backend: host.id().name().to_lowercase(),
            device: name,
            samplerate: rate as f64,
            device_block: match block {
                BufferSize::Fixed(n) => Some(n as usize),
                BufferSize::Default => None,
            },
            outputs: request.outputs,
            inputs: request.inputs,
        };
        Ok(CpalOpened { info, output: (device, config, default.sample_format()), input, counters })
    }
}

impl Opened for CpalOpened {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn start(self: Box<Self>, side: AudioSide) -> Result<Box<dyn Running>> {
        let (device, config, format) = self.output;
        let capacity = CHUNK * 4 * self.info.inputs.max(1);
        let (mut producer, consumer) = rtrb::RingBuffer::<f32>::new(capacity);
        let mut streams = Vec::new();
        if let Some((in_device, in_config)) = self.input {
            let counters = self.counters.clone();
            let stream = in_device
                .build_input_stream::<f32, _, _>(
                    in_config,
                    move |data: &[f32], _| {
                        let n = data.len().min(producer.slots());
                        if let Ok(chunk) = producer.write_chunk_uninit(n) {
                            chunk.fill_from_iter(data.iter().copied());
                        }
                    },
                    move |e| count_error(&counters, &e),
                    None,
                )
                .map_err(|e| Error::Device(format!("{}: cannot open the input: {e}", self.info.device)))?;
            streams.push(stream);
        }
        let halt = side.halt();
        let feed = Feed::new(side, consumer, self.counters.clone());
        let stream = match format {
            SampleFormat::F32 => build::<f32>(&device, config, feed, self.counters),
            SampleFormat::I16 => build::<i16>(&device, config, feed, self.counters),
            SampleFormat::I32 => build::<i32>(&device, config, feed, self.counters),
            SampleFormat::U16 => build::<u16>(&device, config, feed, self.counters),
            other => return Err(Error::Device(format!("{}: unsupported sample format {other}", self.info.device))),
        }
        .map_err(|e| Error::Device(format!("{}: cannot open the output: {e}", self.info.device)))?;
        streams.push(stream);
        for s in &streams {
            s.play().map_err(|e| Error::Device(format!("{}: cannot start: {e}", self.info.device)))?;
        }
        Ok(Box::new(CpalRunning { streams, halt }))
    }
}

fn count_error(counters: &BackendCounters, error: &cpal::Error) {
    if error.kind() == cpal::ErrorKind::Xrun {
        counters.xruns.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs the engine for an output callback, with input from the ring.
struct Feed {
    side: AudioSide,
    input: rtrb::Consumer<f32>,
    out: Box<[f32]>,
    inp: Box<[f32]>,
    counters: Arc<BackendCounters>,
}

impl Feed {
    fn new(side: AudioSide, input: rtrb::Consumer<f32>, counters: Arc<BackendCounters>) -> Self {
        let (oc, ic) = (side.out_channels(), side.in_channels());
        Feed { out: vec![0.0; CHUNK * oc].into(), inp: vec![0.0; CHUNK * ic].into(), side, input, counters }
    }

    fn run<T: SizedSample + FromSample<f32>>(&mut self, data: &mut [T]) {
        let (oc, ic) = (self.side.out_channels(), self.side.in_channels());
        for chunk in data.chunks_mut(CHUNK * oc) {
            let frames = chunk.len() / oc;
            let want = frames * ic;
            let got = want.min(self.input.slots());
            if let Ok(read) = self.input.read_chunk(got) {
                let (a, b) = read.as_slices();
                self.inp[..a.len()].copy_from_slice(a);
                self.inp[a.len()..a.len() + b.len()].copy_from_slice(b);
                read.commit_all();
            }
            if got < want {
                self.inp[got..want].fill(0.0);
                self.counters.input_underruns.fetch_add(((want - got) / ic.max(1)) as u64, Ordering::Relaxed);
            }
            self.side.callback(&mut self.out[..frames * oc], &self.inp[..want]);
            for (o, x) in chunk.iter_mut().zip(self.out.iter()) {
                *o = T::from_sample(*x);
            }
        }
    }
}

fn build<T: SizedSample + FromSample<f32>>(
    device: &Device,
    config: StreamConfig,
    mut feed: Feed,
    counters: Arc<BackendCounters>,
) -> std::result::Result<Stream, cpal::Error> {
    device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _| {
            // Never unwinds out of the device callback: a panic silences this buffer.
            if super::audio_callback(|| catch_unwind(AssertUnwindSafe(|| feed.run(data)))).is_err() {
                data.fill(T::EQUILIBRIUM);
            }
        },
        move |e| count_error(&counters, &e),
        None,
    )
}

struct CpalRunning {
    streams: Vec<Stream>,
    halt: Arc<Halt>,
}

impl Running for CpalRunning {
    fn connect(&self, from: &str, to: &str) -> Result<()> {
        Err(Error::Device(format!("cannot connect {from} to {to}: port connections need the JACK backend")))
    }

    fn stop(self: Box<Self>) -> Result<()> {
        // The callback stops running the engine (and says so) before the streams close.
        self.halt.stop(Duration::from_secs(2));
        for s in &self.streams {
            let _ = s.pause();
        }
        Ok(())
    }
}
