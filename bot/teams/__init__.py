"""The Microsoft Teams adapter, on Microsoft's Teams SDK for Python (`microsoft-teams-apps`)."""

import warnings

# The SDK builds a default policy for HTML widgets, a preview feature waymark does not use,
# when it is imported, and warns that the feature is in preview. Only that warning is hidden.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message=r"HtmlWidgetSecurityPolicy is in preview", category=Warning
    )
    import microsoft_teams.apps  # noqa: F401
