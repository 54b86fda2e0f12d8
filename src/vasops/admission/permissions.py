from vasops.admission import exam_permissions, review_permissions

_OWN: dict[str, list[str]] = {}


def _merge(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for role, perms in part.items():
            merged.setdefault(role, []).extend(perms)
    return merged


ROLE_PERMISSIONS = _merge(_OWN, exam_permissions.ROLE_PERMISSIONS, review_permissions.ROLE_PERMISSIONS)
