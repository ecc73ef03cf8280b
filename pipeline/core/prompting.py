"""How untrusted text enters a prompt: inside named tags, as data, never as instructions.

The provider emulator (services/emulator) reads prompts through the same tags, so this
format is a contract between the two.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SECTION_CHARS = 12_000


def fence(tag: str, content: str | Any, *, limit: int = MAX_SECTION_CHARS) -> str:
    """Wrap content (text, or anything JSON-serialisable) in <tag>...</tag>, truncated and defused."""
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    text = text[:limit]
    # A closing tag inside the data could end the fence early; neutralise any tag-like sequence.
    text = re.sub(r"</?\s*" + re.escape(tag) + r"\s*>", "", text, flags=re.IGNORECASE)
    return f"<{tag}>\n{text}\n</{tag}>"


def prompt(**sections: Any) -> str:
    """Build a user prompt from named sections, in order; None sections are left out."""
    return "\n\n".join(fence(tag, value) for tag, value in sections.items() if value is not None)


def read_section(text: str, tag: str) -> str | None:
    """Return the content of the first <tag> section of a prompt, or None."""
    match = re.search(rf"<{re.escape(tag)}>\n(.*?)\n</{re.escape(tag)}>", text, flags=re.DOTALL)
    return match.group(1) if match else None
