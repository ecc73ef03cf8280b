"""The operator CLI (`scribe ...`, SPEC §11); each command is a thin shell over a service.

scribe dev-token            a local development token
scribe generate             one email, written in the terminal with a progress bar
scribe reap                 one recovery sweep now (stale work, lost messages, retention)
scribe requeue ID           put a failed or cancelled queue item back in the line
scribe users / user EMAIL   who uses Scribe, and one user's queue and emails
"""

from __future__ import annotations

import socket
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.auth import DevTokenRefused, mint_dev_token
from services.errors import ScribeError

DEV_EMAIL = "dev@example.com"
REAP_WAIT_SECONDS = 30
SAMPLE_TEMPLATE = (
    "Dear {{name}},\n\nI read your work on {{research}} and would love to learn more about your lab. "
    "Could we talk?\n\nBest,\nSam"
)

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Scribe operator commands.")
out = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    err.print(f"scribe: {message}", style="red", highlight=False)
    return typer.Exit(code=1)


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


@app.command()
def generate(
    name: Annotated[str, typer.Option(help="The recipient's name.")],
    interest: Annotated[str, typer.Option(help="The recipient's research interest.")],
    template: Annotated[str | None, typer.Option(help="Template text with {{placeholders}}.")] = None,
    template_file: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, readable=True)] = None,
    user: Annotated[
        str | None,
        typer.Option(help="Queue it for this user (e-mail or id) and follow the worker, instead of here."),
    ] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to follow a queued email.")] = 300,
) -> None:
    """Write one email: here in this process by default, or through the queue and a worker (--user)."""
    from services import cli_generate

    text = template_file.read_text() if template_file else template or SAMPLE_TEMPLATE
    try:
        if user is None:
            outcome = cli_generate.run_here(name=name, interest=interest, template=text, console=err)
        else:
            outcome = cli_generate.run_queued(
                user=user, name=name, interest=interest, template=text, timeout=timeout, console=err
            )
    except (ScribeError, cli_generate.GenerationFailed) as exc:
        raise fail(str(exc)) from None
    cli_generate.show(outcome, out)


@app.command()
def reap() -> None:
    """One recovery sweep now: requeue stalled work, replace lost messages, prune expired rows."""
    from services.recovery import sweep_once

    deadline = time.monotonic() + REAP_WAIT_SECONDS
    # The workers sweep by themselves; one may hold the sweep lock right now for a moment.
    while (done := sweep_once(who=f"scribe reap@{socket.gethostname()}", force=True)) is None:
        if time.monotonic() > deadline:
            raise fail(f"another process has been sweeping for {REAP_WAIT_SECONDS} s; try again later")
        time.sleep(0.5)
    report = asdict(done)
    pruned = report.pop("pruned")
    table = Table("what", "rows", title="recovery sweep")
    for what, rows in report.items():
        table.add_row(what, str(rows))
    for what, rows in pruned.items():
        table.add_row(f"pruned {what.replace('_', ' ')}", str(rows))
    out.print(table)


@app.command()
def requeue(
    item_id: Annotated[uuid.UUID, typer.Argument(metavar="ID", help="The queue item (task) id.")],
    force: Annotated[bool, typer.Option(help="Also an item stuck processing (its worker is gone).")] = False,
) -> None:
    """Put a failed or cancelled queue item back in the line with fresh attempts, and send it."""
    from database.engine import session_scope
    from services import queue

    with session_scope() as session:
        try:
            item = queue.requeue(session=session, item_id=item_id, include_processing=force)
        except ScribeError as exc:
            hint = "; add --force if its worker is gone" if "processing" in exc.detail and not force else ""
            raise fail(exc.detail + hint) from None
        sent = queue.enqueue(session=session, item_ids=[item.id])
    note = "sent to the workers" if sent else "the broker is unreachable: the reaper sends it when it is back"
    out.print(f"requeued {item_id}: pending, {note}")


@app.command()
def users() -> None:
    """Every user with their counts, newest first, after the platform's totals."""
    from database.engine import session_scope
    from services import admin

    with session_scope() as session:
        overview = admin.overview(session=session)
        everyone = admin.list_users(session=session)
    totals = Table("total", "value", title="Scribe")
    for what, value in asdict(overview).items():
        totals.add_row(what.replace("_", " "), f"{value:g}" if isinstance(value, float) else str(value))
    out.print(totals)
    table = Table("email", "id", "name", "emails", "submissions", "failed", "templates", "since")
    for row in everyone:
        table.add_row(
            row.email,
            str(row.id),
            row.display_name or "",
            str(row.actual_email_count),
            str(row.queue_submissions),
            str(row.failed_count),
            str(row.template_count),
            f"{row.created_at:%Y-%m-%d}",
        )
    out.print(table)


@app.command("user")
def show_user(
    who: Annotated[str, typer.Argument(metavar="EMAIL", help="The user's e-mail address (or id).")],
    items: Annotated[int, typer.Option(min=1, max=200, help="Recent queue items and emails shown.")] = 10,
) -> None:
    """One user: profile, recent queue items (with errors) and recent emails."""
    from database.engine import session_scope
    from services import admin
    from services.users import find_user

    with session_scope() as session:
        try:
            user = find_user(session=session, who=who)
        except ScribeError as exc:
            raise fail(exc.detail) from None
        line = admin.user_queue(session=session, user_id=user.id, limit=items)
        emails = admin.user_emails(session=session, user_id=user.id, page=1, per_page=items)
    profile = Table("field", "value", title=f"user {user.email}")
    for field in (
        "id",
        "email",
        "display_name",
        "generation_count",
        "template_count",
        "onboarded",
        "created_at",
    ):
        profile.add_row(field.replace("_", " "), str(getattr(user, field)))
    out.print(profile)
    queue_table = Table("id", "recipient", "status", "attempts", "step", "error", title="recent queue items")
    for item in line:
        queue_table.add_row(
            str(item.id),
            item.recipient_name,
            item.status,
            str(item.attempts),
            item.current_step or item.failed_step or "",
            item.error_message or "",
        )
    out.print(queue_table)
    email_table = Table("id", "recipient", "confident", "shown", "created", title=f"emails ({emails.total})")
    for email in emails.items:
        email_table.add_row(
            str(email.id),
            email.recipient_name,
            "yes" if email.is_confident else "no",
            "yes" if email.displayed else "no",
            f"{email.created_at:%Y-%m-%d %H:%M}",
        )
    out.print(email_table)


if __name__ == "__main__":
    app()
