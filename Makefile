# mockbroker: build, report and CI entry points.
#
#   make report   run the acceptance suite in-process, write the Allure HTML report
#   make test     everything: pytest, behave against every target, report checks, coverage
#
# Both work on a fresh machine: they create .venv, install the pinned requirements and the
# pinned Allure 3 command line (npm), and `make test` installs Debian's chromium if missing.
#
# Variables you may override:
#   SEED=2109            seed handed to behave (-D seed=); defaults to $MOCKBROKER_SEED, else 2109
#   TARGETS="inprocess"  behave targets for `make test` (default: inprocess, plus http and alpaca when
#                        mockbroker/service/ is a package; alpaca = the alpaca-py adapter against a
#                        service of its own, running the @conformance profile, docs/conformance.md)
#   FEATURES=path        feature files/dirs to run (default: behave.ini `paths`, i.e. features/)
#   BEHAVE_ARGS="..."    extra behave arguments, e.g. BEHAVE_ARGS="--tags=@orders"
#   JOBS=1               behave processes per target at once: a number, or auto (one per idle CPU, 1 when the
#                        work is too short to gain); files balanced by $(REPORTS)/feature-times.json; @performance
#                        files run alone afterwards (docs/report.md, "Parallel and sharded runs"). Default 1: on
#                        this busy 2-core machine two processes were slower (README, "Parallel and sharded runs")
#   SHARD=I/N            make report: run only shard I of N (a CI matrix); `make merge-report` joins the shards
#   REPORT_TARGETS=inprocess  the targets `make report` runs (a CI matrix may run them all in each shard)
#   BEHAVE_TIMEOUT=150   seconds per behave run (per target) before it is killed as hung
#   PYTEST_WORKERS=auto  pytest-xdist workers for the unit tests (0: run them in one process)
#   PYTEST_TIMEOUT=480   seconds for the unit/property pytest run (the worst case stays inside
#                        CI's 15 minutes: 480 + 2 x 150 + 120 for the report checks + the rest)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
REQ_STAMP  := $(VENV)/.requirements.stamp
PTH_FILE   := $(VENV)/.coverage-pth.stamp
EDITABLE   := $(VENV)/.editable.stamp
NODE_STAMP := node_modules/.package-lock.json
ALLURE     := node_modules/.bin/allure
CHROMIUM   ?= /usr/bin/chromium

MOCKBROKER_SEED ?= 2109
SEED       ?= $(MOCKBROKER_SEED)
export MOCKBROKER_SEED := $(SEED)

TARGETS    ?= inprocess $(if $(wildcard mockbroker/service/__init__.py),http alpaca)
FEATURES   ?=
# Hard limits (seconds) so a hang fails the run with a message instead of eating the CI budget.
BEHAVE_TIMEOUT ?= 150
# the second run of failed @performance scenarios (a few load runs of ~2 s each at CI scale)
RERUN_TIMEOUT ?= 90
PYTEST_TIMEOUT ?= 480
REPORT_CHECK_TIMEOUT ?= 300
# On a busy shared machine a slow stage is not a hung one: each stage's limit above is multiplied by the CPU
# contention measured as the stage starts (the run queue per core: 1-minute load average / cores, rounded up, at
# least 1, at most MAX_STRETCH). On a quiet machine it is 1 and the limits are as written.
MAX_STRETCH ?= 4
stretch = $$($(PYTHON_SYS) -c 'import math, os; print(max(1, min($(MAX_STRETCH), math.ceil(os.getloadavg()[0] / (os.cpu_count() or 1)))))' 2>/dev/null || echo 1)
# a single pytest test running longer than this fails with its stack (pytest-timeout)
PYTEST_TEST_TIMEOUT ?= 240
# unit tests run on this many pytest-xdist workers ("auto" = one per CPU; 0 = no workers)
PYTEST_WORKERS ?= auto
BEHAVE_ARGS ?=
# Parallel behave (tools/run_suite.py): processes per target; a CI matrix's shard of the suite (make report)
JOBS       ?= 1
SHARD      ?=
REPORT_TARGETS ?= inprocess

