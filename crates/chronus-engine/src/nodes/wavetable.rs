//! Wavetable oscillator: a user table of one or more frames, band-limited by mip levels
//! ([`crate::dsp::wavetable::Wavetable`]), morphing between adjacent frames by position.

use std::sync::Arc;

use crate::dsp::finite::all_finite;
use crate::dsp::wavetable::{phase_of, step_of, Phase, Wavetable};
use crate::error::Result;
use crate::node::{BuildCtx, Built, Node, ProcessIo};
use crate::spec::{ArrayData, InputRule, NodeSpec, OptDefault, OptionSpec};

use super::build_cache::BuildCache;
use super::params::{params, ParamDef};
use super::OUT;

/// `wavetable(freq, position; table, cycles, phase)`.
pub static WAVETABLE: NodeSpec = NodeSpec {
    kind: "wavetable",
    doc: "Wavetable oscillator. The table is one or more frames (rows of samples, each \
          holding `cycles` cycles of a waveform, any length); every frame is resampled by FFT \
          and band-limited into mip levels (four per octave), so no pitch aliases. `position` \
          morphs linearly between adjacent frames: 0 is the first, 1 the last.",
    inputs: &[],
    outputs: &[OUT],
    params: WavetableParams::SPECS,
    options: &[
        OptionSpec {
            name: "table",
            default: OptDefault::Array { min_columns: 4, max_columns: 1 << 20 },
            doc: "The frames: one row of samples per frame (required).",
        },
        OptionSpec {
            name: "cycles",
            default: OptDefault::Int { default: 1, min: 1, max: 4096 },
            doc: "Cycles of the waveform in each row.",
        },
        OptionSpec {
            name: "phase",
            default: OptDefault::Num { default: 0.0, min: 0.0, max: 1.0 },
            doc: "Starting phase in cycles.",
        },
    ],
    input_rule: InputRule::Broadcast,
    build,
};

params! {
    /// Parameters of `wavetable`.
    struct WavetableParams {
        freq: ParamDef {
            default: 440.0,
            min: -100_000.0,
            max: 100_000.0,
            unit: "Hz",
            smooth: true,
            doc: "Frequency; negative values run the cycle backwards.",
        },
        position: ParamDef {
            default: 0.0,
            min: 0.0,
            max: 1.0,
            unit: "",
            smooth: true,
            doc: "Place in the table, 0 (first frame) to 1 (last), blending the two frames around it.",
        },
    }
}

fn build(ctx: &BuildCtx) -> Result<Built> {
    let rows = ctx.array("table");
    if rows.is_empty() {
        return Err(ctx.invalid("option 'table' is required: give one or more rows of samples"));
    }
    if !all_finite(rows.values()) {
        return Err(ctx.invalid("option 'table' holds NaN or infinite values"));
    }
    let (columns, cycles) = (rows.columns(), ctx.num("cycles"));
    if cycles.fract() != 0.0 {
        return Err(ctx.invalid(format!("cycles = {cycles} must be a whole number")));
    }
    let cycles = cycles as usize;
    if (columns - 1) / 2 / cycles == 0 {
        return Err(ctx.invalid(format!(
            "rows of {columns} samples cannot hold {cycles} cycles with any harmonic below their Nyquist frequency"
        )));
    }
    let lanes = ctx.lanes;
    Built::lanes(
        WavetableOsc {
            table: shared_table(rows, cycles),
            lanes,
            inv_sr: 1.0 / ctx.samplerate,
            phase: vec![phase_of(ctx.num("phase")); lanes].into(),
            inc: vec![0; lanes].into(),
            level: vec![0; lanes].into(),
            tuned: vec![f32::NAN; lanes].into(),
        },
        ctx,
    )
}

/// Tables in use, by the array they were built from and their cycles per row.
static TABLES: BuildCache<Wavetable> = BuildCache::new();

/// The table for `rows` holding `cycles` cycles each: the one some node already plays,
/// or a new one.
fn shared_table(rows: &ArrayData, cycles: usize) -> Arc<Wavetable> {
    TABLES.get(&[rows], cycles as u64, || Wavetable::from_rows(rows.values(), rows.columns(), cycles))
}

struct WavetableOsc {
    table: Arc<Wavetable>,
    lanes: usize,
    inv_sr: f64,
    phase: Box<[Phase]>,
    /// Phase step of each lane per frame.
    inc: Box<[Phase]>,
    /// Mip level each lane reads.
    level: Box<[usize]>,
    /// Frequency each lane's step and level were computed for, in Hz.
    tuned: Box<[f32]>,
}

impl WavetableOsc {
    /// Follows new frequencies; lanes whose frequency did not change keep their step.
    #[inline]
    fn retune(&mut self, freqs: &[f32]) {
        for (((inc, level), tuned), f) in
            self.inc.iter_mut().zip(self.level.iter_mut()).zip(self.tuned.iter_mut()).zip(freqs)
        {
            if f.to_bits() != tuned.to_bits() {
                *tuned = *f;
                let cycles_per_frame = *f as f64 * self.inv_sr;
                *inc = step_of(cycles_per_frame);
                *level = self.table.level(cycles_per_frame as f32);
            }
        }
    }
}

impl Node for WavetableOsc {
    fn process(&mut self, io: &mut ProcessIo<'_, '_>) {
        let lanes = self.lanes;
        let WavetableParams { freq, position } = WavetableParams::from(io.params);
        let last = self.table.frames() - 1;
        for (f, row) in io.outputs[0].chunks_exact_mut(lanes).enumerate() {
            if f == 0 || freq.as_const().is_none() {
                self.retune(freq.frame(f, lanes));
            }
            let table = &self.table;
            let lanes_iter = row.iter_mut().zip(self.phase.iter_mut()).zip(self.inc.iter().zip(self.level.iter()));
            if last == 0 {
                for ((o, p), (inc, level)) in lanes_iter {
                    *o = table.read(*level, 0, *p);
                    *p = p.wrapping_add(*inc);
                }
                continue;
            }
            for (((o, p), (inc, level)), pos) in lanes_iter.zip(position.frame(f, lanes)) {
                let x = pos.clamp(0.0, 1.0) * last as f32;
                let i = (x as usize).min(last - 1);
                let t = x - i as f32;
                let (a, b) = (table.read(*level, i, *p), table.read(*level, i + 1, *p));
                *o = a + t * (b - a);
                *p = p.wrapping_add(*inc);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saw_rows() -> ArrayData {
        ArrayData::new((0..256).map(|i| (i % 128) as f32 / 64.0 - 1.0).collect::<Vec<f32>>(), 128).unwrap()
    }

    #[test]
    fn a_table_is_shared_by_array_and_cycles() {
        // The cache itself is tested in `build_cache`; here, what the wavetable keys it on.
        let rows = saw_rows();
        let first = shared_table(&rows, 1);
        assert!(Arc::ptr_eq(&first, &shared_table(&rows.clone(), 1)), "same array: same table");
        assert!(!Arc::ptr_eq(&first, &shared_table(&rows, 2)), "other cycles: other table");
        assert_eq!(first.frames(), 2);
    }
}
