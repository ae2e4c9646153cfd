# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install, grade the built-in example submissions
#   make test   create .venv, install, run the whole test suite
# The venv is made from Debian's /usr/bin/python3 when there is one: a Python under /root (mode 700)
# cannot be started by the unprivileged user that sandboxed submissions run as.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
# The course's offline CIFAR-10 copy, when it sits beside the checkout; otherwise torchvision downloads.
SHARED_DATA := $(abspath ../shared/data/cifar10-jpeg)
ifeq ($(CIFAR10_ROOT),)
ifneq ($(wildcard $(SHARED_DATA)/train),)
export CIFAR10_ROOT := $(SHARED_DATA)
endif
endif

.PHONY: demo test release publish bench clean sandbox-tools slurm-tools

$(VENV)/.installed: requirements.txt requirements-grading.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Submissions run inside bubblewrap (Debian package bubblewrap). As root it is installed here; an
# ordinary user is told how, and grades without isolation meanwhile (see THREAT_MODEL.md).
sandbox-tools:
	@command -v bwrap >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else echo "note: install bubblewrap (sudo apt-get install bubblewrap) so that submissions run isolated"; fi; }

# tests/test_slurm.py starts a one-node Slurm cluster: Debian's slurmctld, slurmd, slurm-client, munge.
slurm-tools:
	@command -v slurmctld >/dev/null && command -v munged >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null; \
	  else echo "note: tests/test_slurm.py needs root and Debian's slurmctld slurmd slurm-client munge"; fi; }

demo: $(VENV)/.installed sandbox-tools
	$(PY) -m autograder demo --out demo-out

test: $(VENV)/.installed sandbox-tools slurm-tools
	$(PY) -m pytest

release: $(VENV)/.installed
	$(PY) -m autograder release

publish: $(VENV)/.installed
	@test -n "$(DEST)" || (echo "usage: make publish DEST=../student-repo" && exit 2)
	$(PY) -m autograder publish $(DEST)

bench: $(VENV)/.installed
	$(PY) benchmarks/grading_speed.py
	$(PY) benchmarks/calibrate_thresholds.py

clean:
	rm -rf demo-out
