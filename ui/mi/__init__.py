"""Management information for HR and managers: the dashboards page, its views and exports."""
