"""Management information: measures worked out from the records (never typed), with
disclosure control on every equality figure. Qt-free: the dashboards (ui/mi/) and the
committee pack draw the same tables.

table: the values a view shows (Table, Cell, Chart, Filters).
disclosure: primary and secondary suppression (and rounding to 5) of a count table.
config: resources/mi/*.toml read (HR configuration: eligibility, threshold, band, targets).
facts / measures / equality / profile: the figures.
charts / files / pack: drawing (matplotlib Agg), exports, the committee PDF pack.
"""
