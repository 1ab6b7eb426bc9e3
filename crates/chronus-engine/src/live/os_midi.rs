//! OS MIDI input ports (ALSA sequencer, CoreMIDI, WinMM) through midir, behind the `os-midi`
//! feature. Without it, listing finds no port and opening one is a clear error.

use crate::error::{Error, Result};

/// A connection to an OS MIDI input port; closing it (dropping) stops the callbacks.
pub struct InputConnection {
    #[cfg(feature = "os-midi")]
    _connection: midir::MidiInputConnection<()>,
}

/// Names of the OS MIDI input ports; empty without any (or without the `os-midi` feature).
pub fn input_ports() -> Vec<String> {
    #[cfg(feature = "os-midi")]
    {
        let Ok(input) = midir::MidiInput::new("chronus-list") else { return Vec::new() };
        input.ports().iter().filter_map(|p| input.port_name(p).ok()).collect()
    }
    #[cfg(not(feature = "os-midi"))]
    Vec::new()
}

impl InputConnection {
    /// Connects to the first input port whose name contains `name` (case-insensitive) and
    /// calls `on_message` with the bytes of every message, on the driver's thread.
    #[cfg(feature = "os-midi")]
    pub fn open(name: &str, mut on_message: impl FnMut(&[u8]) + Send + 'static) -> Result<InputConnection> {
        let input = midir::MidiInput::new("chronus")
            .map_err(|e| Error::Device(format!("cannot open the system MIDI input: {e}")))?;
        let ports = input.ports();
        let names: Vec<String> = ports.iter().map(|p| input.port_name(p).unwrap_or_default()).collect();
        let wanted = name.to_lowercase();
        let index = names.iter().position(|n| n.to_lowercase().contains(&wanted)).ok_or_else(|| {
            let list = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
            Error::Device(format!("no MIDI input port matching '{name}' (ports: {list})"))
        })?;
        let connection = input
            .connect(&ports[index], "chronus-in", move |_, bytes, _| on_message(bytes), ())
            .map_err(|e| Error::Device(format!("cannot connect to MIDI input '{}': {e}", names[index])))?;
        Ok(InputConnection { _connection: connection })
    }

    /// Without the `os-midi` feature there are no OS MIDI ports to open.
    #[cfg(not(feature = "os-midi"))]
    pub fn open(name: &str, _on_message: impl FnMut(&[u8]) + Send + 'static) -> Result<InputConnection> {
        Err(Error::Device(format!(
            "cannot open MIDI input '{name}': this build has no OS MIDI support (the engine's 'os-midi' feature)"
        )))
    }
}
