ROLE_PERMISSIONS: dict[str, list[str]] = {}
