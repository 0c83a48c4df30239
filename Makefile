# The captioning kit, instructor side. `make demo` and `make test` set everything up themselves.
# Students get their own Makefile in the student bundle (autograder/release/student_kit/Makefile).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.installed
DATA_DIR := data/shapes_captioning
DATA_STAMP := $(DATA_DIR)/.complete
SOLUTION := build/solution
export CS231N_DATA_DIR := $(CURDIR)/$(DATA_DIR)

SUBMISSIONS ?= build/examples
OUT ?= build/grading
JOBS ?= 1
FORCE ?=
STUDENT ?=
ROSTER ?=
DUE ?=
LATE_PENALTY ?=
TIMEZONE ?=
CANVAS_COLUMN ?=
VISIBILITY ?= visible
COURSE_ID ?=
EXCHANGE ?=
SHARED_DATA ?=
ARGS ?=
STRICT ?=

STUDENT_KIT := autograder/release/student_kit
STUDENT_LOCK_VENV := build/student-lock

.PHONY: notebook setup data prepare release assignment solution test lint demo examples grade report verify hub similarity gradescope student-bundle student-lock check submit bench bench-grade bench-similarity lock clean

setup: $(SETUP_STAMP)  ## create .venv and install the pinned packages

# The pinned pip first: the older one a new venv starts with reads the index twice as slowly.
# --no-compile: Python writes the bytecode of what is imported on first use, so setup does
# not compile every file of the Jupyter stack (17 s instead of 28 s from a warm pip cache).
$(SETUP_STAMP): requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip -c constraints.txt
	$(PY) -m pip install --quiet --no-compile -r requirements.txt -c constraints.txt
	touch $@

data: $(DATA_STAMP)  ## build the embedded captioning dataset (about a minute)

