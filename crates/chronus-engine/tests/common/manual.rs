//! The engine configuration of the tests and benches that run the audio callback by hand
//! (`Engine::start_manual`): the "manual" backend at 48 kHz, no inputs, no MIDI. Shared by
//! tests/common (for the tests) and by the benches, which include this file by path.

use chronus_engine::backend::StreamRequest;
use chronus_engine::live::EngineConfig;

/// `outputs` channels in blocks of `block` frames, no smoothing and no edit fades, queues
/// of 1024 commands and events; callers change what they need with struct update syntax
/// (`EngineConfig { edit_fade: 0.005, ..manual_config(2, 256) }`).
pub fn manual_config(outputs: usize, block: usize) -> EngineConfig {
    EngineConfig {
        stream: StreamRequest {
            backend: "manual".into(),
            device: None,
            samplerate: Some(48_000),
            blocksize: block,
            outputs,
            inputs: 0,
            client_name: "chronus-manual".into(),
            connect: false,
            midi_in: false,
            midi_out: false,
        },
        blocksize: block,
        smoothing: 0.0,
        edit_fade: 0.0,
        command_capacity: 1024,
        event_capacity: 1024,
        autoplay: true,
    }
}
