"""Invitations in the store: saved once, looked up by the hash of their token, and used
up by a conditional update so two acceptances can never both succeed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from cspadmin.domain.invitations import Invitation
from cspadmin.store import schema as t


def save_invitation(connection: Connection, invitation: Invitation) -> None:
    connection.execute(
        insert(t.invitations).values(
            id=invitation.id,
            token_hash=invitation.token_hash,
            partner_tenant_id=invitation.partner_tenant_id,
            dap=invitation.dap,
            created_by=invitation.created_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            customer_tenant_id=invitation.customer_tenant_id,
            accepted_by=invitation.accepted_by,
            accepted_at=invitation.accepted_at,
        )
    )


def _invitation(row: Row[Any]) -> Invitation:
    return Invitation(
        id=row.id,
        token_hash=row.token_hash,
        partner_tenant_id=row.partner_tenant_id,
        dap=row.dap,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        customer_tenant_id=row.customer_tenant_id,
        accepted_by=row.accepted_by,
        accepted_at=row.accepted_at,
    )


def find_invitation(connection: Connection, token_hash: str) -> Invitation | None:
    row = connection.execute(
        select(t.invitations).where(t.invitations.c.token_hash == token_hash)
    ).first()
    return None if row is None else _invitation(row)


def use_invitation(connection: Connection, accepted: Invitation) -> bool:
    """Record the acceptance; False when another acceptance got there first."""
    assert accepted.accepted_at is not None
    result = connection.execute(
        update(t.invitations)
        .where((t.invitations.c.id == accepted.id) & t.invitations.c.accepted_at.is_(None))
        .values(
            customer_tenant_id=accepted.customer_tenant_id,
            accepted_by=accepted.accepted_by,
            accepted_at=accepted.accepted_at,
        )
    )
    return result.rowcount == 1
