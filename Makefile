# Shared-memory lab suite. `make help` lists the targets; README.md explains.
#
# Every lab is a folder labs/NN-slug/ holding its programs (*.c, one program
# each) and its Check test (test_*.c). Programs and tests are found by
# wildcard: adding a lab adds no line here.

BUILD    ?= build
SANITIZE ?=
ifneq ($(SANITIZE),)
override BUILD := $(BUILD)/sanitize
endif
BIN      := $(BUILD)/bin
TESTBIN  := $(BUILD)/tests
LAB      ?=
# LABS is the same as LAB (make kit LABS="01 03 06").
ifneq ($(LABS),)
override LAB := $(LABS)
endif
# The submission to grade (make grade SUBMISSION=path): a folder, .zip or .tar.gz.
SUBMISSION ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
# Student submissions are compiled with the same warnings, not as errors.
WERROR   ?= -Werror
override CFLAGS += -std=c11 -Wall -Wextra $(WERROR) -Icommon
ifneq ($(SANITIZE),)
override CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
endif
LDLIBS   += -pthread -lrt -lm

# A clone this user cannot write: one clear refusal, before anything runs
# (make help needs nothing).
ifneq ($(filter-out help,$(or $(MAKECMDGOALS),all)),)
WRITABLE := $(shell d='$(BUILD)'; while [ ! -e "$$d" ]; do d=$$(dirname "$$d"); done; [ -w "$$d" ] && echo yes)
ifneq ($(WRITABLE),yes)
$(error $(abspath $(BUILD)) is not writable by $(shell id -un 2>/dev/null || id -u): make writes there; clone the suite where you can write, or give BUILD=dir)
endif
endif

