"""Windows built here keep their settings in a temporary folder, never the developer's."""

from tests.ui.conftest import isolated_qsettings  # noqa: F401  (autouse fixture)
