//! The progress display of a long command (a sweep's runs, a calibration's particles): a bar on a
//! terminal, plain lines otherwise. Imports only `indicatif` and `std`.

use std::time::{Duration, Instant};

/// A progress bar on a terminal; plain lines every 10 % or 30 s otherwise; nothing when quiet.
pub(crate) enum Display {
    Quiet,
    Bar(indicatif::ProgressBar),
    Lines {
        total: u64,
        start_done: u64,
        started: Instant,
        last_line: Instant,
        last_tenth: u64,
        command: &'static str,
        unit: &'static str,
    },
}

impl Display {
    /// The display of `command` (`sweep`) on scenario `name`, counting `total` units (`runs`),
    /// `done` of them already done.
    pub(crate) fn new(
        quiet: bool,
        total: u64,
        done: u64,
        name: &str,
        command: &'static str,
        unit: &'static str,
    ) -> Display {
        use std::io::IsTerminal;
        if quiet {
            return Display::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(total);
            pb.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit}, {{rate}}, {{eta}} left"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} runs/s", state.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            pb.set_message(format!("{command} {name}"));
            pb.set_position(done);
            pb.reset_eta();
            return Display::Bar(pb);
        }
        Display::Lines {
            total,
            start_done: done,
            started: Instant::now(),
            last_line: Instant::now(),
            last_tenth: done * 10 / total.max(1),
            command,
            unit,
        }
    }

    pub(crate) fn update(&mut self, done: u64) {
        match self {
            Display::Quiet => {}
            Display::Bar(pb) => pb.set_position(done),
            Display::Lines {
                total,
                start_done,
                started,
                last_line,
                last_tenth,
                command,
                unit,
            } => {
                let tenth = done * 10 / (*total).max(1);
                if tenth > *last_tenth || last_line.elapsed() >= Duration::from_secs(30) {
                    *last_tenth = tenth;
                    *last_line = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    let rate = (done - *start_done) as f64 / secs;
                    let left = if rate > 0.0 {
                        format!(", about {:.0} s left", (*total - done) as f64 / rate)
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "{command}: {done}/{total} {unit} ({:.0} %), {rate:.1} {unit}/s{left}",
                        100.0 * done as f64 / (*total).max(1) as f64
                    );
                }
            }
        }
    }

    pub(crate) fn finish(self) {
        if let Display::Bar(pb) = self {
            pb.finish_and_clear();
        }
    }
}
