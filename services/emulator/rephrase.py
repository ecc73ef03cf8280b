"""How an emulated composer drifts from a clean answer: the composer behaviour knob.

The composer returns a value per placeholder, and real models still do not return clean values:
they wrap a title in quotes, start a phrase with a capital or end it with a full stop, repeat the
template's word before the placeholder ("paper X" after "your paper"), rename the recipient
("Professor Okafor"), and add a connective sentence of their own. `verbatim` returns clean values;
`light` drifts at two or three words (quotes, a capital); `paraphrase` does all of it but follows
corrective feedback; `stubborn` does all of it even after the feedback.
"""

from __future__ import annotations

import re

from services.emulator.faults import COMPOSER_BEHAVIOURS

BEHAVIOURS = COMPOSER_BEHAVIOURS
CONNECTIVE = "It ties in closely with what I hope to study next."
EXTRA_SENTENCE = "I would be glad to talk about it."
_NAMES = frozenset({"name", "first_name", "last_name"})


def drifts(behaviour: str, *, corrected: bool) -> bool:
    """Whether this call drifts: `paraphrase` stops once it is given feedback, `stubborn` never does."""
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown composer behaviour {behaviour!r}")
    return behaviour in ("light", "stubborn") or (behaviour == "paraphrase" and not corrected)


def _quoted(value: str) -> str:
    return value if value[:1] in '"\u201c' else f"\u201c{value}\u201d"


def _word_before(template: str, written: str) -> str:
    """The plain word just before a placeholder in the template ('paper' in 'your paper {{x}}')."""
    before = template[: template.find(written)]
    match = re.search(r"([A-Za-z]{4,})\s+\Z", before)
    return match.group(1) if match else ""


def drift_values(
    values: dict[str, str],
    kinds: dict[str, str],
    *,
    titles: set[str],
    template: str,
    written: dict[str, str],
    behaviour: str,
) -> dict[str, str]:
    """The values as a drifting model returns them, keyed by placeholder name (`titles`: the values that
    are titles; `written`: each placeholder as the template writes it)."""
    drifted = dict(values)
    main = next((name for name in values if kinds[name] not in _NAMES and kinds[name] != "sentence"), None)
    if behaviour == "light":
        if main is not None:
            drifted[main] = _quoted(values[main]) if main in titles else values[main].capitalize()
        return drifted
    for name, value in values.items():
        kind = kinds[name]
        if not value or "{{" in value:
            continue
        if kind == "name":
            drifted[name] = f"Professor {value.split()[-1]}"
        elif kind == "sentence":
            drifted[name] = f"{value} {EXTRA_SENTENCE}"
        elif name == main:
            echo = _word_before(template, written[name])
            text = _quoted(value) if name in titles else value
            drifted[name] = f"{echo + ' ' if echo else ''}{text}. {CONNECTIVE}"
        elif kind not in _NAMES:
            drifted[name] = f"{value[:1].upper()}{value[1:]}."
    return drifted
