//! A device that plays into nothing at the real sample rate, paced by a timer: live graphs
//! on machines with no sound card, and a steady clock for tests.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{BackendCounters, DeviceInfo, Opened, Running, StreamInfo, StreamRequest};
use crate::error::{Error, Result};
use crate::live::{AudioSide, Halt};

pub(super) fn device() -> DeviceInfo {
    DeviceInfo {
        backend: "null".into(),
        name: "null (timer-paced, no sound)".into(),
        outputs: 256,
        inputs: 256,
        samplerates: (1000, 768_000),
        default: false,
    }
}

pub(super) struct NullOpened {
    info: StreamInfo,
    counters: Arc<BackendCounters>,
}

impl NullOpened {
    pub(super) fn new(request: &StreamRequest, counters: Arc<BackendCounters>) -> Self {
        let info = StreamInfo {
            backend: "null".into(),
            device: "null".into(),
            samplerate: request.samplerate.unwrap_or(48_000) as f64,
            device_block: Some(request.blocksize),
            outputs: request.outputs,
            inputs: request.inputs,
        };
        NullOpened { info, counters }
    }
}

impl Opened for NullOpened {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn start(self: Box<Self>, mut side: AudioSide) -> Result<Box<dyn Running>> {
        let stop = Arc::new(AtomicBool::new(false));
        let block = self.info.device_block.unwrap_or(256);
        let period = Duration::from_secs_f64(block as f64 / self.info.samplerate);
        let (outputs, inputs) = (self.info.outputs, self.info.inputs);
        let (flag, counters, halt) = (stop.clone(), self.counters, side.halt());
        let thread = std::thread::Builder::new()
            .name("chronus-null-audio".into())
            .spawn(move || {
                let mut out = vec![0.0f32; block * outputs];
                let input = vec![0.0f32; block * inputs];
                let mut next = Instant::now();
                while !flag.load(Ordering::Acquire) {
                    super::audio_callback(|| side.callback(&mut out, &input));
                    next += period;
                    let now = Instant::now();
                    if now < next {
                        std::thread::sleep(next - now);
                    } else if now - next > period {
                        // More than a whole period late: a real device would have run dry.
                        counters.xruns.fetch_add(1, Ordering::Relaxed);
                        next = now;
                    }
                }
                side
            })
            .map_err(|e| Error::Device(format!("null backend: cannot start its thread: {e}")))?;
        Ok(Box::new(NullRunning { stop, halt, thread: Some(thread) }))
    }
}

struct NullRunning {
    stop: Arc<AtomicBool>,
    halt: Arc<Halt>,
    thread: Option<JoinHandle<AudioSide>>,
}

impl Running for NullRunning {
    fn connect(&self, from: &str, to: &str) -> Result<()> {
        Err(Error::Device(format!("cannot connect {from} to {to}: the null backend has no ports")))
    }

    fn stop(mut self: Box<Self>) -> Result<()> {
        self.halt();
        Ok(())
    }
}

impl NullRunning {
    fn halt(&mut self) {
        // The engine stops at a callback boundary first (as on every backend), then the
        // timer thread ends.
        if self.thread.is_some() {
            self.halt.stop(Duration::from_secs(2));
        }
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            drop(t.join());
        }
    }
}

impl Drop for NullRunning {
    fn drop(&mut self) {
        self.halt();
    }
}
