from django.urls import path

from portal.people import pages

app_name = "people"
urlpatterns = [
    path("", pages.people_list, name="list"),
    path("<int:pk>/", pages.person_detail, name="detail"),
    path("<int:pk>/unlock/", pages.person_unlock, name="unlock"),
    path("departments/", pages.departments, name="departments"),
    path("departments/<int:pk>/", pages.department_detail, name="department"),
    path("groups/", pages.directory_groups, name="groups"),
    path("import/", pages.import_upload_view, name="import-upload"),
    path("import/<int:pk>/", pages.import_detail, name="import"),
    path("me/tokens/", pages.my_tokens, name="my-tokens"),
    path("scim-tokens/", pages.scim_tokens, name="scim-tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke_view, name="token-revoke"),
]
