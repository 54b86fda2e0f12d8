from django.urls import path

from vasops.partners import change_views, views

app_name = "partners"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("me/", views.me, name="me"),
    path("me/profile/", views.me_profile, name="me_profile"),
    path("me/hotline/", views.me_hotline, name="me_hotline"),
    path("me/contacts/<str:role>/", views.me_contact, name="me_contact"),
    path("me/bank/", views.me_bank, name="me_bank"),
    path("me/qualifications/new/", views.me_qualification, name="me_qualification"),
    path("me/users/new/", views.me_add_user, name="me_add_user"),
    path("me/changes/", change_views.MyChangeListView.as_view(), name="change_list"),
    path("me/changes/new/", change_views.change_new, name="change_new"),
    path("changes/", change_views.ChangeQueueView.as_view(), name="change_queue"),
    path("changes/<int:pk>/", change_views.change_detail, name="change_detail"),
    path("qualifications/<int:pk>/", views.qualification_detail, name="qualification"),
    path("", views.PartnerListView.as_view(), name="list"),
    path("<int:pk>/", views.partner_detail, name="detail"),
    path("<int:pk>/suspend/", views.suspend, name="suspend"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/restrictions/new/", views.add_restriction, name="add_restriction"),
    path("restrictions/", views.RestrictionListView.as_view(), name="restrictions"),
    path("restrictions/<int:pk>/lift/", views.lift_restriction, name="lift_restriction"),
]
