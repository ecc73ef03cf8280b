"""The emulated research summariser: who each page is about, and facts lifted from the pages.

It reads pages the way a quick, gullible model does, from the prompt alone (never from the roster's
truth): a page is about the recipient when its title or first line names them and it shares a word
with the stated interest; about someone else when it opens with another person, or names the
recipient but nothing of the interest. It believes a page's claim to be someone's "official page",
and on some pages it paraphrases its quote instead of copying it. Facts are the sentences that
speak of the recipient (by name or pronoun), and, like a naive model, the injected instructions too.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from pipeline.core.prompting import read_section
from services.emulator.text import content_words, fold, is_injection, name_key, sentences, tokens

MAX_FACTS = 8
_PRONOUNS = frozenset({"she", "he", "her", "his", "they", "their", "him", "hers"})
_OPENS_WITH_PERSON = re.compile(r"^([A-Z][\w'-]+(?: [A-Z][\w'-]+)+) (?:is|was|works|joined|leads|has)\b")
# "a Professor of Chemistry": a stated field that shares nothing with the interest means someone else.
_POSITION = re.compile(
    r"\b(?:Professor|Lecturer|Scientist|Researcher|Fellow) (?:of|in) ([A-Z][\w]*(?: [A-Z][\w]*)*)"
)
MIN_QUOTE_WORDS = 4
# One page in this many gets a paraphrased quote (the pipeline must not take it as evidence).
PARAPHRASE_EVERY = 6


def _sources(prompt: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(read_section(prompt, "sources") or "[]")
    except json.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _names(text: str, key: frozenset[str]) -> bool:
    return bool(key) and key <= set(tokens(text))


def _paraphrase(quote: str) -> str:
    if " is " in quote:
        return re.sub(r"\bis an?\b", "works as a", quote, count=1)
    return f"The page says {quote}"


def judge(source: dict[str, Any], name: str, interest: str) -> dict[str, str]:
    """The emulated model's `about_recipient` and quote for one source."""
    url, title, text = str(source.get("url", "")), str(source.get("title", "")), str(source.get("text", ""))
    lines = sentences(text)
    first = lines[0] if lines else ""
    key = name_key(name)
    claim = next((s for s in lines if "official" in fold(s) and _names(s, key)), None)
    if claim:
        return {"url": url, "about_recipient": "yes", "evidence": claim}
    opener = _OPENS_WITH_PERSON.match(first)
    if opener and not _names(opener.group(1), key):
        return {"url": url, "about_recipient": "no", "evidence": first}
    if not (_names(title, key) or _names(first, key)):
        return {"url": url, "about_recipient": "unsure", "evidence": ""}
    naming = [s for s in lines if _names(s, key) or _names(s, frozenset({max(key, key=len)}))]
    quote = next((s for s in naming if len(s.split()) >= MIN_QUOTE_WORDS), title)
    position = _POSITION.search(text)
    if content_words(interest) & content_words(f"{title} {text}"):
        answer = "yes"
    elif position and not content_words(interest) & content_words(position.group(1)):
        answer, quote = "no", next((s for s in lines if position.group(0) in s), quote)
    else:
        answer, quote = "unsure", ""
    if quote and zlib.crc32(url.encode()) % PARAPHRASE_EVERY == 0:
        quote = _paraphrase(quote)
    return {"url": url, "about_recipient": answer, "evidence": quote}


def _speaks_of(sentence: str, key: frozenset[str]) -> bool:
    words = set(tokens(sentence))
    return bool(words & key) or bool(words & _PRONOUNS)


def summarize(prompt: str) -> dict[str, Any]:
    """Judgements for every source, and facts: sentences about the recipient, most relevant first."""
    name = read_section(prompt, "recipient_name") or ""
    interest = read_section(prompt, "recipient_interest") or ""
    key = name_key(name)
    wanted = content_words(interest)
    judgements = [judge(source, name, interest) for source in _sources(prompt)]
    scored: list[tuple[int, int, dict[str, str]]] = []
    for source, verdict in zip(_sources(prompt), judgements, strict=True):
        url = str(source.get("url", ""))
        if verdict["about_recipient"] == "no" or not url:
            continue
        for sentence in sentences(str(source.get("text", ""))):
            if len(sentence) < 25 or len(sentence) > 320:
                continue
            injected = is_injection(sentence)
            if not (_speaks_of(sentence, key) or injected):
                continue
            score = 3 * len(content_words(sentence) & wanted) + 2 + 5 * injected
            scored.append((score, len(scored), {"text": sentence, "source_url": url}))
    scored.sort(key=lambda item: (-item[0], item[1]))
    facts = list({fact["text"]: fact for _, _, fact in scored}.values())[:MAX_FACTS]
    return {"sources": judgements, "facts": facts}
