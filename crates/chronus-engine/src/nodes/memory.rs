//! The most memory one node may take for buffers whose size its user chooses (delay lines
//! from `max_time`, lookahead, one line per lane), checked before anything is allocated: an
//! oversized request is an error naming the node, what asked for it and the bytes it would
//! take, never an aborted process.

use crate::error::Result;
use crate::node::BuildCtx;

/// Most bytes one node may allocate for buffers sized by its options and lanes (2 GiB:
/// an hour of delay at 96 kHz on one lane, or a minute on 64).
pub const MAX_NODE_BYTES: f64 = 2_147_483_648.0;

/// Checks that `bytes` (worked out in floating point, so nothing overflows) stay within
/// [`MAX_NODE_BYTES`]; the error names the node and `what` asked for them.
pub(crate) fn check(ctx: &BuildCtx, what: impl std::fmt::Display, bytes: f64) -> Result<()> {
    if bytes <= MAX_NODE_BYTES {
        return Ok(());
    }
    Err(ctx.invalid(format!(
        "{what} would take {:.1} GB of memory; one node may take at most {:.1} GB",
        bytes / 1e9,
        MAX_NODE_BYTES / 1e9
    )))
}
