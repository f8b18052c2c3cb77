"""Share applications: submit, approve (narrowed), refuse with a mandatory reason, revoke, overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.admin.accounts import User
from gateway.admin.applications import ApplicationError
from gateway.policy import GrantStore

UNTIL = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
GA_OFFICER = User("sec-ga", "security", "GA")
MZ_OFFICER = User("sec-mz", "security", "MZ")


def submit(ctx, **kw):
    args = {"dept": "MZ", "app": "dibao", "resource": "GA-RK-0001", "fields": ["xm", "sfzh"],
            "pseudonym_fields": [], "purpose": "最低生活保障资格核查", "basis": "《社会救助暂行办法》第十一条",
            "until": UNTIL, "submitted_by": "jwt:MZ/dibao"} | kw
    return ctx.applications.submit(**args)


def test_submit_records_the_request_and_a_due_date_ten_working_days_on(ctx):
    a = submit(ctx)
    assert (a.status, a.provider, a.fields, a.until) == ("pending", "GA", ("xm", "sfzh"), UNTIL)
    assert a.due_date > a.submitted_at[:10]
    assert ctx.applications.get(a.id) == a


@pytest.mark.parametrize("change, message", [
    ({"resource": "GA-ZT-0001"}, "not shared"),
    ({"resource": "XX-0000-0001"}, "not in the catalog"),
    ({"dept": "GA"}, "provides"),
    ({"fields": ["xm", "nonexistent"]}, "no field"),
    ({"purpose": ""}, "purpose"),
    ({"basis": " "}, "basis is required"),
    ({"until": "2020-01-01T00:00:00Z"}, "not in the future"),
    ({"until": "next year"}, "ISO-8601"),
])
def test_invalid_applications_are_refused_with_a_reason(ctx, change, message):
    with pytest.raises(ApplicationError, match=message):
        submit(ctx, **change)


def test_approval_narrows_and_creates_the_grant(ctx):
    a = submit(ctx, fields=["xm", "sfzh", "sjhm"])
    shorter = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = ctx.applications.approve(a.id, GA_OFFICER, fields=["xm"], pseudonym_fields=["sfzh"], until=shorter)
    assert done.status == "approved" and done.granted_fields == ("xm",) and done.granted_until == shorter
    grant = GrantStore(ctx.engine).get(done.grant_id)
    assert (grant.dept, grant.app, grant.fields, grant.pseudonym_fields, grant.until, grant.created_by) == \
        ("MZ", "dibao", ("xm",), ("sfzh",), shorter, "sec-ga")


def test_approval_never_widens(ctx):
    a = submit(ctx, fields=["xm"])
    with pytest.raises(ApplicationError, match="never widen"):
        ctx.applications.approve(a.id, GA_OFFICER, fields=["xm", "sjhm"])
    with pytest.raises(ApplicationError, match="never extend"):
        ctx.applications.approve(a.id, GA_OFFICER, until="2099-01-01T00:00:00Z")
    assert GrantStore(ctx.engine).list() == []


def test_only_the_providing_departments_security_officer_answers(ctx):
    a = submit(ctx)
    for officer in (MZ_OFFICER, User("aud", "audit"), User("sys", "system")):
        with pytest.raises(ApplicationError) as refused:
            ctx.applications.approve(a.id, officer)
        assert refused.value.status == 403
    assert ctx.applications.get(a.id).status == "pending"


def test_a_refusal_needs_a_reason(ctx):
    a = submit(ctx)
    with pytest.raises(ApplicationError, match="refusal reason is required"):
        ctx.applications.refuse(a.id, GA_OFFICER, "  ")
    done = ctx.applications.refuse(a.id, GA_OFFICER, "申请字段超出业务必需范围")
    assert (done.status, done.reason, done.grant_id) == ("refused", "申请字段超出业务必需范围", None)
    with pytest.raises(ApplicationError) as again:
        ctx.applications.approve(a.id, GA_OFFICER)
    assert again.value.status == 409


def test_revoking_an_approved_application_revokes_its_grant(ctx):
    a = ctx.applications.approve(submit(ctx).id, GA_OFFICER)
    done = ctx.applications.revoke(a.id, GA_OFFICER)
    assert done.status == "revoked"
    assert GrantStore(ctx.engine).get(a.grant_id).revoked_at is not None
    assert GrantStore(ctx.engine).list() == []


def test_pending_past_the_due_date_is_overdue(ctx):
    a = submit(ctx)
    due = datetime.fromisoformat(a.due_date + "T12:00:00+08:00")
    assert not a.overdue(due)
    assert a.overdue(due + timedelta(days=1))
    assert not ctx.applications.refuse(a.id, GA_OFFICER, "不符合条件").overdue(due + timedelta(days=1))
