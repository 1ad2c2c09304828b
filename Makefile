# One command to run the app, one to run every test. Both build the environment first.
PYTHON ?= python3
VENV := .venv
READY := $(VENV)/.ready

.PHONY: run test bench bundle lint clean reliability reliability-report wheel wheelhouse msi deb

run: $(READY)
	$(VENV)/bin/python main.py run $(ARGS)

test: $(READY)
	$(VENV)/bin/python -m pytest

bench: $(READY)
	bash installer/install-debian-packages.sh installer/debian-packages-bench.txt
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,bench]'
	$(VENV)/bin/python bench/store_build.py
	$(VENV)/bin/python bench/schedule.py
	$(VENV)/bin/python bench/sync_pull.py
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python bench/ui.py
	$(VENV)/bin/python bench/pdf.py
	$(VENV)/bin/python bench/mi.py

# The sync state machine and the API fuzzer, long: 10,000+ steps per database (PostgreSQL
# too when it answers; the fuzzer against a server process on it),
# figures in bench/results/reliability-<db>.json. About an hour per database.
reliability: $(READY)
	@pg="postgresql+psycopg://postgres@127.0.0.1:5432/test"; \
	if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export LCC_APR_TEST_PG_URL="$$pg"; \
	fi; \
	LCC_APR_RELIABILITY=long $(VENV)/bin/python -m pytest tests/reliability tests/security/test_api_fuzz.py -q

reliability-report: $(READY)
	$(VENV)/bin/python bench/reliability_report.py

# The desktop app as one folder (PyInstaller --onedir): dist/lcc-apr/lcc-apr
bundle: $(READY)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller installer/lcc-apr.spec

# The server's artefacts (docs/admin-guide.md, section 6): the project's wheel, and the
# wheelhouse tarball dist/lcc-apr-server-wheelhouse-<version>.tar.gz for servers without internet.
wheel: $(READY)
	PYTHON=$(VENV)/bin/python bash installer/server/build-wheelhouse.sh wheel dist

wheelhouse: $(READY)
	PYTHON=$(VENV)/bin/python bash installer/server/build-wheelhouse.sh wheelhouse dist

# The Windows MSI built on Linux around the bundle (wixl), to check the recipe:
# dist/lcc-apr-<version>-x64.msi. Signed when SIGN_CERT and SIGN_KEY (PEM) are given;
# SIGN_CA verifies it (default: the certificate). On Windows: installer/windows/build.ps1.
msi: bundle
	bash installer/windows/build-msi.sh $(if $(SIGN_CERT),--cert $(SIGN_CERT) --key $(SIGN_KEY)) $(if $(SIGN_CA),--ca $(SIGN_CA))

# The bundle as a Debian package: dist/lcc-apr_VERSION_ARCH.deb (installer/debian/build_deb.py)
deb: bundle
	$(VENV)/bin/python installer/debian/build_deb.py

lint: $(READY)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

$(READY): pyproject.toml installer/debian-packages.txt
	bash installer/install-debian-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[desktop,dev]'
	touch $(READY)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache
