//! `regime tournament`: checks the strategies, payoffs and sizes, plays the tournament, writes
//! its CSVs and prints the ranking.

use super::{default_out, Common};
use regime::engine::tournament::{self, TournamentConfig};
use regime::error::RegimeError;
use regime::io::output::{self, OutputDir};
use regime::model::game::Payoffs;
use regime::model::strategy::Strategy;
use std::time::Instant;

/// `regime tournament`: a round-robin tournament with self-play, as in Axelrod-Python.
pub fn tournament(
    c: &Common,
    strategies: &[String],
    turns: u64,
    reps: u32,
    noise: f64,
    payoffs: &str,
    record_actions: bool,
) -> anyhow::Result<()> {
    let mut parsed = Vec::new();
    for s in strategies {
        let st =
            Strategy::parse(s).map_err(|e| RegimeError::argument("--strategies", e, s.clone()))?;
        if parsed.contains(&st) {
            return Err(
                RegimeError::argument("--strategies", "distinct strategies", s.clone()).into(),
            );
        }
        parsed.push(st);
    }
    if !(0.0..=1.0).contains(&noise) {
        return Err(
            RegimeError::argument("--noise", "a probability in [0, 1]", noise.to_string()).into(),
        );
    }
    let nums: Vec<f64> = payoffs
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| RegimeError::argument("--payoffs", "four numbers T,R,P,S", payoffs))?;
    if nums.len() != 4 {
        return Err(RegimeError::argument("--payoffs", "four numbers T,R,P,S", payoffs).into());
    }
    let game = Payoffs {
        t: nums[0],
        r: nums[1],
        p: nums[2],
        s: nums[3],
    };
    if !game.is_finite() {
        return Err(RegimeError::argument("--payoffs", "finite numbers", payoffs).into());
    }
    if let Some(why) = game.strict_pd_violation() {
        // Like Axelrod-Python, any 2x2 game is allowed in a tournament; say so.
        eprintln!("note: --payoffs {payoffs} is not a strict prisoner's dilemma ({why}); playing it anyway");
    }
    if reps == 0 || turns == 0 {
        return Err(RegimeError::argument(
            "--turns/--reps",
            "numbers >= 1",
            format!("{turns}/{reps}"),
        )
        .into());
    }
    // Counts and the ranking's sums must stay exact: turns x repetitions x matches of a
    // strategy at most 2^53 (an f64 holds every whole number up to there).
    let n = parsed.len() as u64;
    let most = (n + 1)
        .checked_mul(u64::from(reps))
        .and_then(|x| x.checked_mul(turns));
    if most.is_none_or(|x| x > 1 << 53) {
        return Err(RegimeError::argument(
            "--turns/--reps",
            format!(
                "turns x reps x {} (the matches of a strategy) at most 2^53 = 9007199254740992",
                n + 1
            ),
            format!("{turns}/{reps}"),
        )
        .into());
    }
    let config = TournamentConfig {
        strategies: parsed,
        turns,
        reps,
        noise,
        payoffs: game,
        seed: c.seed.unwrap_or(42),
        record_actions,
    };
    let target = default_out(
        c,
        "tournament",
        &format!("{}x{}", config.strategies.len(), turns),
    );
    let dir = OutputDir::create(&target, c.force)?;
    let started = Instant::now();
    let t = tournament::run(&config);
    let elapsed = started.elapsed().as_secs_f64();
    output::write_tournament(&dir, &t)?;
    let pr = config.pair_rounds();
    output::write_manifest(
        &dir,
        &serde_json::json!({
            "tool": "regime",
            "version": env!("CARGO_PKG_VERSION"),
            "command": "tournament",
            "arguments": std::env::args().collect::<Vec<_>>(),
            "strategies": config.strategies.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "turns": turns,
            "reps": reps,
            "noise": noise,
            "payoffs": {"t": game.t, "r": game.r, "p": game.p, "s": game.s},
            "master_seed": config.seed,
            "threads": rayon::current_num_threads(),
            "seconds": elapsed,
            "pair_rounds": pr,
        }),
    )?;
    let done = dir.commit()?;
    if !c.quiet {
        println!(
            "{:>4}  {:<28} {:>12} {:>11} {:>5}",
            "rank", "strategy", "score/turn", "cooperation", "wins"
        );
        for r in t.ranking() {
            println!(
                "{:>4}  {:<28} {:>12.4} {:>11.4} {:>5}",
                r.rank, r.strategy, r.mean_score_per_turn, r.cooperation, r.wins
            );
        }
        eprintln!(
            "{} pair-rounds in {:.4} s; outputs in {}",
            pr,
            elapsed,
            done.display()
        );
    }
    Ok(())
}

/// Splits on commas outside parentheses: `tft,memory_one(1,0,0,1),gtft(0.1)` has three parts.
pub fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for ch in text.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() || !parts.is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}
