"""``python -m vasops.vac.gateway`` (the Makefile's ``gateway`` target)."""

from vasops.vac.gateway.cli import main

main()
