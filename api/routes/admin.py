"""/api/admin: read-only views for operators (token e-mail in ADMIN_EMAILS; no user row needed)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.dependencies import AdminDep, SessionDep
from models import QueueItem, Template
from schemas.admin import (
    AdminEmailPage,
    AdminError,
    AdminOverview,
    AdminQueueItem,
    AdminTemplate,
    AdminUser,
    WeekActivity,
)
from services import admin
from services.errors import Forbidden, NotFound, Unauthorized, responses

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=responses(Unauthorized, Forbidden))


@router.get("/overview", response_model=AdminOverview)
def read_overview(session: SessionDep, _admin: AdminDep) -> admin.Overview:
    """Platform totals; rates are percentages with one decimal."""
    return admin.overview(session=session)


@router.get("/users", response_model=list[AdminUser])
def list_users(session: SessionDep, _admin: AdminDep) -> list[admin.UserStats]:
    """Every user with usage counts, newest first."""
    return admin.list_users(session=session)


@router.get("/users/{user_id}/emails", response_model=AdminEmailPage, responses=responses(NotFound))
def list_user_emails(
    session: SessionDep,
    _admin: AdminDep,
    user_id: uuid.UUID,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> admin.EmailPage:
    """One page of a user's emails (hidden ones included), newest first."""
    return admin.user_emails(session=session, user_id=user_id, page=page, per_page=per_page)


@router.get("/users/{user_id}/templates", response_model=list[AdminTemplate], responses=responses(NotFound))
def list_user_templates(session: SessionDep, _admin: AdminDep, user_id: uuid.UUID) -> list[Template]:
    return admin.user_templates(session=session, user_id=user_id)


@router.get("/users/{user_id}/queue", response_model=list[AdminQueueItem], responses=responses(NotFound))
def list_user_queue(session: SessionDep, _admin: AdminDep, user_id: uuid.UUID) -> list[QueueItem]:
    """A user's latest queue items in every state (cancelled included), newest first."""
    return admin.user_queue(session=session, user_id=user_id)


@router.get("/activity", response_model=list[WeekActivity])
def read_activity(session: SessionDep, _admin: AdminDep) -> list[admin.WeekActivity]:
    """Emails and active users for the last 12 weeks (Monday-based, UTC), oldest first."""
    return admin.activity(session=session)


@router.get("/errors", response_model=list[AdminError])
def list_errors(session: SessionDep, _admin: AdminDep) -> list[admin.FailedItem]:
    """The latest failed queue items with their user, newest first."""
    return admin.recent_failures(session=session)
