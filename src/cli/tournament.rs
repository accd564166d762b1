//! `regime tournament`: checks the strategies, payoffs and sizes, plays the tournament, writes
//! its CSVs and prints the ranking.

use super::{default_out, Common};
use regime::engine::tournament::{self, Tournament, TournamentConfig};
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
    let parsed = parse_strategies(strategies)?;
    if !(0.0..=1.0).contains(&noise) {
        return Err(
            RegimeError::argument("--noise", "a probability in [0, 1]", noise.to_string()).into(),
        );
    }
    let game = parse_payoffs(payoffs)?;
    check_sizes(parsed.len() as u64, turns, reps)?;
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
    output::write_manifest(&dir, &manifest(&config, elapsed))?;
    let done = dir.commit()?;
    print_ranking(&t);
    if !c.quiet {
        eprintln!(
            "{} pair-rounds in {:.4} s; outputs in {}",
            config.pair_rounds(),
            elapsed,
            done.display()
        );
    }
    Ok(())
}

/// Parses `--strategies` (names, aliases or parameterised strategies); each at most once.
fn parse_strategies(strategies: &[String]) -> anyhow::Result<Vec<Strategy>> {
    let mut parsed = Vec::new();
    for s in strategies {
        let st = Strategy::parse(s).map_err(|e| {
            let (expected, found) = regime::error::split_expected_found(&e);
            let found = match found {
                Some(f) if f.trim_matches('`') != s.as_str() => format!("{f} in `{s}`"),
                _ => format!("`{s}`"),
            };
            RegimeError::argument("--strategies", expected, found)
        })?;
        if parsed.contains(&st) {
            return Err(
                RegimeError::argument("--strategies", "distinct strategies", s.clone()).into(),
            );
        }
        parsed.push(st);
    }
    Ok(parsed)
}

/// Parses `--payoffs T,R,P,S`; any finite 2x2 game is played (with a note when it is not a
/// strict prisoner's dilemma), as in Axelrod-Python.
fn parse_payoffs(payoffs: &str) -> anyhow::Result<Payoffs> {
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
        eprintln!("note: --payoffs {payoffs} is not a strict prisoner's dilemma ({why}); playing it anyway");
    }
    Ok(game)
}

/// Turns and repetitions of at least one, and small enough that counts and the ranking's sums
/// stay exact: turns x repetitions x matches of a strategy at most 2^53 (an f64 holds every
/// whole number up to there).
fn check_sizes(strategies: u64, turns: u64, reps: u32) -> anyhow::Result<()> {
    if reps == 0 || turns == 0 {
        return Err(RegimeError::argument(
            "--turns/--reps",
            "numbers >= 1",
            format!("{turns}/{reps}"),
        )
        .into());
    }
    let most = (strategies + 1)
        .checked_mul(u64::from(reps))
        .and_then(|x| x.checked_mul(turns));
    if most.is_none_or(|x| x > 1 << 53) {
        return Err(RegimeError::argument(
            "--turns/--reps",
            format!(
                "turns x reps x {} (the matches of a strategy) at most 2^53 = 9007199254740992",
                strategies + 1
            ),
            format!("{turns}/{reps}"),
        )
        .into());
    }
    Ok(())
}

/// The tournament's manifest: what was played, with which seed, on how many threads, how fast.
fn manifest(config: &TournamentConfig, elapsed: f64) -> serde_json::Value {
    let game = config.payoffs;
    serde_json::json!({
        "tool": "regime",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "tournament",
        "arguments": std::env::args().collect::<Vec<_>>(),
        "strategies": config.strategies.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "turns": config.turns,
        "reps": config.reps,
        "noise": config.noise,
        "payoffs": {"t": game.t, "r": game.r, "p": game.p, "s": game.s},
        "master_seed": config.seed,
        "threads": rayon::current_num_threads(),
        "seconds": elapsed,
        "pair_rounds": config.pair_rounds(),
    })
}

/// Prints the ranking table on standard output.
fn print_ranking(t: &Tournament) {
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
