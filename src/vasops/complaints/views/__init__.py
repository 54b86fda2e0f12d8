"""Complaint pages: console lists and intake, the shared complaint page (console and portal),
the public form and status page, the dashboard."""

from vasops.complaints.views.handling import detail, new
from vasops.complaints.views.lists import ComplaintListView, PortalComplaintListView, RefundListView
from vasops.complaints.views.public import status, submit
from vasops.complaints.views.reports import dashboard

__all__ = [
    "ComplaintListView",
    "PortalComplaintListView",
    "RefundListView",
    "dashboard",
    "detail",
    "new",
    "status",
    "submit",
]
