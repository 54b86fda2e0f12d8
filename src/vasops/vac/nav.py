from vasops.core import roles
from vasops.core.ui import NavItem

CONSOLE_NAV = [
    NavItem("用户订购查询", "vac:lookup", perm="vac.view_subscription", section="VAC"),
    NavItem("CRM 批量文件", "vac:crm_batches", perm="vac.view_crmbatchfile", section="VAC"),
    NavItem("定购关系同步文件", "vac:sync_files", perm="vac.view_subscription", section="VAC"),
]
PORTAL_NAV = [
    NavItem(label, url, role=role, section="VAC")
    for label, url in (
        ("订购关系", "vac:portal_subscriptions"),
        ("通知投递", "vac:portal_notifications"),
        ("通知地址", "vac:portal_endpoint"),
        ("同步文件", "vac:portal_sync_files"),
    )
    for role in (roles.PARTNER_ADMIN, roles.PARTNER_USER)
]
