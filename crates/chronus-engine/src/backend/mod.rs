//! Where audio goes: JACK, the platform's devices through cpal (ALSA on Linux, CoreAudio,
//! WASAPI), or a timer-paced null device for machines without sound hardware.

#[cfg(feature = "cpal")]
mod cpal_device;
#[cfg(feature = "jack")]
mod jack_server;
mod null;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::live::AudioSide;

/// Runs `work` as one device callback's work on the audio thread. With the `alloc-check`
/// feature every allocation or free inside is counted by `assert_no_alloc` (whose global
/// allocator the test binary installs), so the real backends' callback threads are checked,
/// not only the process loop; without it this is just the call.
#[inline(always)]
pub(crate) fn audio_callback<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(feature = "alloc-check")]
    return assert_no_alloc::assert_no_alloc(work);
    #[cfg(not(feature = "alloc-check"))]
    work()
}

/// What the caller asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRequest {
    /// "auto", "jack", "null", or a cpal host name ("alsa", "coreaudio", "wasapi", ...).
    pub backend: String,
    /// Device name (or part of it); None for the default device.
    pub device: Option<String>,
    /// Sample rate in Hz; None for the device's own (JACK always uses the server's).
    pub samplerate: Option<u32>,
    /// Requested device block in frames (JACK uses the server's period).
    pub blocksize: usize,
    /// Output channels.
    pub outputs: usize,
    /// Input channels (0 for output only).
    pub inputs: usize,
    /// Client name (JACK).
    pub client_name: String,
    /// Connect to the physical ports (JACK).
    pub connect: bool,
    /// Open a MIDI input port (JACK).
    pub midi_in: bool,
    /// Open a MIDI output port (JACK).
    pub midi_out: bool,
}

/// What the backend granted.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// Backend name.
    pub backend: String,
    /// Device (or JACK client) name.
    pub device: String,
    /// Sample rate in Hz.
    pub samplerate: f64,
    /// Frames per device callback, when fixed.
    pub device_block: Option<usize>,
    /// Output channels.
    pub outputs: usize,
    /// Input channels.
    pub inputs: usize,
}

/// Counters the backend keeps outside the audio callback.
#[derive(Debug, Default)]
pub struct BackendCounters {
    /// Over- and underruns the audio system reported.
    pub xruns: AtomicU64,
    /// Frames of input the output callback found missing (cpal duplex).
    pub input_underruns: AtomicU64,
}

/// A backend opened and configured, not yet running.
pub trait Opened: Send {
    /// What was granted.
    fn info(&self) -> &StreamInfo;
    /// Starts calling `side` from the audio thread.
    fn start(self: Box<Self>, side: AudioSide) -> Result<Box<dyn Running>>;
}

/// A running stream. Dropping it without [`Running::stop`] stops it too.
pub trait Running: Send {
    /// Connects two ports by name (JACK only): e.g. `chronus:out_1` to `chronus:in_1`.
    fn connect(&self, from: &str, to: &str) -> Result<()>;
    /// Stops the stream and releases the device; the audio side is dropped here, off the
    /// audio thread.
    fn stop(self: Box<Self>) -> Result<()>;
}

/// One entry of the device list.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    /// Backend (host) name.
    pub backend: String,
    /// Device name.
    pub name: String,
    /// Most output channels.
    pub outputs: usize,
    /// Most input channels.
    pub inputs: usize,
    /// Supported sample rates as (min, max) in Hz.
    pub samplerates: (u32, u32),
    /// Whether this is the backend's default device.
    pub default: bool,
}

/// Opens the backend `request.backend` ("auto" tries JACK, then the default cpal host).
pub fn open(request: &StreamRequest, counters: Arc<BackendCounters>) -> Result<Box<dyn Opened>> {
    if request.outputs == 0 {
        return Err(Error::Device("a stream needs at least one output channel".into()));
    }
    match request.backend.as_str() {
        "null" => Ok(Box::new(null::NullOpened::new(request, counters))),
        "jack" => open_jack(request, counters),
        "auto" => {
            if jack_running() {
                return open_jack(request, counters);
            }
            open_cpal(request, None, counters).map_err(|e| {
                Error::Device(format!("{e}; no JACK server either (use backend='null' without sound hardware)"))
            })
        }
        host => open_cpal(request, Some(host), counters),
    }
}

#[cfg(feature = "jack")]
fn jack_running() -> bool {
    jack_server::server_running()
}

#[cfg(not(feature = "jack"))]
fn jack_running() -> bool {
    false
}

#[cfg(feature = "jack")]
fn open_jack(request: &StreamRequest, counters: Arc<BackendCounters>) -> Result<Box<dyn Opened>> {
    Ok(Box::new(jack_server::JackOpened::new(request, counters)?))
}

#[cfg(not(feature = "jack"))]
fn open_jack(_: &StreamRequest, _: Arc<BackendCounters>) -> Result<Box<dyn Opened>> {
    Err(Error::Device("this build has no JACK backend (the engine's 'jack' feature)".into()))
}

#[cfg(feature = "cpal")]
fn open_cpal(request: &StreamRequest, host: Option<&str>, counters: Arc<BackendCounters>) -> Result<Box<dyn Opened>> {
    Ok(Box::new(cpal_device::CpalOpened::new(request, host, counters)?))
}

#[cfg(not(feature = "cpal"))]
fn open_cpal(_: &StreamRequest, host: Option<&str>, _: Arc<BackendCounters>) -> Result<Box<dyn Opened>> {
    let what = host.map_or("sound-card".to_owned(), |h| format!("'{h}'"));
    Err(Error::Device(format!(
        "unknown backend {what}: this build has no sound-card backends (the engine's 'cpal' feature; \
         available: null{})",
        if cfg!(feature = "jack") { ", jack" } else { "" }
    )))
}

/// Every backend and device this machine offers.
pub fn devices() -> Vec<DeviceInfo> {
    #[allow(unused_mut)]
    let mut out = vec![null::device()];
    #[cfg(feature = "jack")]
    out.extend(jack_server::device());
    #[cfg(feature = "cpal")]
    out.extend(cpal_device::devices());
    out
}
