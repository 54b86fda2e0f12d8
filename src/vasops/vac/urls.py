from django.urls import path

from vasops.vac import views

app_name = "vac"

urlpatterns = [
    # console
    path("lookup/", views.lookup, name="lookup"),
    path("subscriptions/<int:pk>/unsubscribe/", views.staff_unsubscribe, name="staff_unsubscribe"),
    path("crm/", views.CrmBatchListView.as_view(), name="crm_batches"),
    path("crm/upload/", views.crm_upload, name="crm_upload"),
    path("crm/<int:pk>/", views.crm_batch, name="crm_batch"),
    path("crm/<int:pk>/progress/", views.crm_batch_progress, name="crm_batch_progress"),
    path("crm/<int:pk>/exceptions/", views.crm_exception_file, name="crm_exception_file"),
    path("sync-files/", views.SyncFileListView.as_view(), name="sync_files"),
    path("sync-files/<int:pk>/download/", views.sync_file_download, name="sync_file_download"),
    # portal
    path("portal/subscriptions/", views.PortalSubscriptionListView.as_view(), name="portal_subscriptions"),
    path("portal/notifications/", views.PortalNotificationListView.as_view(), name="portal_notifications"),
    path("portal/notifications/<int:pk>/", views.notification, name="portal_notification"),
    path("portal/notifications/<int:pk>/resend/", views.resend, name="resend"),
    path("portal/endpoint/", views.endpoint, name="portal_endpoint"),
    path("portal/sync-files/", views.PortalSyncFileListView.as_view(), name="portal_sync_files"),
    path("portal/sync-files/<int:pk>/download/", views.sync_file_download, name="portal_sync_file_download"),
]
