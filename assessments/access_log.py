"""
The audit trail of who did what with people's access (`AccessEvent`), viewable by admins.

The rules:

* One function, `audit_access`, records every event, called where the change happens (the
  domain functions for invitations, sharing, groups, sign-in links and passwords, and the
  admin's save hooks for accounts), in the same transaction as the change, so a change that
  is rolled back leaves no event and an event never claims a change that did not happen.
  Sign-in with a council account (SSO) and two-factor resets call it too, with
  `Action.SSO_LINKED` and `Action.TWO_FACTOR_RESET`.
* `details` holds only plain values saying what changed (field names, old and new values, ids
  and counts). Never answers, notes, passwords or tokens: the keys that could hold them are
  refused outright, as the security log refuses them.
* The trail is read-only in the admin: nobody adds, edits or deletes an event there.
"""

from django.db import models

from assessments.models import AccessEvent, Council, CouncillorGroup, User

# Keys `details` may never have, whatever the value.
FORBIDDEN_DETAILS = frozenset(
    {"password", "note", "notes", "answer", "answers", "token", "token_hash", "credentials"}
)

# The account fields whose changes in admin are recorded, and the action each one is.
ACCOUNT_FIELDS = {
    "role": AccessEvent.Action.ROLE_CHANGED,
    "is_active": AccessEvent.Action.ACTIVATION_CHANGED,
    "is_staff": AccessEvent.Action.STAFF_CHANGED,
    "is_superuser": AccessEvent.Action.STAFF_CHANGED,
    "council": AccessEvent.Action.COUNCIL_CHANGED,
}


def audit_access(
    *,
    action: AccessEvent.Action,
    actor: User | None,
    subject: User | None = None,
    council: Council | None = None,
    group: CouncillorGroup | None = None,
    details: dict | None = None,
) -> AccessEvent:
    """
    Record one change to someone's access. `council` defaults to the subject's (or the
    group's). `actor` is None for the service itself (a task, a command).
    """
    details = details or {}
    forbidden = FORBIDDEN_DETAILS.intersection(details)
    if forbidden:
        raise ValueError(f"The access trail never records {', '.join(sorted(forbidden))}")
    if council is None:
        if group is not None:
            council = group.council
        elif subject is not None:
            council = subject.council
    return AccessEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        subject=subject,
        council=council,
        group=group,
        details=details,
    )


def _plain(value) -> object:
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    return value


def audit_council_changes(*, actor: User | None, council: Council, changed: dict) -> None:
    """
    Record an admin's change to a council's settings: `changed` maps each changed field to its
    (old, new) values. A field whose name says it holds a secret is recorded as changed,
    without its values.
    """
    if not changed:
        return
    audit_access(
        action=AccessEvent.Action.COUNCIL_SETTINGS_CHANGED,
        actor=actor,
        council=council,
        details={
            name: (
                {"changed": True}
                if "secret" in name or "key" in name
                else {"old": _plain(old), "new": _plain(new)}
            )
            for name, (old, new) in changed.items()
        },
    )


def audit_account_changes(*, actor: User | None, before: User | None, after: User) -> None:
    """
    Record the access fields that differ between `before` (the account as it was, None for a
    new one) and `after`: one event per field, with the old and new values. The council's old
    value is the one it had, so a move says from where to where.
    """
    if before is None:
        audit_access(
            action=AccessEvent.Action.ACCOUNT_CREATED,
            actor=actor,
            subject=after,
            details={
                "role": after.role,
                "is_staff": after.is_staff,
                "council": _plain(after.council),
            },
        )
        return
    for field, action in ACCOUNT_FIELDS.items():
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        audit_access(
            action=action,
            actor=actor,
            subject=after,
            details={"field": field, "old": _plain(old), "new": _plain(new)},
        )
