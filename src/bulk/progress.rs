//! A one-line progress bar on stderr (archives done/total, rate, time left), drawn at most
//! ten times a second, and only when stderr is a terminal.

use std::io::Write;
use std::time::{Duration, Instant};

pub struct Progress {
    total: usize,
    done: usize,
    started: Instant,
    drawn: Option<Instant>,
    enabled: bool,
}

impl Progress {
    pub fn new(total: usize, enabled: bool) -> Self {
        Progress {
            total,
            done: 0,
            started: Instant::now(),
            drawn: None,
            enabled,
        }
    }

    /// One more archive done.
    pub fn tick(&mut self) {
        self.done += 1;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self.done < self.total
            && self
                .drawn
                .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
        {
            return;
        }
        self.drawn = Some(now);
        let line = self.line(now.duration_since(self.started).as_secs_f64());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if self.enabled && self.drawn.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }

    fn line(&self, elapsed: f64) -> String {
        const WIDTH: usize = 30;
        let fraction = if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        };
        let filled = ((fraction * WIDTH as f64) as usize).min(WIDTH);
        let rate = if elapsed > 0.0 {
            self.done as f64 / elapsed
        } else {
            0.0
        };
        let left = if rate > 0.0 {
            (self.total - self.done.min(self.total)) as f64 / rate
        } else {
            0.0
        };
        format!(
            "[{}{}] {}/{} archives  {:.1}/s  ETA {}",
            "=".repeat(filled),
            " ".repeat(WIDTH - filled),
            self.done,
            self.total,
            rate,
            clock(left)
        )
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_done_total_rate_and_time_left() {
        let mut p = Progress::new(1000, false);
        for _ in 0..250 {
            p.tick();
        }
        let line = p.line(10.0);
        assert_eq!(
            line,
            "[=======                       ] 250/1000 archives  25.0/s  ETA 0m30s"
        );
        assert_eq!(clock(3725.0), "1h02m");
    }
}
