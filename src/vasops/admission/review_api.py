from ninja import Router  # noqa: F401

routers: list = []
