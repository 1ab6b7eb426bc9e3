//! JACK: the engine as a JACK client with one port per channel. JACK gives exact frame
//! timing, xrun notifications and port connections (loopback latency measurement, routing
//! to other programs), and runs headless with its dummy driver.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use jack::{
    AudioIn, AudioOut, Client, ClientOptions, Control, MidiIn, MidiOut, NotificationHandler, Port, PortFlags,
    ProcessHandler, ProcessScope, RawMidi,
};

use super::{BackendCounters, DeviceInfo, Opened, Running, StreamInfo, StreamRequest};
use crate::error::{Error, Result};
use crate::live::{AudioSide, Halt};

/// Frames the process callback hands the engine at once (longer JACK periods are chunked).
const CHUNK: usize = 4096;

/// Refuses text the JACK library cannot take (it would panic on a NUL inside).
fn check_text(what: &str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::Device(format!("JACK: {what} {text:?} contains a NUL character")));
    }
    Ok(())
}

fn client(name: &str) -> Result<Client> {
    check_text("client name", name)?;
    let most = *jack::CLIENT_NAME_SIZE;
    if name.is_empty() || name.len() > most {
        return Err(Error::Device(format!(
            "JACK: the client name (name=) must have 1 to {most} bytes, got {} bytes",
            name.len()
        )));
    }
    Client::new(name, ClientOptions::NO_START_SERVER)
        .map(|(c, _)| c)
        .map_err(|e| Error::Device(format!("cannot connect to a JACK server: {e} (is jackd running?)")))
}

/// Whether a JACK server answers.
pub(super) fn server_running() -> bool {
    Client::new("chronus-probe", ClientOptions::NO_START_SERVER).is_ok()
}

pub(super) fn device() -> Option<DeviceInfo> {
    let c = Client::new("chronus-probe", ClientOptions::NO_START_SERVER).ok()?.0;
    let count = |flags| c.ports(None, Some("32 bit float mono audio"), PortFlags::IS_PHYSICAL | flags).len();
    let rate = c.sample_rate();
    Some(DeviceInfo {
        backend: "jack".into(),
        name: format!("JACK server ({} frames per period)", c.buffer_size()),
        outputs: count(PortFlags::IS_INPUT),
        inputs: count(PortFlags::IS_OUTPUT),
        samplerates: (rate, rate),
        default: true,
    })
}

pub(super) struct JackOpened {
    info: StreamInfo,
    client: Client,
    connect: bool,
    midi: (bool, bool),
    counters: Arc<BackendCounters>,
}

impl JackOpened {
    pub(super) fn new(request: &StreamRequest, counters: Arc<BackendCounters>) -> Result<Self> {
        let client = client(&request.client_name)?;
        let rate = client.sample_rate();
        if let Some(asked) = request.samplerate.filter(|r| *r != rate) {
            return Err(Error::Device(format!("the JACK server runs at {rate} Hz, not {asked} Hz")));
        }
        let info = StreamInfo {
            backend: "jack".into(),
            device: client.name().to_owned(),
            samplerate: rate as f64,
            device_block: Some(client.buffer_size() as usize),
            outputs: request.outputs,
            inputs: request.inputs,
        };
        Ok(JackOpened { info, client, connect: request.connect, midi: (request.midi_in, request.midi_out), counters })
    }
}

impl Opened for JackOpened {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn start(self: Box<Self>, side: AudioSide) -> Result<Box<dyn Running>> {
        let port_error = |e: jack::Error| Error::Device(format!("JACK: cannot register a port: {e}"));
        let outs = (1..=self.info.outputs)
            .map(|i| self.client.register_port(&format!("out_{i}"), AudioOut::default()).map_err(port_error))
            .collect::<Result<Vec<_>>>()?;
        let ins = (1..=self.info.inputs)
            .map(|i| self.client.register_port(&format!("in_{i}"), AudioIn::default()).map_err(port_error))
            .collect::<Result<Vec<_>>>()?;
        let midi_in = match self.midi.0 {
            true => Some(self.client.register_port("midi_in", MidiIn::default()).map_err(port_error)?),
            false => None,
        };
        let midi_out = match self.midi.1 {
            true => Some(self.client.register_port("midi_out", MidiOut::default()).map_err(port_error)?),
            false => None,
        };
        let halt = side.halt();
        let out_names: Vec<String> = outs.iter().filter_map(|p| p.name().ok()).collect();
        let in_names: Vec<String> = ins.iter().filter_map(|p| p.name().ok()).collect();
        let process = JackProcess {
            out_buf: vec![0.0; CHUNK * outs.len()].into(),
            in_buf: vec![0.0; CHUNK * ins.len()].into(),
            side,
            outs,
            ins,
            midi_in,
            midi_out,
        };
        let notify = JackNotify { counters: self.counters };
        let active = self
            .client
            .activate_async(notify, process)
            .map_err(|e| Error::Device(format!("JACK: cannot activate the client: {e}")))?;
        if self.connect {
            let c = active.as_client();
            let playback = c.ports(None, Some("32 bit float mono audio"), PortFlags::IS_PHYSICAL | PortFlags::IS_INPUT);
            let capture = c.ports(None, Some("32 bit float mono audio"), PortFlags::IS_PHYSICAL | PortFlags::IS_OUTPUT);
            for (ours, theirs) in out_names.iter().zip(&playback) {
                let _ = c.connect_ports_by_name(ours, theirs);
            }
            for (theirs, ours) in capture.iter().zip(&in_names) {
                let _ = c.connect_ports_by_name(theirs, ours);
            }
        }
        Ok(Box::new(JackRunning { active: Some(active), halt }))
    }
}

