"""The operator CLI (`scribe ...`, SPEC §11); each command is a thin shell over a service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from services.auth import DevTokenRefused, mint_dev_token

DEV_EMAIL = "dev@example.com"

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Scribe operator commands.")


@app.callback()
def main() -> None:
    """Scribe operator commands."""
    # A callback keeps `scribe <command>` form even while only one command exists.


@app.command("dev-token")
def dev_token(
    sub: Annotated[uuid.UUID | None, typer.Option(help="User id; default: derived from --email.")] = None,
    email: Annotated[str, typer.Option(help="E-mail claim of the token.")] = DEV_EMAIL,
    ttl: Annotated[int, typer.Option(min=1, max=30 * 86400, help="Lifetime in seconds.")] = 3600,
) -> None:
    """Print a locally signed HS256 access token for development (refused when ENVIRONMENT=production)."""
    # The same e-mail gives the same user across tokens, so `make run` sessions keep their data.
    user_id = sub or uuid.uuid5(uuid.NAMESPACE_URL, f"scribe-dev:{email}")
    try:
        token = mint_dev_token(sub=user_id, email=email, ttl=ttl)
    except DevTokenRefused as exc:
        typer.echo(f"scribe: {exc}", err=True)
        raise typer.Exit(code=1) from None
    expires = (datetime.now(UTC) + timedelta(seconds=ttl)).strftime("%Y-%m-%dT%H:%M:%SZ")
    hint = f"sub={user_id} email={email} expires={expires}; send it as 'Authorization: Bearer <token>'"
    typer.echo(hint, err=True)
    typer.echo(token)


if __name__ == "__main__":
    app()
