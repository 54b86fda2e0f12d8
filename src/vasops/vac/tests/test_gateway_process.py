"""The gateway runs as its own process without Django (``make gateway``): its modules must load
without Django's settings — a text marked for translation at import time once broke that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[3]


def test_the_gateway_modules_load_in_a_process_without_django_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)
    code = (
        "import sys, vasops.vac.gateway.tcp, vasops.vac.gateway.asgi\n"
        "from django.conf import settings\n"
        "sys.exit(0 if not settings.configured else 3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
