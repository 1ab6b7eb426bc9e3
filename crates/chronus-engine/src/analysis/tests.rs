//! Checks shared by every analyzer, on synthetic signals with known answers.

use super::beat::{self, Activation, BeatConfig, Beats};
use super::features::{Chroma, Mel, Mfcc, Rms, SpectralShape, Stft, StftOutput};
use super::loudness::Loudness;
use super::onset::{OnsetConfig, Onsets};
use super::pitch::{Pitch, PitchConfig};
use super::spectrum::Window;
use super::Analyzer;

const SR: f64 = 44_100.0;

fn tone(freq: f64, seconds: f64) -> Vec<f32> {
    (0..(seconds * SR) as usize).map(|n| (0.5 * (std::f64::consts::TAU * freq * n as f64 / SR).sin()) as f32).collect()
}

/// Decaying noise bursts (drum-like hits) starting at `times` seconds.
fn hits(times: &[f64], seconds: f64) -> Vec<f32> {
    let mut x = vec![0.0f32; (seconds * SR) as usize];
    let mut rng = crate::dsp::rng::XorShift32::new(7);
    for &t in times {
        let start = (t * SR) as usize;
        for (k, v) in x[start..].iter_mut().take((0.08 * SR) as usize).enumerate() {
            *v += 0.5 * rng.bipolar() * (-(k as f32) / (0.01 * SR as f32)).exp();
        }
    }
    x
}

fn run(a: &mut dyn Analyzer, x: &[f32], block: usize) -> Vec<(i64, Vec<f32>)> {
    let mut out = Vec::new();
    for b in x.chunks(block) {
        a.push(b, &mut |t, v| out.push((t, v.to_vec())));
    }
    out
}

fn all(samplerate: f64) -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(Stft::new(1024, 256, Window::Hann, StftOutput::Magnitude)),
        Box::new(Mel::new(samplerate, 1024, 256, 40, 0.0, 8000.0, true)),
        Box::new(Mfcc::new(samplerate, 1024, 256, 40, 13, 0.0, 8000.0)),
        Box::new(Chroma::new(samplerate, 4096, 1024, 12, 0.0)),
        Box::new(SpectralShape::new(samplerate, 1024, 256, 0.85)),
        Box::new(Rms::new(1024, 256)),
        Box::new(Loudness::new(samplerate, 1)),
        Box::new(Onsets::new(samplerate, &OnsetConfig::default())),
        Box::new(Pitch::new(samplerate, &PitchConfig::default())),
        Box::new(Beats::new(samplerate, &BeatConfig::default())),
    ]
}

#[test]
fn every_analyzer_gives_the_same_frames_whatever_the_block_sizes() {
    let mut x = hits(&[0.3, 0.9, 1.5], 2.0);
    for (v, t) in x.iter_mut().zip(tone(330.0, 2.0)) {
        *v += t;
    }
    for (mut a, mut b) in all(SR).into_iter().zip(all(SR)) {
        let one = run(a.as_mut(), &x, 1);
        let many = run(b.as_mut(), &x, 333);
        assert_eq!(one, many);
        assert!(one.iter().all(|(_, v)| v.len() == a.width() && v.iter().all(|x| x.is_finite())));
    }
}

#[test]
fn onsets_of_noise_bursts_land_within_a_hop_and_nothing_else_fires() {
    let times: Vec<f64> = (0..12).map(|k| 0.25 + 0.37 * k as f64).collect();
    let mut det = Onsets::new(SR, &OnsetConfig::default());
    let found = run(&mut det, &hits(&times, 5.0), 256);
    assert_eq!(found.len(), times.len(), "{found:?}");
    for ((t, v), want) in found.iter().zip(&times) {
        let err = *t as f64 / SR - want;
        assert!(err.abs() < 0.006, "onset at {want} s read {err:+.4} s off");
        // Reported within a hop (5 ms) plus the frame's last quarter (5.8 ms) of it.
        assert!((0.0..0.012).contains(&(v[1] as f64 + err)), "latency {}", v[1]);
    }
}

#[test]
fn pitch_of_steady_tones_is_exact_and_silence_is_unvoiced() {
    for freq in [55.0, 110.0, 261.63, 440.0, 1200.0] {
        let mut p = Pitch::new(SR, &PitchConfig::default());
        let frames = run(&mut p, &tone(freq, 1.0), 512);
        for (_, v) in &frames[frames.len() / 4..] {
            let cents = 1200.0 * (v[0] as f64 / freq).log2();
            assert!(cents.abs() < 5.0 && v[1] == 1.0 && v[2] > 0.9, "{freq} Hz: {v:?}");
        }
    }
    let mut p = Pitch::new(SR, &PitchConfig::default());
    assert!(run(&mut p, &vec![0.0; 22_050], 512).iter().all(|(_, v)| v[1] == 0.0));
}

