//! Speed of encoding QR codes, yasno's encoder against the `qrcode` crate's own mask search,
//! on URLs shaped like a site's (service pages and reception landing pages).
//! Usage: `cargo bench --bench qr_encode -- [codes=10000] [runs=3]`.

use std::time::Instant;

use yasno::qr::{EcLevel, Modules};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let urls: Vec<String> = (0..n)
        .map(|i| match i % 3 {
            0 => format!("https://example.org/services/usluga-nomer-{i}/#survey"),
            1 => format!("https://example.org/q/priemnaya/usluga-nomer-{i}/"),
            _ => format!("https://example.org/q/mfc-tsentralnyy/usluga-nomer-{i}/"),
        })
        .collect();
    for _ in 0..runs {
        let t = Instant::now();
        let widths: usize = urls
            .iter()
            .map(|u| Modules::encode(u, EcLevel::M).unwrap().width())
            .sum();
        let ours = t.elapsed();
        let t = Instant::now();
        let widths_crate: usize = urls
            .iter()
            .map(|u| {
                qrcode::QrCode::with_error_correction_level(u, qrcode::EcLevel::M)
                    .unwrap()
                    .width()
            })
            .sum();
        let theirs = t.elapsed();
        assert_eq!(widths, widths_crate);
        println!(
            "{n} codes on one core: yasno {:.3} s ({:.1} µs a code), qrcode crate {:.3} s ({:.1} µs a code)",
            ours.as_secs_f64(),
            ours.as_secs_f64() * 1e6 / n as f64,
            theirs.as_secs_f64(),
            theirs.as_secs_f64() * 1e6 / n as f64,
        );
    }
}
