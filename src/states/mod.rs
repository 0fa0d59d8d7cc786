//! The state vocabulary (SPEC sections 2 and 3): states, transitions and
//! which rows a run emits. The states table is stored in [`rows`]; one
//! pass over each user's sorted active periods ([`walk`]) fills it.

mod rows;
mod walk;

pub use self::rows::{StateBatch, StateRow, StateRows, StoredRow};
pub use self::walk::Walk;

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A user's state in a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum State {
    /// The user's first active period.
    New = 0,
    /// Active now and in the previous period.
    Retained = 1,
    /// Active now, not in the previous period, and not new.
    Reactivated = 2,
    /// Not active (after the first period).
    Inactive = 3,
}

impl State {
    /// Every state.
    pub const ALL: [State; 4] = [
        State::New,
        State::Retained,
        State::Reactivated,
        State::Inactive,
    ];

    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Retained => "retained",
            State::Reactivated => "reactivated",
            State::Inactive => "inactive",
        }
    }

    /// Whether the user is active in this state.
    pub fn is_active(self) -> bool {
        self != State::Inactive
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        State::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                Error::invalid_option("state", s, "one of new, retained, reactivated, inactive")
            })
    }
}

/// The nine transitions `(previous_state, state)`, in SPEC order.
pub const TRANSITIONS: [(Option<State>, State); 9] = [
    (None, State::New),
    (Some(State::New), State::Retained),
    (Some(State::New), State::Inactive),
    (Some(State::Retained), State::Retained),
    (Some(State::Retained), State::Inactive),
    (Some(State::Reactivated), State::Retained),
    (Some(State::Reactivated), State::Inactive),
    (Some(State::Inactive), State::Reactivated),
    (Some(State::Inactive), State::Inactive),
];

/// The position of `(previous, state)` in [`TRANSITIONS`] (a match, not a
/// search: it runs once per state row).
#[inline]
pub fn transition_index(previous: Option<State>, state: State) -> Option<usize> {
    use State::*;
    Some(match (previous, state) {
        (None, New) => 0,
        (Some(New), Retained) => 1,
        (Some(New), Inactive) => 2,
        (Some(Retained), Retained) => 3,
        (Some(Retained), Inactive) => 4,
        (Some(Reactivated), Retained) => 5,
        (Some(Reactivated), Inactive) => 6,
        (Some(Inactive), Reactivated) => 7,
        (Some(Inactive), Inactive) => 8,
        _ => return None,
    })
}

/// The transition name: `{previous}_to_{state}`, or `new`.
pub fn transition_name(previous: Option<State>, state: State) -> &'static str {
    match (previous, state) {
        (None, _) => "new",
        (Some(State::New), State::Retained) => "new_to_retained",
        (Some(State::New), _) => "new_to_inactive",
        (Some(State::Retained), State::Retained) => "retained_to_retained",
        (Some(State::Retained), _) => "retained_to_inactive",
        (Some(State::Reactivated), State::Retained) => "reactivated_to_retained",
        (Some(State::Reactivated), _) => "reactivated_to_inactive",
        (Some(State::Inactive), State::Inactive) => "inactive_to_inactive",
        (Some(State::Inactive), _) => "inactive_to_reactivated",
    }
}

/// Which state rows a run emits (SPEC section 4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rows {
    /// Active users, plus one row when a user churns.
    #[default]
    Changes,
    /// Every user in every reported period from their first period on.
    All,
}

impl FromStr for Rows {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "changes" => Ok(Rows::Changes),
            "all" => Ok(Rows::All),
            _ => Err(Error::invalid_option(
                crate::options::Opt::Rows,
                s,
                "changes or all",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_index_is_the_position_in_transitions() {
        let previous = std::iter::once(None).chain(State::ALL.map(Some));
        for p in previous {
            for s in State::ALL {
                assert_eq!(
                    transition_index(p, s),
                    TRANSITIONS.iter().position(|t| *t == (p, s)),
                    "{p:?} -> {s:?}"
                );
            }
        }
    }
}
