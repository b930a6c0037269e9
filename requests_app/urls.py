from django.urls import path

from requests_app import pdf_views, views

app_name = "requests_app"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("all/", views.request_list, {"tab": "all"}, name="all"),
    path("waiting/", views.waiting_list, name="waiting"),
    path("new/", views.request_create, name="create"),
    path("<str:code>/", views.request_detail, name="detail"),
    path("<str:code>/edit/", views.request_edit, name="edit"),
    path("<str:code>/submit/", views.request_submit, name="submit"),
    path("<str:code>/withdraw/", views.request_withdraw, name="withdraw"),
    path("<str:code>/urge/", views.request_urge, name="urge"),
    path("<str:code>/review/", views.request_review, name="review"),
    path("<str:code>/hand-over/", views.request_hand_over, name="hand_over"),
    path("<str:code>/copy-in/", views.request_copy_in, name="copy_in"),
    path("<str:code>/cancel/", views.request_cancel, name="cancel"),
    path("<str:code>/files/<int:pk>/", views.attachment_download, name="attachment"),
    path("<str:code>/files/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("<str:code>/sync/new/", views.sync_record_add, name="sync_add"),
    path("<str:code>/sync/<int:pk>/acknowledge/", views.sync_acknowledge, name="sync_ack"),
    path("<str:code>/sync/kickoff/", views.kickoff_record, name="kickoff"),
    path("<str:code>/sync/finish/", views.sync_finish, name="sync_finish"),
    path("<str:code>/plan/edit/", views.plan_edit, name="plan_edit"),
    path("<str:code>/plan/propose/", views.plan_propose, name="plan_propose"),
    path("<str:code>/plan/sign/", views.plan_sign, name="plan_sign"),
    path("<str:code>/plan/urge/", views.plan_urge, name="plan_urge"),
    path("<str:code>/plan/new-version/", views.plan_new_version, name="plan_new_version"),
    path("<str:code>/plan/link/<int:receiver_pk>/", views.plan_link_create, name="plan_link"),
    path("<str:code>/links/email/", views.link_email, name="link_email"),
    path("<str:code>/links/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("<str:code>/plan/v<int:version>/", views.plan_detail, name="plan"),
    path("<str:code>/pdf/registration/", pdf_views.registration_pdf, name="pdf_registration"),
    path("<str:code>/pdf/sync/", pdf_views.sync_pdf, name="pdf_sync"),
    path("<str:code>/pdf/plan/v<int:version>/", pdf_views.plan_pdf, name="pdf_plan"),
]

external_urlpatterns = [
    path("plan/<str:token>/", views.external_plan, name="plan"),
    path("plan/<str:token>/files/<int:pk>/", views.external_plan_file, name="plan_file"),
]