#[test]
fn a_click_track_gives_its_beats_causally_and_offline() {
    let bpm = 100.0;
    let period = 60.0 / bpm;
    let times: Vec<f64> = (0..33).map(|k| 0.5 + period * k as f64).collect();
    let x = hits(&times, 20.5);
    let near = |t: f64| times.iter().map(|c| (c - t).abs()).fold(f64::MAX, f64::min);
    // Causal: locked after a few beats, every beat then within 20 ms of a click.
    let beats = run(&mut Beats::new(SR, &BeatConfig::default()), &x, 256);
    // (Beats after the last click are predictions of the next ones: leave them out.)
    let end = times[times.len() - 1] + period / 2.0;
    let late: Vec<f64> = beats.iter().map(|(t, _)| *t as f64 / SR).filter(|t| *t > 5.0 && *t < end).collect();
    assert!(late.len() >= 24, "{late:?}");
    assert!(late.iter().all(|t| near(*t) < 0.02), "{late:?}");
    let tempi: Vec<f32> =
        beats.iter().filter(|(t, _)| (5.0..end).contains(&(*t as f64 / SR))).map(|(_, v)| v[0]).collect();
    assert!(tempi.iter().all(|v| (*v as f64 / bpm - 1.0).abs() < 0.03), "{tempi:?}");
    // Offline: every click (and the model's guess of the next one, left out).
    let mut act = Activation::new(SR);
    let (mut a, mut stamps) = (Vec::new(), Vec::new());
    act.push(&x, |v, t| {
        a.push(v);
        stamps.push(t as f64 / SR);
    });
    let off: Vec<f64> =
        beat::offline(&a, &BeatConfig::default()).iter().map(|(f, _)| stamps[*f]).filter(|t| *t < end).collect();
    assert_eq!(off.len(), times.len(), "{off:?}");
    assert!(off.iter().all(|t| near(*t) < 0.02), "{off:?}");
    assert!((beat::tempo(&off).unwrap() / bpm - 1.0).abs() < 0.01);
}

#[test]
fn spectral_features_of_a_tone_match_their_definitions() {
    let x = tone(440.0, 1.0);
    let shape = run(&mut SpectralShape::new(SR, 2048, 512, 0.85), &x, 512);
    let (_, v) = &shape[shape.len() / 2];
    assert!((v[0] - 440.0).abs() < 5.0, "centroid {}", v[0]);
    assert!((v[1] - 440.0).abs() < 3.0 * SR as f32 / 2048.0, "rolloff {}", v[1]);
    assert!(v[2] < 1e-3, "a pure tone is not flat: {}", v[2]);
    let chroma = run(&mut Chroma::new(SR, 4096, 1024, 12, 0.0), &x, 512);
    let (_, c) = &chroma[chroma.len() / 2];
    assert_eq!(c.iter().position(|v| *v == 1.0), Some(9), "A is class 9: {c:?}");
    let rms = run(&mut Rms::new(2048, 512), &x, 512);
    assert!((rms[rms.len() / 2].1[0] - 0.5 / 2f32.sqrt()).abs() < 1e-3);
}

#[test]
fn notes_of_a_melody_start_and_end_where_its_notes_do() {
    use super::notes::Notes;
    // Three notes of 0.3 s (A3, C4, E4) from 0.2 s on, with 60 ms of silence between them.
    let mut x = vec![0.0; (0.2 * SR) as usize];
    let mut want = Vec::new();
    for (k, midi) in [57.0f64, 60.0, 64.0].iter().enumerate() {
        want.push((0.2 + k as f64 * 0.36, *midi));
        x.extend(tone(440.0 * 2f64.powf((midi - 69.0) / 12.0), 0.3));
        x.extend(vec![0.0; (0.06 * SR) as usize]);
    }
    x.extend(vec![0.0; (0.3 * SR) as usize]);
    let events = run(&mut Notes::new(SR, &PitchConfig::default()), &x, 256);
    let ons: Vec<(f64, f32)> =
        events.iter().filter(|(_, v)| v[1] == 1.0).map(|(t, v)| (*t as f64 / SR, v[0])).collect();
    let offs: Vec<f64> = events.iter().filter(|(_, v)| v[1] == 0.0).map(|(t, _)| *t as f64 / SR).collect();
    assert_eq!(ons.len(), 3, "{events:?}");
    for ((t, m), (wt, wm)) in ons.iter().zip(&want) {
        assert!((t - wt).abs() < 0.03 && (*m as f64 - wm).abs() < 0.1, "{t} {m} vs {wt} {wm}");
    }
    assert_eq!(offs.len(), 3);
    for (off, (wt, _)) in offs.iter().zip(&want) {
        assert!((off - (wt + 0.3)).abs() < 0.05, "note off at {off}, ended at {}", wt + 0.3);
    }
}
