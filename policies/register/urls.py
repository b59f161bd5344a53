"""``/tools/``: the lookup and the register, an entry, adding and editing entries."""

from django.urls import path

from policies.register import views

app_name = "register"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("new/", views.entry_create, name="create"),
    path("<slug:slug>/", views.entry_detail, name="detail"),
    path("<slug:slug>/edit/", views.entry_edit, name="edit"),
]
