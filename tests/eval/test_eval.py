"""The evaluation set as assertions (`make test` runs it; `make eval` prints the table).

The targets are the issue's: under the verbatim, paraphrase and stubborn composers, wrong papers 0,
false-confident 0, placeholders 0, injection obeyed 0, own-paper recall >= 0.9, confident rate >= 0.9,
and no extra composer call for a paraphrasing model. "Wrong" is judged against the roster's truth
(services/emulator/roster*.py), never against the pipeline's own checks.
"""

from __future__ import annotations

import pytest

from services.emulator import EmulatorHandle
from tests.eval.cases import CASES
from tests.eval.runner import Run, run_behaviours
from tests.eval.scoring import (
    EXTRA_CALLS,
    MUST_BE_ZERO,
    Outcome,
    behaviour_rows,
    behaviour_table,
    summary,
    table,
)

OWN_PAPER_RECALL_FLOOR = 0.9
CONFIDENT_FLOOR = 0.9
# The composer behaviours the targets name; `make eval` also runs `light`.
ASSERTED_BEHAVIOURS = ("verbatim", "paraphrase", "stubborn")
# Research cases expected not to cite an own paper: the composer is scripted to invent a title or leave
# the placeholder (code then puts a found paper in, but the email is not confident), or the only paper
# is worded unlike the interest and nothing on the web ties it to the recipient.
NOT_EXPECTED_TO_CITE = {
    "rowan-pembrook/no web presence",
    "daniel-okonkwo-privacy/same-field namesake, vague interest",
}
# Cases whose emulated composer returns a value the checks reject, whatever the knob: one retry each.
SCRIPTED_TO_FAIL = {"victor-langridge/composer fabricates", "harriet-quill/composer leaves placeholder"}


@pytest.fixture(scope="module")
def by_behaviour(emulator: EmulatorHandle) -> dict[str, list[Run]]:
    emulator.reset()
    return run_behaviours(emulator, behaviours=ASSERTED_BEHAVIOURS)


@pytest.fixture(scope="module")
def runs(by_behaviour: dict[str, list[Run]]) -> list[Run]:
    return by_behaviour["verbatim"]


def _outcomes(by_behaviour: dict[str, list[Run]]) -> dict[str, list[Outcome]]:
    return {behaviour: [run.outcome for run in group] for behaviour, group in by_behaviour.items()}


def test_the_set_covers_every_kind_of_recipient(runs: list[Run]) -> None:
    categories = {run.case.category for run in runs}
    assert len(runs) >= 69
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
        "lab site on another domain",
        "same-field namesake",
        "very common name",
        "arXiv name variants",
        "papers across archives",
        "papers, no pages",
        "pages, no papers",
        "emeritus, old papers",
        "moved universities",
    }


@pytest.mark.parametrize("behaviour", ASSERTED_BEHAVIOURS)
@pytest.mark.parametrize("row", MUST_BE_ZERO)
def test_must_be_zero_rows_are_zero(by_behaviour: dict[str, list[Run]], behaviour: str, row: str) -> None:
    outcomes = [run.outcome for run in by_behaviour[behaviour]]
    assert summary(outcomes)[row] == 0, table(outcomes)


def test_research_emails_cite_one_of_the_recipients_own_papers(runs: list[Run]) -> None:
    outcomes = [run.outcome for run in runs]
    assert summary(outcomes)["own-paper recall"] >= OWN_PAPER_RECALL_FLOOR, table(outcomes)
    missing = [
        o.case.label
        for o in outcomes
        if o.research_with_papers and not o.cites_paper and o.case.label not in NOT_EXPECTED_TO_CITE
    ]
    assert missing == []


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
    """Drift is fixed at the seams in code: only values the checks reject are asked for again, and in
    this set those come only from the composers scripted to misbehave (one retry each)."""
    for behaviour in ASSERTED_BEHAVIOURS:
        calls = {run.case.label: run.outcome.composer_calls for run in by_behaviour[behaviour]}
        assert {label for label, count in calls.items() if count > 1} <= SCRIPTED_TO_FAIL, behaviour
        behaving = [count for label, count in calls.items() if label not in SCRIPTED_TO_FAIL]
        assert sum(behaving) / len(behaving) == 1.0
    rows = behaviour_rows(_outcomes(by_behaviour))
    assert all(rows[behaviour][EXTRA_CALLS] == 0 for behaviour in ASSERTED_BEHAVIOURS)


def test_misbehaving_composers_and_missing_research_are_never_confident(runs: list[Run]) -> None:
    for run in runs:
        if run.case.category in (
            "composer fabricates",
            "composer leaves placeholder",
            "no web presence",
            "same-field namesake, vague interest",
        ):
            assert not run.result.is_confident, run.case.label
            assert run.result.verification.failed, run.case.label


def test_well_behaved_recipients_with_research_get_confident_grounded_emails(runs: list[Run]) -> None:
    expected = [run for run in runs if run.case.category in ("researcher", "honorific", "non-English name")]
    assert expected and all(run.outcome.confident and run.outcome.grounded for run in expected), [
        run.case.label for run in expected if not (run.outcome.confident and run.outcome.grounded)
    ]


def test_pages_and_papers_of_someone_else_never_reach_the_composer(runs: list[Run]) -> None:
    for run in runs:
        own = {paper.arxiv_id for paper in run.case.person.papers}
        assert {paper.arxiv_id for paper in run.result.arxiv_papers} <= own, run.case.label
        assert run.outcome.foreign_facts_kept == 0, run.case.label
        assert not any(problem.startswith("someone else") for problem in run.outcome.problems), run.case.label


def test_no_case_is_listed_twice() -> None:
    assert len(CASES) == len({(case.key, case.category, case.template, case.name) for case in CASES})