# Every program goes to one folder, build/bin: two with one name would
# silently replace each other.
ALL_PROG_SRC := $(filter-out %/test_%.c,$(wildcard labs/*/*.c))
DUP_NAMES := $(shell printf '%s\n' $(notdir $(ALL_PROG_SRC)) | sort | uniq -d)
ifneq ($(DUP_NAMES),)
$(error two programs with one name: $(foreach n,$(DUP_NAMES),$(filter %/$(n),$(ALL_PROG_SRC))); rename one (build/bin holds one of each))
endif

# LAB=05 (or LAB="03 04") restricts building, checking and grading to those labs.
ifeq ($(origin LAB):$(strip $(LAB)),command line:)
$(error LAB= names no lab: give one (LAB=05) or leave LAB out for all labs)
endif
LAB_DIRS  := $(sort $(if $(LAB),$(foreach l,$(LAB),$(wildcard labs/$(l)*/)),$(wildcard labs/*/)))
TEST_SRC  := $(wildcard $(addsuffix test_*.c,$(LAB_DIRS)))
PROG_SRC  := $(filter-out $(TEST_SRC),$(wildcard $(addsuffix *.c,$(LAB_DIRS))))
PROGS     := $(addprefix $(BIN)/,$(basename $(notdir $(PROG_SRC))))
TESTS     := $(addprefix $(TESTBIN)/,$(basename $(notdir $(TEST_SRC))))
vpath %.c $(LAB_DIRS)

# Rebuild everything when the compiler or the flags change.
FLAGS_LINE := $(CC) $(CFLAGS) $(LDFLAGS) $(LDLIBS)
FLAGS_FILE := $(BUILD)/flags
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(FLAGS_FILE) 2>/dev/null)" = '$(FLAGS_LINE)' ] || echo '$(FLAGS_LINE)' > $(FLAGS_FILE); })

# The runner's environment: where things are, and sanitizer settings that
# leave SIGBUS and SIGSEGV to the programs (some die by them on purpose).
export LAB_BUILD := $(BUILD)
export LAB_ROOT := $(CURDIR)
export ASAN_OPTIONS := handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:detect_leaks=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

.PHONY: all tests testbins check grade kit handin autograder batch valgrind handouts report bench plots demo clean help deps-check deps-grade deps-docs deps-plots deps-demo
all: $(PROGS)

tests: $(PROGS) $(TESTS)

# The Check binaries alone (the submission grader builds programs one by one).
testbins: $(TESTS)

# A lab-local header (labs/12-ipc-bench/ring.h) is found by the compiler's
# own dependency files (-MMD), kept in $(BUILD)/dep/.
DEPS = -MMD -MP -MF $(BUILD)/dep/$(@F).d

$(BIN)/%: %.c $(wildcard common/*.h) $(FLAGS_FILE)
	@mkdir -p $(BIN) $(BUILD)/dep
	$(CC) $(CFLAGS) $(LDFLAGS) $(DEPS) -o $@ $< $(LDLIBS)

$(BUILD)/obj/testlib.o: common/testlib.c common/testlib.h common/lab.h $(FLAGS_FILE) | deps-check
	@mkdir -p $(BUILD)/obj
	$(CC) $(CFLAGS) -DLAB_BIN_DEFAULT='"$(abspath $(BIN))"' $$(pkg-config --cflags check) -c -o $@ $<

$(TESTBIN)/test_%: test_%.c $(BUILD)/obj/testlib.o common/testlib.h common/lab.h $(FLAGS_FILE) | deps-check
	@mkdir -p $(TESTBIN) $(BUILD)/dep
	$(CC) $(CFLAGS) $(LDFLAGS) $(DEPS) $$(pkg-config --cflags check) -o $@ $< $(BUILD)/obj/testlib.o $$(pkg-config --libs check) $(LDLIBS)

-include $(wildcard $(BUILD)/dep/*.d)

# Missing packages are installed (or named) by scripts/setup.
deps-check:
	@scripts/setup --quiet check docs plots
deps-grade:
	@scripts/setup --quiet grade
deps-docs:
	@scripts/setup --quiet docs
deps-plots:
	@scripts/setup --quiet plots
deps-demo:
	@scripts/setup --quiet demo

# Every Check suite and every graded run; ends with "N passed, N failed".
check: tests
	@scripts/run $(LAB)

# The same items with points: a table, "Score: X/Y", build/grade/results.json.
# With SUBMISSION=path: a student's hand-in files graded in a fresh copy of
# this tree (scripts/grade-submission).
ifeq ($(SUBMISSION),)
grade: tests | deps-grade
	@scripts/grade $(LAB)
else
grade: | deps-grade
	@scripts/grade-submission "$(SUBMISSION)" $(LAB)
endif

# The student kit (LABS="01 03 06" for some labs): build/kit/NAME/ and NAME.tar.gz.
kit: | deps-docs
	@scripts/kit $(LAB)

# Gradescope's autograder zip for the labs chosen (LABS="01 03 06"): build/autograder.zip.
autograder: | deps-grade
	@scripts/autograder $(LAB)

# Grade every submission in a folder (SUBMISSIONS=dir): build/batch/grades.csv.
batch: testbins | deps-grade
	@scripts/grade-batch "$(SUBMISSIONS)" $(LAB)

# A student's hand-in archive: the files listed in HANDIN (or scripts/kit --handin).
handin:
	@scripts/handin

# Handouts (HTML, and PDF when a PDF engine is installed) in $(BUILD)/handouts/.
handouts: all | deps-docs
	@scripts/handouts

# The reproduction report: every claim of the sources, settled on this machine.
report: tests | deps-docs deps-grade
	@scripts/report

# The IPC benchmark (BENCH=full for the long run) and its plots.
bench: all
	@scripts/bench

plots: | deps-plots
	@scripts/plots

# One lab's classroom demo (LAB=03): panes side by side in tmux, or one
# tagged stream; DEMO="--auto" advances by itself.
demo: all | deps-demo
	@[ -n "$(LAB)" ] || { echo "make demo: name the lab: make demo LAB=03" >&2; exit 2; }
	@scripts/demo $(DEMO) $(LAB)

# Every graded run and Check test with the lab programs under valgrind.
valgrind: tests
	@scripts/valgrind $(LAB)

clean:
	rm -rf $(BUILD)

help:
	@echo "make            build every lab program into $(BIN)/"
	@echo "make check      run every Check test and graded run (LAB=NN-slug for one lab)"
	@echo "make grade      the same, with points, Score: X/Y and $(BUILD)/grade/results.json"
	@echo "make grade SUBMISSION=path   grade a student's hand-in (folder, .zip, .tar.gz)"
	@echo "make kit        the student kit in $(BUILD)/kit/ (LABS=\"01 03 06\" for some labs)"
	@echo "make handin     pack the hand-in files into $(BUILD)/handin.tar.gz"
	@echo "make autograder Gradescope's zip in $(BUILD)/autograder.zip (LABS=...)"
	@echo "make batch SUBMISSIONS=dir   grade every submission in dir: $(BUILD)/batch/grades.csv"
	@echo "make handouts   build the handouts into $(BUILD)/handouts/"
	@echo "make report     run the experiments and write $(BUILD)/report/report.html"
	@echo "make bench      run the IPC benchmark (BENCH=full: the long run); make plots"
	@echo "make demo LAB=03  the lab's classroom demo (tmux panes; DEMO=--auto)"
	@echo "make valgrind   the same items with the lab programs under valgrind"
	@echo "make clean      remove $(BUILD)/"
	@echo "Variables: CC=clang, CFLAGS=..., SANITIZE=address,undefined, LAB=01 (or LAB=\"03 04\"), BUILD=dir"
