from django.urls import path

from vasops.admission.exam import views as v

urlpatterns: list = [
    path("console/exam/questions/", v.QuestionListView.as_view(), name="exam_question_list"),
    path("console/exam/questions/new/", v.question_create, name="exam_question_create"),
    path("console/exam/questions/import/", v.question_import, name="exam_question_import"),
    path("console/exam/questions/template.xlsx", v.question_template, name="exam_question_template"),
    path("console/exam/questions/<int:pk>/", v.question_edit, name="exam_question_edit"),
    path("console/exam/questions/<int:pk>/retire/", v.question_retire, name="exam_question_retire"),
    path("console/exam/sittings/", v.SittingListView.as_view(), name="exam_sitting_list"),
    path("console/exam/sittings/new/", v.sitting_create, name="exam_sitting_create"),
    path("console/exam/sittings/<int:pk>/", v.sitting_detail, name="exam_sitting_detail"),
    path("console/exam/sittings/<int:pk>/record/", v.sitting_record, name="exam_sitting_record"),
    path("console/exam/sittings/<int:pk>/publish/", v.sitting_publish, name="exam_sitting_publish"),
    path("portal/exam/", v.exam_portal, name="exam_portal"),
    path("portal/exam/papers/<int:pk>/", v.exam_paper, name="exam_paper"),
    path("portal/exam/papers/<int:pk>/start/", v.exam_paper_start, name="exam_paper_start"),
    path("portal/exam/papers/<int:pk>/save/", v.exam_paper_save, name="exam_paper_save"),
    path("portal/exam/papers/<int:pk>/submit/", v.exam_paper_submit, name="exam_paper_submit"),
]
