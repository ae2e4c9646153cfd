#!/bin/bash
# Grade a batch as a Grid Engine array job (TSUBAME: qsub -g GROUP): each task grades a stable share.
#   qsub -t 1-4 cluster/sge_array.sh SUBMITTED OUT                 (from the kit's root)
#   .venv/bin/python -m autograder merge OUT/shard-* --out OUT     (after the array has finished)
#$ -cwd
#$ -V
# (-V: each task gets the submitting shell's environment, CIFAR10_ROOT included; Slurm does this by default)
#$ -N ex01-grade
#$ -l h_rt=2:00:00
# TSUBAME 4.0 also needs a resource type, e.g.:  #$ -l cpu_4=1
set -euo pipefail
submitted=${1:?usage: qsub -t 1-N cluster/sge_array.sh SUBMITTED OUT}
out=${2:?usage: qsub -t 1-N cluster/sge_array.sh SUBMITTED OUT}
: "${SGE_TASK_ID:?run it as an array job: qsub -t 1-N ...}"
first=${SGE_TASK_FIRST:-1}
step=${SGE_TASK_STEPSIZE:-1}
count=$(( (SGE_TASK_LAST - first) / step + 1 ))
k=$(( (SGE_TASK_ID - first) / step + 1 ))
# One grading process per granted slot, one torch thread each (see slurm_array.sh).
exec ${KIT_PYTHON:-.venv/bin/python} -m autograder grade "$submitted" --out "$out/shard-$k" --shard "$k/$count" \
    --jobs "${NSLOTS:-1}" --threads 1
