from django.urls import path

from policies import api

urlpatterns = [
    path("policies/", api.PolicyListView.as_view(), name="api-policies"),
    path("policies/<slug:slug>/", api.PolicyDetailView.as_view(), name="api-policy"),
    path("policies/<slug:slug>/versions/", api.VersionListView.as_view(), name="api-versions"),
    path(
        "policies/<slug:slug>/versions/<int:number>/",
        api.VersionDetailView.as_view(),
        name="api-version",
    ),
    *[
        path(
            f"policies/<slug:slug>/versions/<int:number>/{view.action}/",
            view.as_view(),
            name=f"api-version-{view.action}",
        )
        for view in (
            api.VersionSubmitView,
            api.VersionPublishView,
            api.VersionReturnView,
            api.VersionWithdrawView,
        )
    ],
    path("policies/<slug:slug>/acknowledge/", api.AcknowledgeView.as_view(), name="api-ack"),
    path("policies/<slug:slug>/compliance/", api.ComplianceView.as_view(), name="api-compliance"),
    path("acknowledgements/owed/", api.OwedView.as_view(), name="api-owed"),
    path("search/", api.SearchView.as_view(), name="api-search"),
    path("pending-changes/", api.PendingChangeListView.as_view(), name="api-pending-changes"),
    path(
        "pending-changes/<int:pk>/",
        api.PendingChangeDetailView.as_view(),
        name="api-pending-change",
    ),
    *[
        path(
            f"pending-changes/<int:pk>/{view.action}/",
            view.as_view(),
            name=f"api-pending-change-{view.action}",
        )
        for view in (
            api.PendingChangeApproveView,
            api.PendingChangeRejectView,
            api.PendingChangeWithdrawView,
        )
    ],
]
