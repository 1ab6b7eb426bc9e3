//! Times Signalsmith Stretch fed one hop per call against split and fed in 64-frame pieces
//! (bench/README.md, "Stretched loops spread over the callbacks"):
//! `cargo run --release --example split_timing --manifest-path vendor/signalsmith-stretch/Cargo.toml`
use signalsmith_stretch::Stretch;
use std::time::Instant;
fn main() {
    let sr = 48000.0;
    let (block, hop) = ((0.16f64 * sr) as usize, 960usize);
    let input: Vec<f32> = (0..sr as usize * 30).map(|i| (0.001 * (i as f32).powf(1.3)).sin() * 0.5).collect();
    let ratio = 1.25f64;
    let take = (hop as f64 / ratio) as usize; // 768
    let mut best = [f64::MAX; 2];
    let mut maxcall = [0f64; 2];
    let mut piece_sum = [0f64; 15];
    let mut hop_sum = 0f64;
    let mut hops = 0usize;
    for round in 0..5 {
        for split in [false, true] {
            let mut s = Stretch::new_split(1, block, hop, split);
            let mut out = vec![0.0f32; hop];
            let t = Instant::now();
            let mut pos = 0;
            while pos + take <= input.len() {
                let inp = &input[pos..pos + take];
                if split {
                    let mut done = 0;
                    while done < hop {
                        let end = (done + 64).min(hop);
                        let (a, b) = (take * done / hop, take * end / hop);
                        let c = Instant::now();
                        s.process(&inp[a..b], &mut out[done..end]);
                        let e = c.elapsed().as_secs_f64();
                        if round > 0 && e > maxcall[1] { maxcall[1] = e; }
                        if round > 0 { piece_sum[done / 64] += e; }
                        done = end;
                    }
                } else {
                    let c = Instant::now();
                    s.process(inp, &mut out[..]);
                    let e = c.elapsed().as_secs_f64();
                    if round > 0 && e > maxcall[0] { maxcall[0] = e; }
                    if round > 0 { hop_sum += e; hops += 1; }
                }
                pos += take;
            }
            let el = t.elapsed().as_secs_f64();
            let i = split as usize;
            if el < best[i] { best[i] = el; }
        }
    }
    println!("mean whole-hop call {:.3} ms", hop_sum / hops as f64 * 1e3);
    println!("mean piece calls (ms): {:?}", piece_sum.iter().map(|x| (x / hops as f64 * 1e6).round() / 1e3).collect::<Vec<_>>());
    let audio = (input.len() as f64 / 768.0 * 960.0) / sr;
    println!("whole hops: {:.1}x real time (best of 5), longest call {:.3} ms", audio / best[0], maxcall[0] * 1e3);
    println!("split, 64-frame pieces: {:.1}x real time (best of 5), longest call {:.3} ms", audio / best[1], maxcall[1] * 1e3);
}
