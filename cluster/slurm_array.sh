#!/bin/bash
# Grade a batch as a Slurm array job: each task grades a stable share of the students.
#   sbatch --array=1-4 cluster/slurm_array.sh SUBMITTED OUT       (from the kit's root)
#   .venv/bin/python -m autograder merge OUT/shard-* --out OUT    (after the array has finished)
#SBATCH --job-name=ex01-grade
#SBATCH --cpus-per-task=2
#SBATCH --mem=12G
#SBATCH --time=02:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
submitted=${1:?usage: sbatch --array=1-N cluster/slurm_array.sh SUBMITTED OUT}
out=${2:?usage: sbatch --array=1-N cluster/slurm_array.sh SUBMITTED OUT}
: "${SLURM_ARRAY_TASK_ID:?run it as an array job: sbatch --array=1-N ...}"
first=${SLURM_ARRAY_TASK_MIN:-1}
count=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX - first + 1))}
k=$((SLURM_ARRAY_TASK_ID - first + 1))
cd "${SLURM_SUBMIT_DIR:-.}"
# One grading process per allocated CPU, one torch thread each: the task never runs more threads than
# it was given, whatever the node has (a node without CPU binding shows every core to each task).
exec ${KIT_PYTHON:-.venv/bin/python} -m autograder grade "$submitted" --out "$out/shard-$k" --shard "$k/$count" \
    --jobs "${SLURM_CPUS_PER_TASK:-1}" --threads 1
