from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vasops.api import actions


class Command(BaseCommand):
    help = "Issue a bearer token for USER (machine clients). The secret is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"no user named {opts['username']!r}")
        _, secret = actions.issue_token(user, actor="manage.py create_api_token", name=opts["name"])
        self.stdout.write(secret)
