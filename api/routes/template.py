"""/api/templates: write a template from a resume PDF, list and read templates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.dependencies import ClaimsDep, CurrentUser, SessionDep
from models import Template
from schemas.template import TemplateCreate, TemplateOut
from services import templates
from services.errors import (
    BadGateway,
    BadRequest,
    NotFound,
    NotInitialised,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    responses,
)
from services.safe_fetch import SafeFetcher

router = APIRouter(
    prefix="/api/templates", tags=["templates"], responses=responses(Unauthorized, NotInitialised)
)

ResumeFetcher = Annotated[SafeFetcher, Depends(templates.resume_fetcher)]


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=TemplateOut,
    responses=responses(BadRequest, RateLimited, BadGateway, ServiceUnavailable),
)
async def create_template(
    session: SessionDep, claims: ClaimsDep, body: TemplateCreate, fetcher: ResumeFetcher
) -> Template:
    """Fetch the resume PDF safely, read it, and have the generator write a template with {{placeholders}}.

    At most TEMPLATE_GENERATIONS_PER_USER are written at once for a user (429 beyond) and
    TEMPLATE_GENERATIONS_IN_FLIGHT per API process (503 with Retry-After beyond)."""
    # The caller is checked inside, after the caps: a refused request costs no database work.
    return await templates.create_template(
        session=session,
        user_id=claims.user_id,
        pdf_url=body.pdf_url,
        user_instructions=body.user_instructions,
        fetcher=fetcher,
    )


@router.get("/", response_model=list[TemplateOut])
def list_templates(session: SessionDep, user: CurrentUser) -> list[Template]:
    """The caller's templates, newest first."""
    return templates.list_templates(session=session, user_id=user.id)


@router.get("/{template_id}", response_model=TemplateOut, responses=responses(NotFound))
def read_template(session: SessionDep, user: CurrentUser, template_id: uuid.UUID) -> Template:
    return templates.get_template(session=session, user_id=user.id, template_id=template_id)
