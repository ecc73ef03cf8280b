"""Imported first by every Scribe process (main.py, celery_config.py): pydantic loads no plugins.

Pydantic imports every installed plugin when it builds its first model. Logfire installs one, so
without this each process imports Logfire, and with it OpenTelemetry, protobuf, rich and requests
(~30 MiB, ~700 modules), traced or not. Scribe uses no pydantic plugin; tracing, when on, is set up
by observability/tracing.py. An operator's own setting of the variable wins.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