REPORTS    := reports
RESULTS    := $(REPORTS)/allure-results
HTML       := $(REPORTS)/allure-report
JUNIT      := $(REPORTS)/junit
RERUN      := $(REPORTS)/rerun
# one history per command (report.jsonl, test.jsonl), so trends compare like with like
HISTORY    := $(REPORTS)/history
# marks: a behave run was aborted (kept out of the history); the quality gate failed
ABORTED_MARK := $(REPORTS)/.run-aborted
GATE_MARK  := $(REPORTS)/.quality-gate-failed
# last measured seconds per feature file and target: how the parallel processes and shards are balanced
TIMINGS    ?= $(REPORTS)/feature-times.json
TIMINGS_OUT = $(TIMINGS)
SUITE_WORK := $(REPORTS)/.suite-work
# A CI matrix's shard (make report SHARD=I/N) keeps everything it writes in a folder of its own, the bundle
# `make merge-report` reads (docs/report.md): results, JUnit, rerun lists, its timings and its shard.json.
ifneq ($(strip $(SHARD)),)
SHARD_DIR  := $(REPORTS)/shards/$(subst /,-of-,$(strip $(SHARD)))
RESULTS    := $(SHARD_DIR)/allure-results
JUNIT      := $(SHARD_DIR)/junit
RERUN      := $(SHARD_DIR)/rerun
ABORTED_MARK := $(SHARD_DIR)/.run-aborted
TIMINGS_OUT = $(SHARD_DIR)/feature-times.json
SUITE_WORK := $(SHARD_DIR)/.work
endif

# Coverage: every Python process started with COVERAGE_PROCESS_START set (pytest, behave and the
# HTTP service subprocess) measures itself through the .pth hook installed into the venv.
COV_ENV    := COVERAGE_PROCESS_START=$(CURDIR)/.coveragerc COVERAGE_FILE=$(CURDIR)/$(REPORTS)/.coverage

.PHONY: help bootstrap venv node browser report merge-report test clean

help:
	@echo "make report    acceptance suite (in-process) -> Allure report in $(HTML)/ (JOBS=auto|N, SHARD=I/N)"
	@echo "make merge-report  one report from the shards' results in $(REPORTS)/shards/ (a CI matrix)"
	@echo "make test      pytest + behave on all targets ($(strip $(TARGETS))) + report checks + coverage"
	@echo "make bootstrap create .venv, install requirements, Allure (npm) and chromium"
	@echo "make load      headless Locust run against a fresh service (LOAD_ARGS, see docs/performance.md)"
	@echo "make soak      bounded soak: memory, file descriptors, outage recovery (SOAK_ARGS)"
	@echo "make clean     remove generated reports (keeps .venv and node_modules)"

# ---------------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------------
bootstrap: venv node browser

venv: $(REQ_STAMP) $(PTH_FILE) $(EDITABLE)

$(VENV)/bin/python:
	$(PYTHON_SYS) -m venv $(VENV)

