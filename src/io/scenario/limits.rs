//! The ranges every scenario value must keep so that every computation stays finite and every
//! loop ends: sizes (states, rounds, intervals) and magnitudes (power, payoffs, shifts,
//! mechanism values). Documented in `docs/scenario-format.md` ("Limits"); the memory and disk a
//! run needs are estimated separately (`analysis::budget`).

/// The most states a scenario may have (listed, from `states_file` and in blocs together).
pub const MAX_STATES: u64 = 1_000_000;
/// The most rounds a run may have.
pub const MAX_ROUNDS: u64 = 1_000_000;
/// The longest learning interval, in rounds.
pub const MAX_LEARNING_INTERVAL: u64 = 10_000;
/// The longest negotiation interval and sustain period, in rounds.
pub const MAX_REGIME_ROUNDS: u64 = MAX_ROUNDS;
/// The largest power a state may have (powers are normalised to shares).
pub const MAX_POWER: f64 = 1e12;
/// The largest magnitude of a payoff, a payoff shift, a mechanism value, a sovereignty cost or
/// weight, a shock's change and the decision noise.
pub const MAX_VALUE: f64 = 1e6;
/// The largest magnitude of `start_year` and of any year.
pub const MAX_YEAR: i64 = 1_000_000;
