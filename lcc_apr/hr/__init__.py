"""Reading an HR system's organisation export (CSV or XLSX) into checked rows, one row
per post held, with every problem and every skipped row reported. Qt-free; reading is
database-free. lcc_apr.hr.plan compares a Reading with the organisation held (the dry run);
the server applies the plan (lcc_apr.server.orgimport).

    reading = read_organisation("staff.xlsx", profile="itrent")

docs/hr-import.md describes the profiles (resources/hr/) and the rules.

The other way, `register` and `export` take the records HR accepted into HR's register
and write them for the HR system (docs/hr-export.md); they import nothing from here.
"""

from .profiles import PROFILES, Profile, ProfileError, load_profile
from .reading import Reading, read_organisation
from .report import Problem, ReadCancelled, ReadRefused, Skipped
from .rows import PostRow

__all__ = [
    "PROFILES",
    "PostRow",
    "Problem",
    "Profile",
    "ProfileError",
    "ReadCancelled",
    "ReadRefused",
    "Reading",
    "Skipped",
    "load_profile",
    "read_organisation",
]
