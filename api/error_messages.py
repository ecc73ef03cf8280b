"""One human sentence for a refused request: which field, and what to change.

The frontend shows `errorData.message || errorData.detail` to the student and JSON-stringifies a
detail that is not a string, so FastAPI's 422 list (`[{"type", "loc", "msg"}]`) would be shown raw.
These functions write the sentence it shows instead; `detail` keeps its shape for other clients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.errors import as_sentence

# The words a student knows for the request fields (anything else: `snake_case` -> "Snake case").
FIELD_NAMES = {
    "pdf_url": "Resume URL",
    "user_instructions": "Instructions",
    "email_template": "Email template",
    "recipient_name": "Recipient name",
    "recipient_interest": "Recipient interest",
    "display_name": "Display name",
    "template": "Template",
    "displayed": "Displayed",
    "items": "The list of recipients",
    "per_page": "Items per page",
    "task_id": "Task id",
    "email_id": "Email id",
    "template_id": "Template id",
    "item_id": "Queue item id",
    "user_id": "User id",
}
MAX_PROBLEMS_NAMED = 3


def size_text(size: int) -> str:
    """1048576 -> '1 MiB', 1500 -> '1500 bytes'."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """'Recipient name must be at least 2 characters.' for FastAPI's list of validation errors."""
    problems: list[str] = []
    for error in errors:
        problem = _problem(error)
        if problem not in problems:
            problems.append(problem)
    if not problems:
        return "The request is not valid; check the fields and try again."
    named = problems[:MAX_PROBLEMS_NAMED]
    more = len(problems) - len(named)
    text = "; ".join(named[:1] + [p[0].lower() + p[1:] if _starts_with_a_word(p) else p for p in named[1:]])
    if more:
        text += f"; and {more} more problem{'s' if more > 1 else ''}"
    return as_sentence(text)


def _starts_with_a_word(text: str) -> bool:
    # "The list of ..." may be lowered; "URL ..." or "Idempotency-Key ..." keep their capitals.
    first = text.split(" ", 1)[0]
    return first[:1].isupper() and first[1:].islower()


def _problem(error: Mapping[str, Any]) -> str:
    loc = tuple(error.get("loc") or ())
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return "The request body is not valid JSON"
    field = _field(loc)
    if kind == "missing":
        return f"{field} is required"
    if kind in {"string_too_short", "too_short"}:
        return _length(field, kind, "at least", int(ctx.get("min_length", 0)))
    if kind in {"string_too_long", "too_long"}:
        return _length(field, kind, "at most", int(ctx.get("max_length", 0)))
    if kind == "string_pattern_mismatch":
        return (
            f"{field} must not be blank" if ctx.get("pattern") == r"\S" else f"{field} has the wrong format"
        )
    if kind == "extra_forbidden":
        return f"{field} is not an accepted field; remove it"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        return _bound(field, kind, ctx)
    if kind == "value_error":
        raw = next((part for part in reversed(loc) if isinstance(part, str)), "")
        return _value_error(field, raw, str(error.get("msg", "")))
    if kind in _TYPE_WORDS:
        return f"{field} must be {_TYPE_WORDS[kind]}"
    if kind in {"literal_error", "enum"}:
        return f"{field} must be {ctx.get('expected', 'one of the accepted values')}"
    msg = str(error.get("msg", "is not valid"))
    return f"{field} is not valid: {msg[0].lower() + msg[1:] if msg else msg}"


_TYPE_WORDS = {
    "string_type": "text",
    "string_unicode": "valid text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "uuid_type": "a valid id",
    "uuid_parsing": "a valid id",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "a JSON object",
    "url_parsing": "a valid URL",
    "url_scheme": "an http(s) URL",
}


def _field(loc: tuple[Any, ...]) -> str:
    """('body', 'items', 0, 'recipient_name') -> 'Recipient name in row 1'."""
    source, path = (loc[0], loc[1:]) if loc else ("body", ())
    names = [part for part in path if isinstance(part, str)]
    if not names:
        return "The request body" if source == "body" else "A request value"
    name = names[-1]
    if source == "header":
        return f"The {name} header"
    if source == "query":
        return f"The {name} parameter"
    if source == "cookie":
        return f"The {name} cookie"
    human = FIELD_NAMES.get(name) or (name.replace("_", " ").capitalize())
    if source == "path":
        return f"The {human[0].lower() + human[1:]} in the URL"
    positions = [part for part in path if isinstance(part, int)]
    if positions and names[0] == "items":
        human += f" in row {positions[0] + 1}"
    return human


def _length(field: str, kind: str, which: str, limit: int) -> str:
    if kind.startswith("string"):
        if which == "at least" and limit == 1:
            return f"{field} must not be empty"
        unit = "character" if limit == 1 else "characters"
        return f"{field} must be {which} {limit} {unit}"
    unit = "entry" if limit == 1 else "entries"
    return f"{field} must have {which} {limit} {unit}"


def _bound(field: str, kind: str, ctx: Mapping[str, Any]) -> str:
    words = {
        "greater_than_equal": ("ge", "at least"),
        "greater_than": ("gt", "more than"),
        "less_than_equal": ("le", "at most"),
        "less_than": ("lt", "less than"),
    }
    key, phrase = words[kind]
    return f"{field} must be {phrase} {ctx.get(key)}"


def _value_error(field: str, raw_name: str, msg: str) -> str:
    # Validators say what is wrong as a full sentence ("The template has ...") or about the field
    # by its code name or as "text" ("email_template must contain ...", "text must not contain NUL").
    text = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    for subject in (f"{raw_name} ", "text "):
        if raw_name and text.startswith(subject):
            return f"{field} {text.removeprefix(subject)}"
    if not text:
        return f"{field} is not valid"
    return text if text[0].isupper() else f"{field}: {text}"