$(DATA_STAMP): $(SETUP_STAMP) $(wildcard cs231n/shapes/*.py)
	$(PY) -m cs231n.shapes.build --out $(DATA_DIR)
	touch $@

prepare: data  ## build what grading reuses into build/ (held-out split, reference outputs, template course)
	$(PY) -m autograder prepare

release: $(SETUP_STAMP)  ## regenerate the student files from autograder/source
	$(PY) -m autograder release

# The tests that judge the assignment itself: its hidden cases, what feedback says about
# them, the student corpus's verdicts and `make check`.
ASSIGNMENT_TESTS := tests/test_hidden_cases.py tests/test_rounding_margins.py \
	tests/test_hidden_checks.py tests/test_student_corpus_files.py tests/test_student_corpus.py \
	tests/test_selfcheck.py

assignment: data  ## after changing an item, points or a message (docs/changing-the-assignment.md): regenerate the student files, lint, run the tests that judge the assignment
	$(PY) -m autograder release
	$(MAKE) lint
	$(PY) -m pytest -n 2 --dist loadgroup $(ASSIGNMENT_TESTS)

solution: $(SETUP_STAMP)  ## write the solved package to build/solution/cs231n
	$(PY) -m autograder solution --out $(SOLUTION)

lint: $(SETUP_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m autograder release --check

test: lint data  ## lint, check the release is fresh, run every test (two workers, a file per worker)
	$(PY) -m pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=15

demo: data solution  ## run both notebooks with the reference solution, then grade the examples
	$(PY) -m autograder demo --out build/demo
	$(PY) -m autograder examples --out build/examples
	$(PY) -m autograder grade build/examples --out build/demo/grading --force

examples: $(SETUP_STAMP)  ## write the example submissions to build/examples
	$(PY) -m autograder examples --out build/examples

grade: data solution  ## grade SUBMISSIONS=folder into the course OUT=folder [JOBS=N] [FORCE=1] [STUDENT=id] [ROSTER=csv] [DUE=time] [LATE_PENALTY=fraction] [TIMEZONE=zone] [CANVAS_COLUMN=column]
	$(PY) -m autograder grade "$(SUBMISSIONS)" --out "$(OUT)" --jobs $(JOBS) $(if $(FORCE),--force) \
		$(if $(STUDENT),--student "$(STUDENT)") $(if $(ROSTER),--roster "$(ROSTER)") \
		$(if $(DUE),--due "$(DUE)") $(if $(LATE_PENALTY),--late-penalty $(LATE_PENALTY)) \
		$(if $(TIMEZONE),--timezone "$(TIMEZONE)") $(if $(CANVAS_COLUMN),--canvas-column "$(CANVAS_COLUMN)")

report: $(SETUP_STAMP)  ## rewrite OUT's CSVs and feedback from its gradebook (after grading in formgrader)
	$(PY) -m autograder report "$(OUT)"

verify: $(SETUP_STAMP)  ## check that OUT's gradebook, CSVs and feedback agree
	$(PY) -m autograder verify "$(OUT)"

hub: $(SETUP_STAMP) $(if $(SHARED_DATA),data)  ## set up the course OUT=folder for nbgrader's exchange on a JupyterHub [COURSE_ID=id] [EXCHANGE=dir] [SHARED_DATA=dir]
	$(PY) -m autograder hub --out "$(OUT)" $(if $(COURSE_ID),--course-id "$(COURSE_ID)") \
		$(if $(EXCHANGE),--exchange "$(EXCHANGE)") $(if $(SHARED_DATA),--shared-data "$(SHARED_DATA)")

# Its own default OUT, so that `make similarity` never writes into a grading folder.
similarity: OUT = build/similarity
similarity: $(SETUP_STAMP)  ## similarity report of SUBMISSIONS=folder into OUT=folder [REFERENCE="dir ..."]
	$(PY) -m autograder similarity $(SUBMISSIONS) --out $(OUT) $(if $(REFERENCE),--reference $(REFERENCE))

student-bundle: $(SETUP_STAMP)  ## write dist/captioning-student.zip (what students get)
	$(PY) -m autograder student-bundle --out dist/captioning-student.zip

student-lock:  ## re-pin the student kit's packages from a fresh install of its requirements
	rm -rf $(STUDENT_LOCK_VENV)
	$(PYTHON) -m venv $(STUDENT_LOCK_VENV)
	$(STUDENT_LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip -c constraints.txt
	$(STUDENT_LOCK_VENV)/bin/python -m pip install --quiet -r $(STUDENT_KIT)/requirements.txt -c constraints.txt
	(echo "# Every package of the student kit's environment, pinned: a fresh install of requirements.txt, frozen."; \
	 $(STUDENT_LOCK_VENV)/bin/python -m pip freeze --all) > $(STUDENT_KIT)/constraints.txt

gradescope: $(SETUP_STAMP)  ## write dist/gradescope-autograder.zip [VISIBILITY=visible|after_due_date|after_published|hidden]
	$(PY) -m autograder gradescope --out dist/gradescope-autograder.zip --visibility $(VISIBILITY)

notebook: data  ## open the student notebooks in Jupyter (on the stubs of cs231n/) [ARGS="jupyter options"]
	$(PY) -m cs231n.blas_kernels $(PY) -m jupyter notebook notebooks/ $(ARGS)

# Exit status 1 of these two means they ran and found work to do (listed above): make ends
# without an "Error" line then; STRICT=1 keeps the status (for scripts).
check: $(SETUP_STAMP)  ## the students' public checks, on cs231n/ [STRICT=1]
	@$(PY) -m cs231n.selfcheck || { status=$$?; [ $$status -eq 1 ] && [ -z "$(STRICT)" ] || exit $$status; }

submit: $(SETUP_STAMP)  ## the students' submit command, on this folder [STRICT=1]
	@$(PY) -m cs231n.submit || { status=$$?; [ $$status -eq 1 ] && [ -z "$(STRICT)" ] || exit $$status; }

bench: data solution  ## LSTM and training-step timings against baselines, at 1 BLAS thread (the targets) and at 2
	OPENBLAS_NUM_THREADS=1 $(PY) bench/bench_lstm.py
	OPENBLAS_NUM_THREADS=2 $(PY) bench/bench_lstm.py

bench-grade: data solution  ## hidden-check CPU seconds (reference, student corpus), grading per submission, --jobs 1 vs 2
	$(PY) bench/bench_grade.py

bench-similarity: $(SETUP_STAMP)  ## similarity report time for 100, 250 and 500 synthetic submissions
	$(PY) bench/bench_similarity.py

lock: $(SETUP_STAMP)  ## re-pin every transitive package into constraints.txt
	(echo "# Generated by \`make lock\`: every package of the kit's environment, pinned."; \
	 $(PY) -m pip freeze --all --exclude-editable) > constraints.txt

clean:
	rm -rf build dist $(DATA_DIR)
