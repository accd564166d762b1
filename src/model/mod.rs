//! The model: the theory of the thesis as plain types and pure functions, each mechanism in
//! one place and named after the concept it implements (ODD 2, 4 and 7; thesis chapters 2, 4
//! and 5).
//!
//! - [`world`]: states and who plays whom; [`population`]: the states a scenario describes;
//! - [`game`] and [`strategy`]: the stage game and the strategies of the repeated game;
//! - [`rules`]: the rule sets (realism, institutionalism) and their mechanisms;
//! - [`issue`]: issue areas, civil-society access, regimes in place at the start;
//! - [`utility`]: own stage games, relative gains; [`compliance`]: keeping the treaty;
//! - [`regime`]: the emergence criterion, veto players, status over a run;
//! - [`negotiation`]: the value of membership and ratification;
//! - [`shocks`], [`learning`]: shocks and strategy revision settings;
//! - [`scenario`]: the resolved scenario that ties them together.
//!
//! The model does no I/O and has no simulation loop (that is `engine`'s). It may import nothing
//! from `io`, `engine`, `analysis`, `plot` or clap; file formats are converted into these types
//! by `io::scenario`.
//!
//! Payoff tables are stored as `[CC, CD, DC, DD]` from the owner's view, i.e. `[R, S, T, P]`.

pub mod compliance;
pub mod game;
pub mod issue;
pub mod learning;
pub mod negotiation;
pub mod population;
pub mod probability;
pub mod regime;
pub mod rules;
pub mod scenario;
pub mod shocks;
pub mod strategy;
pub mod utility;
pub mod world;

pub use compliance::{complies, Enforcement, TreatyValues};
pub use issue::{
    CivilSocietyAccess, Forum, Founding, InitialRegime, Issue, IssueKind, Members, Shifts,
};
pub use learning::{Learning, LearningRule};
pub use negotiation::{
    keepers, membership_terms, membership_value, ratify, MembershipTerms, NegotiationContext,
    Outlook, Ratification, StateView,
};
pub use population::{Bloc, Dist, StateSource, StateTemplate, StrategyMix};
pub use regime::{
    criterion_holds, initial_members, membership_criterion_holds, veto_players, RegimeCriteria,
    RegimeTracker, Status, Transition,
};
pub use rules::Rules;
pub use scenario::{Noise, Scenario};
pub use shocks::{apply_attribute_shock, Shock, ShockKind};
pub use utility::{mean_partner_game, pair_utility, relative_gains_weight, stage_game};
pub use world::{IssueStrategies, State, StateName, Topology, TopologyKind, World};
