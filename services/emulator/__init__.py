"""Local provider emulator: Anthropic Messages, Exa and the arXiv Atom API over real HTTP.

Deterministic content about a roster of fictional people lets the real SDKs (pydantic-ai +
anthropic, exa-py, arxiv) run end to end offline, with configurable latency and faults.
"""

from services.emulator.app import EmulatorHandle, create_app, start_in_thread
from services.emulator.roster import ROSTER, Paper, Person, find_people, find_person

__all__ = [
    "ROSTER",
    "EmulatorHandle",
    "Paper",
    "Person",
    "create_app",
    "find_people",
    "find_person",
    "start_in_thread",
]
