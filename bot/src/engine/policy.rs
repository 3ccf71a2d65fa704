//! Who may do what: the one permission rule every `/ticket` command, button and emoji
//! shortcut goes through before it changes anything.
//!
//! Roles: customers (and every guest from another organisation, whatever their role at
//! home) versus staff (agents, leads, CSMs, managers). Staff roles do not differ in what
//! they may run; what a customer may see is scoped separately, by channel, when the ticket
//! is looked up (a customer never learns about a ticket outside the channel they are in).

use crate::command::Command;
use crate::render::UserError;

/// What the permission rule needs to know about the caller, here, for this ticket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    /// Staff (agent, lead, CSM, manager) speaking from their own organisation.
    pub staff: bool,
    /// The ticket's requester (same platform and user); `false` when there is no ticket.
    pub requester: bool,
    /// The channel lets customers open tickets (`who_may_open = "anyone"`).
    pub customers_may_open: bool,
}

/// Whether `caller` may run `cmd`; the refusal to send them otherwise.
///
/// The match is exhaustive on purpose: a new command does not compile until someone decides
/// who may run it.
pub fn permit(cmd: &Command, caller: Caller) -> Result<(), UserError> {
    let staff = || if caller.staff { Ok(()) } else { Err(UserError::StaffOnly) };
    match cmd {
        // Reading a ticket of the caller's own channel, and help.
        Command::Help | Command::Show { .. } | Command::Transcript { .. } => Ok(()),
        Command::Open { .. } => {
            if caller.staff || caller.customers_may_open {
                Ok(())
            } else {
                Err(UserError::CustomerOpen)
            }
        }
        // Only the person who asked rates the answer, staff included.
        Command::Rate { .. } => if caller.requester { Ok(()) } else { Err(UserError::NotRequester) },
        // The requester answers a close request; staff may answer for them.
        Command::AnswerClose { .. } => {
            if caller.staff || caller.requester {
                Ok(())
            } else {
                Err(UserError::NotRequester)
            }
        }
        // Triage, and anything that shows more than one account (tag ranking).
        Command::Claim { .. }
        | Command::Assign { .. }
        | Command::SetPriority { .. }
        | Command::SetStatus { .. }
        | Command::Tag { .. }
        | Command::TagsTop { .. }
        | Command::AskClose { .. }
        | Command::Panel
        | Command::Escalate { .. }
        | Command::Deescalate { .. }
        | Command::Handoff { .. }
        | Command::Ack { .. } => staff(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::parse;

    #[test]
    fn customers_read_open_where_allowed_and_answer_their_own_tickets() {
        let customer = Caller::default();
        let requester = Caller { requester: true, ..Caller::default() };
        let staff = Caller { staff: true, ..Caller::default() };
        for text in ["", "show", "transcript", "help"] {
            let cmd = parse(text).unwrap();
            assert_eq!(permit(&cmd, customer), Ok(()), "{text}");
        }
        let open = parse("open Printer on fire").unwrap();
        assert_eq!(permit(&open, customer), Err(UserError::CustomerOpen));
        assert_eq!(permit(&open, Caller { customers_may_open: true, ..customer }), Ok(()));
        assert_eq!(permit(&open, staff), Ok(()));
        let rate = parse("rate 5").unwrap();
        assert_eq!(permit(&rate, customer), Err(UserError::NotRequester));
        assert_eq!(permit(&rate, staff), Err(UserError::NotRequester));
        assert_eq!(permit(&rate, requester), Ok(()));
        let answer = Command::AnswerClose { key: None, confirmed: true };
        assert_eq!(permit(&answer, customer), Err(UserError::NotRequester));
        assert_eq!(permit(&answer, requester), Ok(()));
        assert_eq!(permit(&answer, staff), Ok(()));
        for text in [
            "claim", "assign dana", "priority high", "solve", "close", "reopen", "pending", "hold", "tag bug:x",
            "tags top", "ask-close", "panel", "escalate", "deescalate", "handoff", "ack",
        ] {
            let cmd = parse(text).unwrap();
            assert_eq!(permit(&cmd, requester), Err(UserError::StaffOnly), "{text}");
            assert_eq!(permit(&cmd, Caller { customers_may_open: true, ..requester }), Err(UserError::StaffOnly), "{text}");
            assert_eq!(permit(&cmd, staff), Ok(()), "{text}");
        }
    }
}
