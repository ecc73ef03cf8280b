"""/api/user: initialise, read and edit the caller's profile."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import func, select

from api.dependencies import ClaimsDep, CurrentUser, SessionDep
from models import Template, User
from schemas.user import TemplateUpdate, UserInit, UserProfile, UserProfileWithTemplates
from services import users
from services.errors import NotInitialised, Unauthorized, responses
from services.users import NoEmailAddress

router = APIRouter(prefix="/api/user", tags=["user"], responses=responses(Unauthorized, NotInitialised))


def _with_template_count(session: SessionDep, user: User) -> UserProfileWithTemplates:
    # Counted from the rows so the figure can never drift from what GET /api/templates/ shows.
    count = session.scalar(select(func.count()).select_from(Template).where(Template.user_id == user.id))
    return UserProfileWithTemplates.model_validate(user).model_copy(update={"template_count": count or 0})


@router.post(
    "/init",
    status_code=status.HTTP_201_CREATED,
    response_model=UserProfile,
    responses=responses(NoEmailAddress),
)
def init_user(session: SessionDep, claims: ClaimsDep, body: UserInit | None = None) -> User:
    """Create the caller's profile from the token; calling it again returns the same row.
    403 when the token has no e-mail address the frontend can show."""
    display_name = body.display_name if body else None
    user = users.init_user(
        session=session, user_id=claims.user_id, email=claims.email, display_name=display_name
    )
    session.commit()
    return user


@router.get("", response_model=UserProfile)
def read_user(user: CurrentUser) -> User:
    return user


@router.get("/profile", response_model=UserProfileWithTemplates)
def read_profile(session: SessionDep, user: CurrentUser) -> UserProfileWithTemplates:
    return _with_template_count(session, user)


@router.patch("/onboarding", response_model=UserProfileWithTemplates)
def complete_onboarding(session: SessionDep, user: CurrentUser) -> UserProfileWithTemplates:
    user.onboarded = True
    session.commit()
    return _with_template_count(session, user)


@router.patch("/template", response_model=UserProfile)
def save_template(session: SessionDep, user: CurrentUser, body: TemplateUpdate) -> User:
    user.email_template = body.template
    session.commit()
    return user
