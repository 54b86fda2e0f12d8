from django.urls import path

from vasops.admission.review import queries as review_queries
from vasops.admission.review import views as v

review_queries.register_document_access()

urlpatterns: list = [
    path("console/review/experts/", v.ExpertListView.as_view(), name="review_expert_list"),
    path("console/review/experts/new/", v.expert_create, name="review_expert_create"),
    path("console/review/experts/<int:pk>/", v.expert_detail, name="review_expert_detail"),
    path("console/review/indicators/", v.indicators, name="review_indicators"),
    path("console/review/meetings/", v.MeetingListView.as_view(), name="review_meeting_list"),
    path("console/review/meetings/new/", v.meeting_create, name="review_meeting_create"),
    path("console/review/meetings/<int:pk>/", v.meeting_detail, name="review_meeting_detail"),
    path(
        "console/review/meetings/<int:pk>/attendance/", v.meeting_attendance, name="review_meeting_attendance"
    ),
    path("console/review/meetings/<int:pk>/close/", v.meeting_close, name="review_meeting_close"),
    path("expert/", v.expert_home, name="expert_home"),
    path("expert/meetings/<int:pk>/", v.expert_meeting, name="expert_meeting"),
    path("expert/sheets/<int:pk>/", v.expert_sheet, name="expert_sheet"),
]
