"""Attendance management: absence episodes, their checks, and the trigger points.

Pure code (no SQL): `policy` reads resources/policy/attendance.toml; `episodes` checks an
episode against a person's others; `triggers` says who reached a trigger point, whose
return-to-work interview is outstanding and when welfare contact is due. The store's side
is lcc_apr.ops.absences (the manager's laptop), lcc_apr.schedule.attendance (what is due,
one query for everyone) and the server's lcc_apr.server.absences.
"""
