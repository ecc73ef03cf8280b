"""How an emulated composer drifts from the student's wording: the composer behaviour knob.

Real models rarely copy a template word for word. `verbatim` does (today's emulator); `light` changes
two or three template words; `paraphrase` rephrases a whole template sentence and adds a connective
sentence of its own, as real models do, but follows corrective feedback; `stubborn` paraphrases
even after the feedback.
"""

from __future__ import annotations

import re

from services.emulator.faults import COMPOSER_BEHAVIOURS

BEHAVIOURS = COMPOSER_BEHAVIOURS
# Swaps a model makes when it "polishes" a cold email (each changes one to three words).
SWAPS: tuple[tuple[str, str], ...] = (
    ("recently read", "came across"),
    ("would love to", "would be glad to"),
    ("learn more about", "hear more about"),
    ("I am a student", "I'm a student"),
    ("interested in", "drawn to"),
    ("I loved", "I really enjoyed"),
    ("stayed with me", "has stayed with me"),
    ("Best regards", "Kind regards"),
    ("Warm wishes", "All the best"),
    ("Thanks,", "Many thanks,"),
)
CONNECTIVE = "It ties in closely with what I hope to study next."
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")


def _swap(text: str, limit: int) -> tuple[str, int]:
    done = 0
    for old, new in SWAPS:
        if done >= limit:
            break
        if old in text:
            text = text.replace(old, new, 1)
            done += 1
    return text, done


def light(email: str) -> str:
    """Two or three template words changed (one swap)."""
    return _swap(email, 1)[0]


def paraphrase(email: str, anchor: str) -> str:
    """The sentence holding `anchor` (a value the model filled in) rephrased, plus one sentence of the
    model's own after it; without an anchor, the first sentence."""
    sentences = list(_SENTENCE.finditer(email))
    if not sentences:
        return email
    chosen = next((m for m in sentences if anchor and anchor in m.group(0)), sentences[0])
    original = chosen.group(0)
    rephrased, swapped = _swap(original, len(SWAPS))
    if swapped < 2:
        lead = rephrased.lstrip()
        rephrased = rephrased[: len(rephrased) - len(lead)] + "To be honest, " + lead[:1].lower() + lead[1:]
    rephrased = f"{rephrased} {CONNECTIVE}"
    return email[: chosen.start()] + rephrased + email[chosen.end() :]


def drifts(behaviour: str, *, corrected: bool) -> bool:
    """Whether this call drifts from the template: `paraphrase` stops once it gets feedback."""
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown composer behaviour {behaviour!r}")
    return behaviour == "stubborn" or (behaviour == "paraphrase" and not corrected) or behaviour == "light"