struct JackProcess {
    side: AudioSide,
    outs: Vec<Port<AudioOut>>,
    ins: Vec<Port<AudioIn>>,
    midi_in: Option<Port<MidiIn>>,
    midi_out: Option<Port<MidiOut>>,
    out_buf: Box<[f32]>,
    in_buf: Box<[f32]>,
}

impl ProcessHandler for JackProcess {
    /// Runs the engine for one JACK period. Never unwinds into JACK (a Rust panic crossing
    /// into C aborts the process): a panic here silences the period and the callback goes on.
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> Control {
        if super::audio_callback(|| catch_unwind(AssertUnwindSafe(|| self.period(ps)))).is_err() {
            for port in &mut self.outs {
                port.as_mut_slice(ps).fill(0.0);
            }
        }
        Control::Continue
    }
}

impl JackProcess {
    fn period(&mut self, ps: &ProcessScope) {
        let frames = ps.n_frames() as usize;
        let (oc, ic) = (self.outs.len(), self.ins.len());
        self.side.set_device_frame(ps.last_frame_time() as u64);
        // JACK stamps MIDI with its offset in this period: it plays at that very frame.
        if let Some(port) = &self.midi_in {
            for m in port.iter(ps) {
                self.side.midi_input(m.time, m.bytes);
            }
        }
        let cycle_start = self.side.clock();
        let mut writer = self.midi_out.as_mut().map(|p| p.writer(ps));
        let mut send = |frame: u64, bytes: &[u8]| {
            if let Some(w) = writer.as_mut() {
                let time = frame.saturating_sub(cycle_start).min(frames.saturating_sub(1) as u64) as u32;
                let _ = w.write(&RawMidi { time, bytes });
            }
        };
        let mut done = 0;
        while done < frames {
            let n = (frames - done).min(CHUNK);
            for (c, port) in self.ins.iter().enumerate() {
                for (f, x) in port.as_slice(ps)[done..done + n].iter().enumerate() {
                    self.in_buf[f * ic + c] = *x;
                }
            }
            self.side.callback_with_midi(&mut self.out_buf[..n * oc], &self.in_buf[..n * ic], &mut send);
            for (c, port) in self.outs.iter_mut().enumerate() {
                for (f, x) in port.as_mut_slice(ps)[done..done + n].iter_mut().enumerate() {
                    *x = self.out_buf[f * oc + c];
                }
            }
            done += n;
        }
    }
}

struct JackNotify {
    counters: Arc<BackendCounters>,
}

impl NotificationHandler for JackNotify {
    fn xrun(&mut self, _: &Client) -> Control {
        self.counters.xruns.fetch_add(1, Ordering::Relaxed);
        Control::Continue
    }
}

struct JackRunning {
    active: Option<jack::AsyncClient<JackNotify, JackProcess>>,
    halt: Arc<Halt>,
}

/// Longest a close waits for the process callback to acknowledge the stop (an overloaded
/// callback may still be running a period or two; a dead server never answers).
const HALT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl Running for JackRunning {
    fn connect(&self, from: &str, to: &str) -> Result<()> {
        check_text("port name", from)?;
        check_text("port name", to)?;
        let active = self.active.as_ref().ok_or_else(|| Error::Device("JACK: the engine is stopped".into()))?;
        active
            .as_client()
            .connect_ports_by_name(from, to)
            .map_err(|e| Error::Device(format!("JACK: cannot connect {from} to {to}: {e}")))
    }

    fn stop(mut self: Box<Self>) -> Result<()> {
        self.halt()
    }
}

impl JackRunning {
    fn halt(&mut self) -> Result<()> {
        match self.active.take() {
            // First the callback stops running the engine and says so; only then is the
            // client deactivated, so JACK never has to cancel a callback that overruns
            // (which aborts the process: "FATAL: exception not rethrown").
            Some(active) => {
                self.halt.stop(HALT_TIMEOUT);
                active.deactivate().map(drop).map_err(|e| Error::Device(format!("JACK: {e}")))
            }
            None => Ok(()),
        }
    }
}

impl Drop for JackRunning {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}
