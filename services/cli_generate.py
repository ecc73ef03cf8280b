"""`scribe generate`: one email written in the terminal, with a progress bar over the pipeline steps.

Here (the default) the pipeline runs in this process against the configured providers and nothing
is stored; with a user it is queued like an API submission and the bar follows the row while a
worker writes it, so the operator sees the whole system work.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from config.settings import get_settings
from database.engine import session_scope
from models import Email, QueueItem, QueueStatus
from schemas.email import GenerateRequest
from services import changes, queue
from services.users import find_user

STEPS = ("template_parser", "web_scraper", "arxiv_helper", "email_composer")
POLL_SECONDS = 0.5


class GenerationFailed(Exception):
    """The email could not be written; the message says why."""


@dataclass
class Generated:
    where: str
    email_message: str
    is_confident: bool
    failed_checks: list[str] = field(default_factory=list)
    step_timings: dict[str, float] = field(default_factory=dict)


def _checked(name: str, interest: str, template: str) -> GenerateRequest:
    """The same rules as POST /api/email/generate."""
    try:
        return GenerateRequest(email_template=template, recipient_name=name, recipient_interest=interest)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise GenerationFailed(f"invalid request: {problems}") from None


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(),
        console=console,
    )


def _describe(timings: dict[str, Any], running: set[str]) -> tuple[int, str]:
    done = sum(1 for step in STEPS if step in timings)
    if running:
        return done, "running " + " + ".join(step for step in STEPS if step in running)
    return done, "done" if done == len(STEPS) else "waiting"


def run_here(*, name: str, interest: str, template: str, console: Console) -> Generated:
    """Run the pipeline in this process; nothing is stored."""
    from pipeline.core.runner import PipelineError, run_pipeline
    from pipeline.models import PipelineData, ProgressEvent

    request = _checked(name, interest, template)
    data = PipelineData(
        recipient_name=request.recipient_name,
        recipient_interest=request.recipient_interest,
        email_template=request.email_template,
    )
    running: set[str] = set()
    with _progress(console) as progress:
        bar = progress.add_task("starting", total=len(STEPS))

        def on_progress(event: ProgressEvent) -> None:
            (running.add if event.status == "started" else running.discard)(event.step)
            done, description = _describe(event.step_timings, running)
            progress.update(bar, completed=done, description=description)

        async def write() -> PipelineData:
            async with asyncio.timeout(get_settings().task_time_limit_seconds):
                return await run_pipeline(data, on_progress=on_progress)

        try:
            result = asyncio.run(write())
        except PipelineError as exc:
            raise GenerationFailed(f"{exc.failed_step or 'the pipeline'} failed: {exc}") from None
        except TimeoutError:
            raise GenerationFailed("the pipeline took longer than TASK_TIME_LIMIT_SECONDS") from None
        progress.update(bar, completed=len(STEPS), description="done")
    return Generated(
        where="this process (nothing stored)",
        email_message=result.email_message,
        is_confident=result.is_confident,
        failed_checks=[check.name for check in result.verification.failed],
        step_timings=dict(result.step_timings),
    )


def run_queued(
    *, user: str, name: str, interest: str, template: str, timeout: float, console: Console
) -> Generated:
    """Queue the email for a user, then follow its row until a worker finishes it."""
    request = _checked(name, interest, template)
    with session_scope() as session:
        owner = find_user(session=session, who=user)
        [row] = queue.create_items(
            session=session,
            user=owner,
            items=[queue.NewItem(request.recipient_name, request.recipient_interest)],
            email_template=request.email_template,
        )
        session.commit()
        item_id = row.id
        changes.announce(owner.id, line_moved=True)  # the user's open queue streams show it
        if not queue.enqueue(session=session, item_ids=[item_id]):
            console.print("broker unreachable: the reaper sends it once the broker is back", style="yellow")
    console.print(f"queued {item_id} for {owner.email}")
    deadline = time.monotonic() + timeout
    with _progress(console) as progress:
        bar = progress.add_task("waiting", total=len(STEPS))
        while time.monotonic() < deadline:
            item, email = _read(item_id)
            running = {item.current_step} if item.current_step and item.step_status == "started" else set()
            done, description = _describe(item.step_timings or {}, running)
            progress.update(bar, completed=done, description=f"{description} ({item.status})")
            if item.status == QueueStatus.COMPLETED and email is not None:
                metadata = email.email_metadata or {}
                return Generated(
                    where=f"queue item {item_id}, email {email.id}",
                    email_message=email.email_message,
                    is_confident=email.is_confident,
                    failed_checks=list(metadata.get("verification", {}).get("failed", [])),
                    step_timings=dict(item.step_timings or {}),
                )
            if item.status in (QueueStatus.FAILED, QueueStatus.CANCELLED):
                raise GenerationFailed(
                    f"queue item {item_id} {item.status}: {item.error_message or 'cancelled'}"
                )
            time.sleep(POLL_SECONDS)
    raise GenerationFailed(
        f"queue item {item_id} is still {item.status} after {timeout:g} s (is a worker running?);"
        f" follow it with `scribe user {owner.email}`"
    )


def _read(item_id: uuid.UUID) -> tuple[QueueItem, Email | None]:
    with session_scope() as session:
        item = session.get(QueueItem, item_id)
        if item is None:
            raise GenerationFailed(f"queue item {item_id} disappeared")
        email = session.get(Email, item.email_id) if item.email_id else None
        return item, email


def show(outcome: Generated, console: Console) -> None:
    """The email, whether it can be sent as is, and how long each step took."""
    console.print(Panel(outcome.email_message, title=f"written in {outcome.where}", expand=False))
    if outcome.is_confident:
        console.print("confident: yes (every fact, title and link was checked)")
    else:
        console.print(f"confident: no; failed checks: {', '.join(outcome.failed_checks) or 'none named'}")
    steps = ", ".join(
        f"{step} {outcome.step_timings[step]:.1f} s" for step in STEPS if step in outcome.step_timings
    )
    console.print(f"steps: {steps}")
