from vasops.core import roles
from vasops.core.ui import NavItem

PORTAL_NAV = [
    NavItem("我的产品", "catalog:my_products", role=roles.PARTNER_ADMIN, section="产品"),
    NavItem("我的产品", "catalog:my_products", role=roles.PARTNER_USER, section="产品"),
]
CONSOLE_NAV = [
    NavItem("产品目录", "catalog:products", perm="catalog.view_product", section="产品"),
    NavItem("产品审核", "catalog:review_queue", perm="catalog.review_change", section="产品"),
    NavItem("业务线", "catalog:business_lines", perm="catalog.change_businessline", section="产品"),
    NavItem(
        "产品批量导入",
        "catalog:product_import",
        perm=("catalog.manage_product", "catalog.review_product"),
        section="产品",
    ),
    NavItem("资源池", "catalog:pools", perm="catalog.view_resourcepool", section="产品"),
]