# Reinstall only when requirements.txt is newer than the stamp.
$(REQ_STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# mockbroker itself, installed editable (pyproject.toml): the `mockbroker` command in .venv/bin, and
# `import mockbroker` from any folder. --no-deps: the pinned requirements above are the dependencies.
$(EDITABLE): pyproject.toml $(REQ_STAMP)
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

# A .pth file runs at every interpreter start-up; it starts coverage only when
# COVERAGE_PROCESS_START is set, so ordinary runs are untouched.
$(PTH_FILE): $(REQ_STAMP)
	site="$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
	echo 'import os; os.environ.get("COVERAGE_PROCESS_START") and __import__("coverage").process_startup()' \
	  > "$$site/mockbroker_coverage.pth"
	touch $@

node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi
	if [ "$$(id -u)" != 0 ]; then
	  echo "error: $(CHROMIUM) is missing; install it with: sudo apt-get install -y chromium" >&2; exit 1
	fi
	echo "Installing chromium (Debian) for the report browser test..."
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
	test -x "$(CHROMIUM)"

# ---------------------------------------------------------------------------------------------
# Acceptance suite runs. $(call run_behave,TARGET[,ENV]) runs behave once for TARGET, feeding the shared
# allure-results and reports/junit/TARGET, then finishes the run's results (docs/report.md):
#   tools/run_outcome.py   an aborted run (hook error, bad seed, no service, timeout) becomes a broken
#                          result naming the cause, and marks the run so it stays out of the history;
#   tools/label_target.py  target, host and thread labels, one feature/epic/story per result;
#   tools/flaky_rerun.py   failed @performance scenarios (real wall-clock timings on a shared machine) run
#                          once more; one that passes then is marked flaky, its failure kept as a retry.
# Skipped scenarios are shown (--show-skipped), so each environment counts what it did not run.
# ---------------------------------------------------------------------------------------------
# The @performance scenarios load-test a real-time service of their own whatever the target, so they run once:
# with the in-process target (http would only repeat them; a target without the engine capability skips them).
# The alpaca target never sees a real account's keys here: it talks to a service of its own.
define run_behave
( echo "=== behave -D target=$(1) (seed $(SEED)) ===" ; \
  only=(); if [ "$(1)" = http ]; then only=(--tags="not @performance"); fi; \
  alone=(); if [ "$(1)" = inprocess ]; then alone=(--alone-tag @performance); fi; \
  if [ "$(1)" = alpaca ]; then unset APCA_API_KEY_ID APCA_API_SECRET_KEY APCA_API_KEY_ID_2 APCA_API_SECRET_KEY_2; fi; \
  limit=$$(( $(BEHAVE_TIMEOUT) * $(stretch) )); \
  rc=0; \
  $(2) timeout -k 30 $$(( limit + 60 )) $(PY) tools/run_suite.py $(1) --results $(RESULTS) --junit $(JUNIT)/$(1) \
    --rerun $(RERUN)/$(1).txt --work $(SUITE_WORK)/$(1) --jobs $(JOBS) --shard $(or $(strip $(SHARD)),1/1) \
    --timings $(TIMINGS) --timings-out $(TIMINGS_OUT) --timeout $$limit --aborted-mark $(ABORTED_MARK) \
    "$${alone[@]}" --features "$(FEATURES)" -- -D seed=$(SEED) "$${only[@]}" $(BEHAVE_ARGS) || rc=$$?; \
  again=(); if [ $$rc -ne 0 ] && [ $$rc -ne 3 ] && [ -s $(RERUN)/$(1).txt ]; then \
    while read -r place; do case "$$place" in *.feature:*) \
      if grep -q '@performance' "$${place%%:*}" 2>/dev/null; then again+=("$$place"); fi;; esac; \
    done < $(RERUN)/$(1).txt; fi; \
  if [ $${#again[@]} -gt 0 ]; then \
    echo "=== behave -D target=$(1): failed @performance scenarios once more ==="; \
    $(2) timeout -k 30 $$(( $(RERUN_TIMEOUT) * $(stretch) )) $(PY) -m behave -D target=$(1) -D seed=$(SEED) \
      -D AllureFormatter.hide_excluded=true -f allure -o $(RESULTS) -f pretty --tags=@performance \
      --junit --junit-directory $(JUNIT)/$(1)/rerun $(BEHAVE_ARGS) "$${again[@]}" || true; \
    $(PY) tools/label_target.py $(RESULTS) $(1) --shard rerun; \
    $(PY) tools/flaky_rerun.py $(RESULTS) --junit $(JUNIT)/$(1) && rc=0; \
  fi; \
  exit $$rc )
endef

define fresh_results
rm -rf $(RESULTS) $(JUNIT) $(HTML) $(RERUN) $(ABORTED_MARK) $(SUITE_WORK)
mkdir -p $(RESULTS) $(JUNIT) $(RERUN) $(HISTORY)
endef


# $(call generate_report,TARGETS,COMMAND): metadata, executor and categories, the quality gate (its verdict goes into the report as a global error; the caller reads $(GATE_MARK)), then the HTML report
# with the COMMAND's own history (reports/history/COMMAND.jsonl), not appended to when a run was aborted.
define generate_report
$(PY) tools/allure_environment.py --results $(RESULTS) --targets "$(1)" --seed "$(SEED)" \
  --behave-args="$(BEHAVE_ARGS)" --command $(2) --coverage $(REPORTS)/coverage && \
cp tools/allure/categories.json $(RESULTS)/categories.json && \
{ $(PY) tools/quality_gate.py $(RESULTS) || touch $(GATE_MARK); } && \
rm -rf $(HTML) && \
MOCKBROKER_TARGETS="$(1)" MOCKBROKER_HISTORY=$(HISTORY)/$(2).jsonl \
  MOCKBROKER_APPEND_HISTORY=$$(if [ -e $(ABORTED_MARK) ]; then echo 0; else echo 1; fi) \
  $(ALLURE) generate $(RESULTS) -o $(HTML) && \
{ test -f $(HTML)/index.html || { echo "error: Allure wrote no $(HTML)/index.html" >&2; false; }; } && \
$(PY) tools/patch_report.py $(HTML) && \
{ if [ -e $(ABORTED_MARK) ]; then echo "a behave run was aborted: the report shows why; history left as it was" >&2; fi; }
endef

define where_report
echo
echo "Allure report: $(abspath $(HTML))/index.html"
echo "  open it with:  npx allure open $(HTML)"
echo "            or:  $(PY) -m http.server -d $(HTML) -b 127.0.0.1 8000   (then http://127.0.0.1:8000/)"
endef

# The main job: the in-process acceptance suite and its report. Generates the report even when
# scenarios fail, then exits non-zero when behave failed, a run was aborted, or the quality gate failed.
# With SHARD=I/N it runs only that shard of the suite, for each of REPORT_TARGETS, into $(REPORTS)/shards/I-of-N/
# and stops there: `make merge-report` makes the report once every shard's folder is in $(REPORTS)/shards/.
report: venv node
	@if [ -n "$(strip $(SHARD))" ]; then rm -rf $(SHARD_DIR); mkdir -p $(RESULTS) $(JUNIT) $(RERUN); \
	else $(call fresh_results); fi
	rm -f $(GATE_MARK)
	status=0
	for t in $(REPORT_TARGETS); do
	  $(call run_behave,$$t) || status=$$?
	done
	if [ -n "$(strip $(SHARD))" ]; then
	  $(PY) tools/merge_shards.py record $(SHARD_DIR) --shard $(SHARD) --status $$status --seed $(SEED) \
	    --targets "$(strip $(REPORT_TARGETS))" --timings $(TIMINGS) --features "$(FEATURES)"
	  exit $$status
	fi
	{ $(call generate_report,$(strip $(REPORT_TARGETS)),report); } || { echo "error: report generation failed" >&2; exit 1; }
	$(call where_report)
	if [ -e $(ABORTED_MARK) ] && [ $$status -eq 0 ]; then status=1; fi
	if [ -e $(GATE_MARK) ]; then echo "quality gate failed: a @allure.severity:critical scenario failed (see the report's Global Errors)" >&2; fi
	if [ $$status -ne 0 ]; then echo "behave failed (exit $$status): see the report" >&2; fi
	if [ -e $(GATE_MARK) ] && [ $$status -eq 0 ]; then status=1; fi
	exit $$status

# One report from the shards of a CI matrix: every $(REPORTS)/shards/*/ folder (each shard's artifact), checked to
# be one complete split (every feature file run exactly once), merged, reported like `make report`, and its counts
# compared with the shards' JUnit (tools/check_report.py). Fails when a shard failed or is missing.
merge-report: venv node
	@$(call fresh_results)
	rm -f $(GATE_MARK)
	status=0
	$(PY) tools/merge_shards.py merge $(REPORTS)/shards --results $(RESULTS) --junit $(JUNIT) --rerun $(RERUN) \
	  --aborted-mark $(ABORTED_MARK) --timings $(TIMINGS) --targets-out $(SUITE_WORK)/targets || status=$$?
	if [ $$status -eq 2 ]; then exit 2; fi
	targets="$$(cat $(SUITE_WORK)/targets 2>/dev/null || echo inprocess)"
	{ $(call generate_report,$$targets,report); } || { echo "error: report generation failed" >&2; exit 1; }
	$(PY) tools/check_report.py --report $(HTML) --junit $(JUNIT) || status=1
	$(call where_report)
	if [ -e $(ABORTED_MARK) ] && [ $$status -eq 0 ]; then status=1; fi
	if [ -e $(GATE_MARK) ]; then echo "quality gate failed: a @allure.severity:critical scenario failed (see the report's Global Errors)" >&2; fi
	if [ -e $(GATE_MARK) ] && [ $$status -eq 0 ]; then status=1; fi
	exit $$status

# ---------------------------------------------------------------------------------------------
# make test: every stage runs even after a failure (so the report and coverage are complete),
# each failure is recorded, and the target exits non-zero listing what failed.
# ---------------------------------------------------------------------------------------------
test: bootstrap
	@if [ -n "$(strip $(SHARD))" ]; then
	  echo "error: SHARD=$(SHARD) splits \`make report\` over a CI matrix (then \`make merge-report\`); make test runs one machine's whole suite (JOBS=N runs it in N processes)" >&2; exit 2
	fi
	start=$$(date +%s)
	stage() { echo "stage $$1: $$(( $$(date +%s) - $$2 )) s" >> $(REPORTS)/stage-times.txt; }
	failed=()
	rm -f $(REPORTS)/.coverage $(REPORTS)/.coverage.* $(GATE_MARK) $(REPORTS)/stage-times.txt
	$(call fresh_results)
	echo "=== pytest (unit and property tests) ==="
	t0=$$(date +%s)
	# exit 5 = no tests collected (the engine's tests not written yet): a warning, not a failure
	limit=$$(( $(PYTEST_TIMEOUT) * $(stretch) ))
	rc=0; $(COV_ENV) timeout -k 30 $$limit $(PY) -m pytest tests/ --ignore=tests/report -q -p no:cacheprovider \
	  -n $(PYTEST_WORKERS) --timeout=$(PYTEST_TEST_TIMEOUT) || rc=$$?
	if [ $$rc -eq 124 ] || [ $$rc -eq 137 ]; then
	  echo "error: pytest did not finish within $$limit s (PYTEST_TIMEOUT x contention): killed" >&2; failed+=("pytest (timeout)")
	elif [ $$rc -eq 5 ]; then echo "warning: pytest collected no unit tests"
	elif [ $$rc -ne 0 ]; then failed+=("pytest"); fi
	stage pytest $$t0
	for t in $(TARGETS); do
	  t0=$$(date +%s)
	  $(call run_behave,$$t,$(COV_ENV)) || failed+=("behave target=$$t")
	  stage "behave $$t" $$t0
	done
	if [ -e $(ABORTED_MARK) ]; then failed+=("aborted behave run"); fi
	$(PY) tools/target_differences.py $(RESULTS) || true
	echo "=== coverage of mockbroker/ (pytest + behave + service subprocess) ==="
	t0=$$(date +%s)
	{ $(COV_ENV) $(PY) -m coverage combine -q && \
	  $(COV_ENV) $(PY) -m coverage report && \
	  $(COV_ENV) $(PY) -m coverage html -q -d $(REPORTS)/coverage && \
	  $(COV_ENV) $(PY) -m coverage json -q -o $(REPORTS)/coverage/coverage.json; } || failed+=("coverage")
	stage coverage $$t0
	echo "=== Allure report ==="
	t0=$$(date +%s)
	{ $(call generate_report,$(strip $(TARGETS)),test); } || failed+=("allure generate")
	if [ -d $(REPORTS)/coverage ] && [ -d $(HTML) ]; then cp -r $(REPORTS)/coverage $(HTML)/coverage; fi
	if [ -e $(GATE_MARK) ]; then failed+=("quality gate (critical scenario failed)"); fi
	stage "allure report" $$t0
	echo "=== report checks (summary vs behave junit, failing fixtures, headless chromium) ==="
	t0=$$(date +%s)
	MOCKBROKER_REQUIRE_REPORT=1 timeout -k 30 $$(( $(REPORT_CHECK_TIMEOUT) * $(stretch) )) $(PY) -m pytest tests/report -q -p no:cacheprovider --timeout=$(PYTEST_TEST_TIMEOUT) || failed+=("report checks")
	stage "report checks" $$t0
	$(call where_report)
	echo "Coverage HTML: $(abspath $(REPORTS))/coverage/index.html (also inside the report: $(HTML)/coverage/)"
	cat $(REPORTS)/stage-times.txt
	echo "make test took $$(( $$(date +%s) - start )) s"
	if [ $${#failed[@]} -ne 0 ]; then
	  printf 'FAILED: %s\n' "$${failed[@]}" >&2
	  exit 1
	fi
	echo "make test: all passed"

# ---------------------------------------------------------------------------------------------
# Load and soak (docs/performance.md). Locust runs in processes of its own; load goes to 127.0.0.1.
#   make load LOAD_ARGS="--users 50 --orders 2000 --duration 10s --workers 2 --subscribers 50"
#   make soak SOAK_ARGS="--minutes 5"
# ---------------------------------------------------------------------------------------------
LOAD_ARGS ?= --users 20 --duration 10s --charts $(REPORTS)/load
SOAK_ARGS ?= --minutes 5 --charts $(REPORTS)/soak

load: venv
	$(PY) -m load.run $(LOAD_ARGS)

soak: venv
	$(PY) bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(RESULTS) $(HTML) $(JUNIT) $(RERUN) $(SUITE_WORK) $(REPORTS)/shards $(REPORTS)/coverage $(REPORTS)/.coverage* $(REPORTS)/*.png $(REPORTS)/load $(REPORTS)/soak $(REPORTS)/screenshots $(REPORTS)/fixture-runs
