"""The ticket state machine, without a server."""

import pytest

from mpp.domain.errors import InvalidTransition
from mpp.domain.states import TRANSITIONS, Action, TicketStatus, next_status

S = TicketStatus
ALLOWED = {
    (S.WAITING, Action.CALL): S.CALLED,
    (S.CALLED, Action.RECALL): S.CALLED,
    (S.CALLED, Action.START): S.SERVING,
    (S.CALLED, Action.FINISH): S.DONE,
    (S.SERVING, Action.FINISH): S.DONE,
    (S.CALLED, Action.NO_SHOW): S.NO_SHOW,
    (S.CALLED, Action.TRANSFER): S.WAITING,
    (S.SERVING, Action.TRANSFER): S.WAITING,
    (S.WAITING, Action.CANCEL): S.CANCELLED,
    (S.WAITING, Action.EXPIRE): S.EXPIRED,
}


@pytest.mark.parametrize(("status", "action"), list(ALLOWED))
def test_allowed_transitions_lead_where_the_contract_says(status, action):
    assert next_status(status, action) == ALLOWED[(status, action)]


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s in TicketStatus for a in Action if (s, a) not in ALLOWED],
)
def test_every_other_transition_is_refused_with_invalid_transition(status, action):
    with pytest.raises(InvalidTransition) as err:
        next_status(status, action)
    assert err.value.code == "invalid_transition"
    assert err.value.status == 409
    assert status.value in err.value.message


def test_transition_table_covers_exactly_the_contract():
    table = {(s, a) for a, (froms, _) in TRANSITIONS.items() for s in froms}
    assert table == set(ALLOWED)
