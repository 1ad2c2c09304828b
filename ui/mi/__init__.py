"""Management information for HR and managers: the dashboards page, its views and exports."""

TITLE = "Management information"  # the page's name in the navigation
