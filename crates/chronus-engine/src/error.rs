//! Errors reported by graph editing, compilation and rendering.
//!
//! Every message names the culprit (node, parameter, port or option) so that the Python
//! layer can pass it on unchanged.

/// What went wrong, with a message that names the node, parameter or port involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A node kind, parameter, port, option or node id that does not exist.
    #[error("{0}")]
    Unknown(String),
    /// A value outside its allowed range or of the wrong shape.
    #[error("{0}")]
    Invalid(String),
    /// A cycle in the graph that does not pass through a `feedback` node.
    #[error("{0}")]
    Cycle(String),
    /// A full queue or other exhausted real-time capacity.
    #[error("{0}")]
    Capacity(String),
    /// An audio backend or device that cannot be found, opened or driven.
    #[error("{0}")]
    Device(String),
    /// A size that would take more memory than the system has (checked before allocating).
    #[error("{0}")]
    Memory(String),
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;
