"""The evaluation set as assertions (`make test` runs it; `make eval` prints the table)."""

from __future__ import annotations

import pytest

from services.emulator import EmulatorHandle
from tests.eval.cases import CASES
from tests.eval.runner import Run, run_behaviours
from tests.eval.scoring import MUST_BE_ZERO, Outcome, behaviour_rows, behaviour_table, summary, table

# Every research case whose person has papers cites one, except the two whose composer is scripted to
# misbehave (it invents a title / leaves the placeholder, and the repair puts the stated interest there):
# 34 of 36 today. The floor sits a little under that so a real regression fails here, and the per-case
# test below names the case.
CITATION_FLOOR = 0.9
SCRIPTED_NOT_TO_CITE = {"victor-langridge", "harriet-quill"}
# Cases whose emulated composer is scripted to return a value the checks reject, whatever the knob.
SCRIPTED_TO_FAIL = {
    "victor-langridge/composer fabricates",
    "harriet-quill/composer leaves placeholder",
    "marcus-ellingham/prompt injection",
    "boris-kettleworth/prompt injection",
}


# The composer behaviours the targets name; `make eval` also runs `light`.
ASSERTED_BEHAVIOURS = ("verbatim", "paraphrase", "stubborn")
# 41 of the 46 cases can be confident (five are scripted to fail or have nothing to find).
CONFIDENT_FLOOR = 0.85


@pytest.fixture(scope="module")
def by_behaviour(emulator: EmulatorHandle) -> dict[str, list[Run]]:
    emulator.reset()
    return run_behaviours(emulator, behaviours=ASSERTED_BEHAVIOURS)


@pytest.fixture(scope="module")
def runs(by_behaviour: dict[str, list[Run]]) -> list[Run]:
    return by_behaviour["verbatim"]


def _outcomes(by_behaviour: dict[str, list[Run]]) -> dict[str, list[Outcome]]:
    return {behaviour: [run.outcome for run in group] for behaviour, group in by_behaviour.items()}


def test_every_composer_behaviour_is_confident_on_most_emails_and_never_wrongly(
    by_behaviour: dict[str, list[Run]],
) -> None:
    rows = behaviour_rows(_outcomes(by_behaviour))
    report = behaviour_table(_outcomes(by_behaviour))
    for behaviour in ASSERTED_BEHAVIOURS:
        assert rows[behaviour]["confident rate"] >= CONFIDENT_FLOOR, report
        # Drift is fixed at the seams: it costs no email its confidence.
        assert rows[behaviour]["confident rate"] == rows["verbatim"]["confident rate"], report
        assert rows[behaviour]["false-confident"] == 0, report


def test_a_paraphrasing_composer_costs_no_extra_call(by_behaviour: dict[str, list[Run]]) -> None:
    """Drift is fixed at the seams in code: only the values the checks reject are asked for again, and
    the set's only rejected values come from the composers scripted to misbehave (one retry each)."""
    for behaviour in ASSERTED_BEHAVIOURS:
        calls = {run.case.label: run.outcome.composer_calls for run in by_behaviour[behaviour]}
        retried = {label for label, count in calls.items() if count > 1}
        assert retried <= SCRIPTED_TO_FAIL, (behaviour, retried)
        behaving = [count for label, count in calls.items() if label not in SCRIPTED_TO_FAIL]
        assert sum(behaving) / len(behaving) == 1.0


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
