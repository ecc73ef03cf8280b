"""The evaluation set as assertions (`make test` runs it; `make eval` prints the table)."""

from __future__ import annotations

import asyncio

import pytest

from services.emulator import EmulatorHandle
from tests.eval.cases import CASES
from tests.eval.runner import Run, run_cases
from tests.eval.scoring import MUST_BE_ZERO, summary, table

# Every research case whose person has papers cites one, except the two whose composer is scripted to
# misbehave (it invents a title / leaves the placeholder, and the repair puts the stated interest there):
# 34 of 36 today. The floor sits a little under that so a real regression fails here, and the per-case
# test below names the case.
CITATION_FLOOR = 0.9
SCRIPTED_NOT_TO_CITE = {"victor-langridge", "harriet-quill"}


@pytest.fixture(scope="module")
def runs(emulator: EmulatorHandle) -> list[Run]:
    emulator.reset()
    return asyncio.run(run_cases(emulator.url))


def test_the_set_covers_every_kind_of_recipient(runs: list[Run]) -> None:
    categories = {run.case.category for run in runs}
    assert len(runs) >= 30
    assert categories >= {
        "researcher",
        "book author",
        "no web presence",
        "namesake",
        "composer fabricates",
        "composer leaves placeholder",
        "prompt injection",
        "non-English name",
        "honorific",
        "thin page",
    }


@pytest.mark.parametrize("row", MUST_BE_ZERO)
def test_must_be_zero_rows_are_zero(runs: list[Run], row: str) -> None:
    assert summary([run.outcome for run in runs])[row] == 0, table([run.outcome for run in runs])


def test_research_emails_cite_a_verified_paper(runs: list[Run]) -> None:
    outcomes = [run.outcome for run in runs]
    assert summary(outcomes)["research citation share"] >= CITATION_FLOOR, table(outcomes)
    missing = [
        o.case.label
        for o in outcomes
        if o.research_with_papers and not o.cites_paper and o.case.key not in SCRIPTED_NOT_TO_CITE
    ]
    assert missing == []


def test_misbehaving_composers_and_missing_research_are_never_confident(runs: list[Run]) -> None:
    for run in runs:
        if run.case.category in ("composer fabricates", "composer leaves placeholder") or (
            run.case.key in ("quentin-vasquez-hale", "marcus-ellingham")
        ):
            assert not run.result.is_confident, run.case.label
            assert run.result.verification.failed, run.case.label


def test_well_behaved_recipients_with_research_get_confident_grounded_emails(runs: list[Run]) -> None:
    expected = [run for run in runs if run.case.category in ("researcher", "honorific", "non-English name")]
    assert expected and all(run.outcome.confident and run.outcome.grounded for run in expected), [
        run.case.label for run in expected if not (run.outcome.confident and run.outcome.grounded)
    ]


def test_no_case_is_listed_twice() -> None:
    assert len(CASES) == len({(case.key, case.category, case.template, case.name) for case in CASES})
