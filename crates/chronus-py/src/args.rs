//! Arguments that Python passes as plain numbers or strings, extracted with errors that name
//! the parameter and its range (PyO3's own say "OverflowError: can't convert negative int
//! to unsigned" without saying which argument).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

/// The integer in `obj` if it lies in `lo..=hi`, else a ValueError (TypeError for a
/// non-integer) naming `name` (and `unit`, if any).
pub(crate) fn int(obj: &Bound<'_, PyAny>, name: &str, unit: &str, lo: i128, hi: i128) -> PyResult<i128> {
    let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
    let shown = || obj.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into());
    match obj.extract::<i128>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        Ok(_) => Err(PyValueError::new_err(format!("{name} = {}{unit} is outside [{lo}, {hi}]", shown()))),
        Err(_) if obj.is_instance_of::<PyInt>() => {
            Err(PyValueError::new_err(format!("{name} = {}{unit} is outside [{lo}, {hi}]", shown())))
        }
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be a whole number{unit} in [{lo}, {hi}], got {} ({})",
            shown(),
            obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
        ))),
    }
}

/// The string in `obj`, else a TypeError naming `name` and what it should be.
pub(crate) fn text(obj: &Bound<'_, PyAny>, name: &str, expected: &str) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_string());
    }
    let kind = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(PyTypeError::new_err(format!("{name} must be {expected}, got {kind}")))
}

/// Declares an argument type holding an integer checked against a range, named in errors.
macro_rules! int_arg {
    ($(#[$doc:meta])* $ty:ident($inner:ty), $name:literal, $unit:literal, $lo:expr, $hi:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct $ty(pub $inner);

        impl<'a, 'py> FromPyObject<'a, 'py> for $ty {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let n = int(&obj.to_owned(), $name, $unit, $lo as i128, $hi as i128)?;
                // In range, so the conversion cannot fail.
                Ok($ty(<$inner>::try_from(n).unwrap_or_default()))
            }
        }
    };
}

int_arg!(
    /// Largest engine block (its range, 16 to 4096, is the engine's to check and name).
    Blocksize(usize), "blocksize", "frames", 0, u32::MAX
);
int_arg!(
    /// Device output channels.
    Outputs(usize), "outputs", "channels", 1, 256
);
int_arg!(
    /// Device input channels.
    Inputs(usize), "inputs", "channels", 0, 256
);
int_arg!(
    /// Sample rate asked of the device.
    Samplerate(u32), "samplerate", "Hz", 1000, 768_000
);
int_arg!(
    /// Commands that may wait for the audio thread.
    Queue(usize), "queue", "commands", 1, chronus_engine::limits::MAX_QUEUE
);
int_arg!(
    /// Future events the audio thread may hold.
    EventCapacity(usize), "event_capacity", "events", 1, chronus_engine::limits::MAX_QUEUE
);
int_arg!(
    /// A frame of the engine's sample clock.
    Frame(u64), "frame", "", 0, u64::MAX
);
int_arg!(
    /// Frames to render.
    Frames(usize), "frames", "", 1, u64::MAX
);
