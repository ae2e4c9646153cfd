#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 base).
# The kit needs Python >= 3.11: Ubuntu 22.04 ships it as python3.11. torch is the CPU-only
# wheel; the venv lives outside /autograder/source so the unprivileged uid that runs
# student code can start Python without reading the kit.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3.11 python3.11-venv bubblewrap >/dev/null
python3.11 -m venv /opt/kit-venv
/opt/kit-venv/bin/python -m pip install --quiet --upgrade pip
/opt/kit-venv/bin/python -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu "torch==2.14.1"
# Only what grading needs (no torchvision, jupyter or nbgrader): requirements-grading.txt.
/opt/kit-venv/bin/python -m pip install --quiet -r /autograder/source/kit/requirements-grading.txt
chmod -R a+rX /opt/kit-venv
