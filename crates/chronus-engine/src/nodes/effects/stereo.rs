//! Stereo utilities: mid/side encoding and decoding, and stereo width.

use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{InputRule, NodeSpec, OptDefault, OptionSpec};

use super::super::params::{params, ParamDef};
use super::super::{IN, OUT};
use super::{mono_or_stereo, stereo_frame};

/// `midside(in; mode)`.
pub static MIDSIDE: NodeSpec = NodeSpec {
    kind: "midside",
    doc: "Mid/side conversion. Encode: mid = (L + R) / 2, side = (L - R) / 2 on channels 0 and \
          1; decode: L = mid + side, R = mid - side (the exact inverse). A mono input counts \
          as L = R (encode) or as mid with no side (decode).",
    inputs: &[IN],
    outputs: &[OUT],
    params: &[],
    options: &[OptionSpec {
        name: "mode",
        default: OptDefault::Choice(&["encode", "decode"]),
        doc: "Left/right to mid/side, or back.",
    }],
    input_rule: InputRule::AsIs,
    build: build_midside,
};

fn build_midside(ctx: &BuildCtx) -> Result<Built> {
    let channels = mono_or_stereo(ctx, 0)?;
    let node = MidSide { channels, encode: ctx.text("mode") == "encode" };
    Ok(Built { node: Box::new(node), output_channels: vec![2] })
}

struct MidSide {
    channels: usize,
    encode: bool,
}

impl Node for MidSide {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let input = io.inputs[0];
        for (f, o) in io.outputs[0].chunks_exact_mut(2).enumerate() {
            let (a, b) = stereo_frame(input, self.channels, f);
            if self.encode {
                o[0] = 0.5 * (a + b);
                o[1] = 0.5 * (a - b);
            } else if self.channels == 1 {
                o[0] = a;
                o[1] = a;
            } else {
                o[0] = a + b;
                o[1] = a - b;
            }
        }
    }
}

/// `width(in, width)`.
pub static WIDTH: NodeSpec = NodeSpec {
    kind: "width",
    doc: "Stereo width: scales the side signal, L' = M + w S and R' = M - w S with \
          M = (L + R) / 2 and S = (L - R) / 2. 0 folds to mono, 1 leaves the image alone, \
          above 1 widens. Takes mono or stereo; uses the first lane's width.",
    inputs: &[IN],
    outputs: &[OUT],
    params: WidthParams::SPECS,
    options: &[],
    input_rule: InputRule::AsIs,
    build: |ctx| {
        let channels = mono_or_stereo(ctx, 0)?;
        Ok(Built { node: Box::new(Width { channels, lanes: ctx.lanes }), output_channels: vec![2] })
    },
};

params! {
    /// Parameters of `width` (first lane).
    struct WidthParams {
        width: ParamDef {
            default: 1.0,
            min: 0.0,
            max: 4.0,
            unit: "",
            smooth: true,
            doc: "Side gain (0 mono, 1 unchanged, 2 twice as wide).",
        },
    }
}

struct Width {
    channels: usize,
    lanes: usize,
}

impl Node for Width {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let (input, width) = (io.inputs[0], WidthParams::from(io.params).width);
        for (f, o) in io.outputs[0].chunks_exact_mut(2).enumerate() {
            let (l, r) = stereo_frame(input, self.channels, f);
            let w = width.at(f, 0, self.lanes);
            let (mid, side) = (0.5 * (l + r), 0.5 * w * (l - r));
            o[0] = mid + side;
            o[1] = mid - side;
        }
    }
}
