//! Which theory's prediction a measured contrast matches (docs/hypotheses.md, "Decision
//! rules"). Each rule reads only the 95 % interval, so a result is called for a theory only
//! when the interval excludes the other theory's prediction.

/// The theory whose prediction a row matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Realism's prediction (thesis ch. 5.1).
    Realist,
    /// Institutionalism's prediction (thesis ch. 5.2).
    Institutionalist,
    /// Neither: the interval runs against both, or straddles the threshold between them, or
    /// there are no data.
    Neither,
    /// A level behind a contrast: no theory predicts it alone (empty in `hypotheses.csv`).
    Descriptive,
}

impl Match {
    /// The name in `hypotheses.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Match::Realist => "realist",
            Match::Institutionalist => "institutionalist",
            Match::Neither => "neither",
            Match::Descriptive => "",
        }
    }
}

/// A decision rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Institutionalism predicts an effect of this sign (+1 or -1), realism none: the
    /// interval entirely on that side of 0 matches institutionalism, an interval containing 0
    /// (an exact zero included) realism, an interval entirely on the other side neither.
    Effect(f64),
    /// Institutionalism predicts that something happens more often than not (a regime
    /// survives the exit of its most powerful members; a binding regime emerges given a long
    /// shadow of the future), realism that it does not: the interval of the probability above
    /// 0.5 matches institutionalism, below 0.5 realism, across 0.5 neither.
    Majority,
    /// No prediction (a level behind a contrast).
    Descriptive,
}

impl Rule {
    /// The match of an interval `(low, high)` (NaN: no data).
    pub fn decide(self, (low, high): (f64, f64)) -> Match {
        if low.is_nan() || high.is_nan() {
            return match self {
                Rule::Descriptive => Match::Descriptive,
                _ => Match::Neither,
            };
        }
        match self {
            Rule::Effect(sign) => {
                let (low, high) = if sign < 0.0 {
                    (-high, -low)
                } else {
                    (low, high)
                };
                if low > 0.0 {
                    Match::Institutionalist
                } else if high < 0.0 {
                    Match::Neither
                } else {
                    Match::Realist
                }
            }
            Rule::Majority if low > 0.5 => Match::Institutionalist,
            Rule::Majority if high < 0.5 => Match::Realist,
            Rule::Majority => Match::Neither,
            Rule::Descriptive => Match::Descriptive,
        }
    }
}

/// Who gains (H4): institutionalism predicts that joining pays in the lower three power
/// quartiles too (`lower`: their pooled payoff change, with interval); realism that it pays
/// only the most powerful (`top`: the top quartile's interval above 0 while the lower
/// quartiles' is not). Anything else matches neither.
pub fn who_gains(lower: (f64, f64), top: (f64, f64)) -> Match {
    if lower.0.is_nan() || lower.1.is_nan() {
        return Match::Neither;
    }
    if lower.0 > 0.0 {
        Match::Institutionalist
    } else if top.0 > 0.0 {
        Match::Realist
    } else {
        Match::Neither
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effect_rule_reads_the_interval() {
        let up = Rule::Effect(1.0);
        assert_eq!(up.decide((0.1, 0.3)), Match::Institutionalist);
        assert_eq!(up.decide((0.0, 0.0)), Match::Realist);
        assert_eq!(up.decide((-0.1, 0.3)), Match::Realist);
        assert_eq!(up.decide((-0.3, -0.1)), Match::Neither);
        let down = Rule::Effect(-1.0);
        assert_eq!(down.decide((-3.0, -1.0)), Match::Institutionalist);
        assert_eq!(down.decide((1.0, 3.0)), Match::Neither);
        assert_eq!(up.decide((f64::NAN, f64::NAN)), Match::Neither);
    }

    #[test]
    fn survival_and_gains_rules() {
        assert_eq!(Rule::Majority.decide((0.6, 0.9)), Match::Institutionalist);
        assert_eq!(Rule::Majority.decide((0.0, 0.2)), Match::Realist);
        assert_eq!(Rule::Majority.decide((0.3, 0.7)), Match::Neither);
        assert_eq!(who_gains((0.1, 0.2), (0.1, 0.2)), Match::Institutionalist);
        assert_eq!(who_gains((-0.1, 0.2), (0.1, 0.2)), Match::Realist);
        assert_eq!(who_gains((-0.1, 0.2), (-0.1, 0.2)), Match::Neither);
        assert_eq!(Rule::Descriptive.decide((0.1, 0.2)), Match::Descriptive);
    }
}
