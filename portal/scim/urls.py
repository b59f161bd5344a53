from django.urls import path, re_path

from portal.scim import views

app_name = "scim"
urlpatterns = [
    path("ServiceProviderConfig", views.service_provider_config, name="config"),
    path("ResourceTypes", views.resource_types, name="resource-types"),
    path("ResourceTypes/<str:key>", views.resource_types, name="resource-type"),
    path("Schemas", views.schemas, name="schemas"),
    path("Schemas/<str:key>", views.schemas, name="schema"),
    path(".search", views.search_everything, name="search"),
    path("Users/.search", views.users_search, name="users-search"),
    path("Users", views.users, name="users"),
    path("Users/<str:key>", views.user, name="user"),
    path("Groups/.search", views.groups_search, name="groups-search"),
    path("Groups", views.groups, name="groups"),
    path("Groups/<str:key>", views.group, name="group"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
