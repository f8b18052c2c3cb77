"""The flow state's verdict moves only along its edges; deny is always legal (fail closed)."""

from __future__ import annotations

import pytest
from mitmproxy.test import tflow

from addons.state import KEY, IllegalTransition, Verdict, state
from gateway.errors import BadGateway, Forbidden, Unavailable


class _Decision:
    def __init__(self, allowed=True):
        self.allowed, self.grant = allowed, None


def fresh():
    f = tflow.tflow()
    f.request.headers["X-Request-Id"] = "caller-chosen-id-1"
    return state(f), f


def test_one_state_under_one_key_with_the_gateways_own_request_id():
    st, f = fresh()
    assert list(f.metadata) == [KEY] and state(f) is st
    assert st.request_id != "caller-chosen-id-1" and len(st.request_id) == 32 and st.verdict is Verdict.PENDING


def test_two_flows_with_the_same_caller_id_get_different_request_ids():
    a, b = fresh()[0], fresh()[0]
    assert a.request_id != b.request_id


def test_pending_allowed_released():
    st, _ = fresh()
    st.allow(_Decision())
    assert st.verdict is Verdict.ALLOWED and st.allowed
    st.release(["finding"])
    assert st.verdict is Verdict.RELEASED and st.findings == ["finding"]


@pytest.mark.parametrize("path", [["release"], ["allow", "allow"], ["allow", "release", "release"],
                                  ["allow", "release", "allow"], ["deny", "allow"], ["deny", "release"]])
def test_illegal_transitions_raise(path):
    st, _ = fresh()
    moves = {"allow": lambda: st.allow(_Decision()), "release": lambda: st.release([]),
             "deny": lambda: st.deny(Forbidden("no_grant"), "authorize")}
    for move in path[:-1]:
        moves[move]()
    with pytest.raises(IllegalTransition):
        moves[path[-1]]()


def test_allow_needs_an_allowing_decision():
    st, _ = fresh()
    with pytest.raises(IllegalTransition):
        st.allow(_Decision(allowed=False))
    assert st.verdict is Verdict.PENDING


@pytest.mark.parametrize("before", [[], ["allow"], ["allow", "release"]])
def test_deny_is_legal_from_every_state(before):
    st, _ = fresh()
    for move in before:
        st.allow(_Decision()) if move == "allow" else st.release([])
    st.deny(BadGateway("invalid_json"), "mask")
    assert st.denied and (st.refusal.status, st.refusal.reason, st.refusal.stage) == (502, "invalid_json", "mask")


def test_a_later_deny_restates_the_refusal_but_keeps_the_first_error():
    st, _ = fresh()
    st.deny(BadGateway("upstream_error"), "upstream", KeyError("x"))
    st.deny(Unavailable("audit_unavailable"), "audit", OSError("disk"))
    assert (st.refusal.reason, st.refusal.stage, st.error) == ("audit_unavailable", "audit", "KeyError")


def test_a_policy_refusal_has_no_error_a_failure_has_its_reason():
    st, _ = fresh()
    st.deny(Forbidden("no_grant"), "authorize")
    assert st.error is None
    st2, _ = fresh()
    st2.deny(BadGateway("upstream_unavailable"), "upstream")
    assert st2.error == "upstream_unavailable"
