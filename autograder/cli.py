"""Thin command line over the verbs' keyword-only main() functions. Run from the repository root."""
from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import fields
from pathlib import Path

from autograder.collect.shard import Shard
from autograder.data import ENV_VAR, DataNotFound
from autograder.settings import ASSIGNMENT, Budget, Limits, UsageError


def _limits(args, cls=Limits):
    return cls(**{f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name) is not None})


def _add_limits(p: argparse.ArgumentParser) -> None:
    for cls, what in ((Limits, "sandbox limit"), (Budget, "grader budget per submission")):
        for f in fields(cls):
            p.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=type(f.default), default=None,
                           help=f"{what} (default {f.default})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="Lesson 1 exercise kit")
    sub = parser.add_subparsers(dest="verb", required=True)
    data_help = f"CIFAR-10 root (default: ${ENV_VAR}, else a cache folder with torchvision download)"

    p = sub.add_parser("grade", help="grade a folder of submissions")
    p.add_argument("submitted", type=Path, help="SUBMITTED/<student>/[<assignment>/]*.ipynb")
    p.add_argument("--out", type=Path, required=True, help="folder for grades.csv, grades.json, feedback/, report.html")
    p.add_argument("--data-root", default=None, help=data_help)
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: one per core)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads per grading process outside the accuracy runs, which always run on one "
                        "thread (default: the cores shared out among --jobs)")
    p.add_argument("--no-accuracy-cache", action="store_true",
                   help="train every model afresh instead of reusing results for identical artifacts")
    p.add_argument("--shard", type=Shard.parse, default=None, metavar="K/N",
                   help="grade only task K of N of an array job (a stable share of the students); see merge")
    p.add_argument("--regrade", action="store_true",
                   help="grade every student again, even those OUT/journal.jsonl has from an earlier run "
                        "of the same submissions in the same set-up")
    _add_limits(p)

    p = sub.add_parser("merge", help="merge the shard folders of an array job into one batch's files")
    p.add_argument("shards", type=Path, nargs="+", help="OUT/shard-* folders written by grade --shard")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--allow-partial", action="store_true",
                   help="write the finished shards' students even when shards are missing (PARTIAL.txt says so)")

    p = sub.add_parser("gradescope", help="build the Gradescope autograder bundle (setup.sh, run_autograder, subsets)")
    p.add_argument("--out", type=Path, required=True, help="the zip to write, e.g. autograder.zip")
    p.add_argument("--data-root", default=None, help="CIFAR-10 root the grader's subsets are taken from")
    p = sub.add_parser("to-nbgrader", help="write a graded batch into nbgrader's gradebook (formgrader, nbgrader export)")
    p.add_argument("graded", type=Path, help="the --out folder of grade or merge (its grades.json)")
    p.add_argument("--course-dir", type=Path, required=True, help="the nbgrader course directory (its gradebook.db)")
    p = sub.add_parser("check", help="grade one student's notebooks and print a table")
    p.add_argument("notebooks", type=Path, nargs="+")
    p.add_argument("--data-root", default=None, help=data_help)
    _add_limits(p)

    p = sub.add_parser("demo", help="build example submissions and grade them")
    p.add_argument("--out", type=Path, default=Path("demo-out"), help="where the examples and grades go")
    p.add_argument("--data-root", default=None, help=data_help)
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch threads per grading process")

    p = sub.add_parser("doctor", help="print this machine's grading set-up and prove it on the reference solutions")
    p.add_argument("--data-root", default=None, help=data_help)
    p.add_argument("--jobs", type=int, default=None, help="as grade's --jobs (default: one per core)")
    p.add_argument("--threads", type=int, default=None, help="as grade's --threads")
    _add_limits(p)

    p = sub.add_parser("release", help=f"generate release/{ASSIGNMENT} from source/{ASSIGNMENT} with nbgrader")
    p.add_argument("--assignment", default=ASSIGNMENT)

    p = sub.add_parser("publish", help="copy the student-facing part into the student repository folder")
    p.add_argument("dest", type=Path)
    return parser


def _report_unwritten(unwritten: list[str], what: str = "rows or files could not be written") -> int:
    """Exit status 1, with one line, when something could not be done; else 0."""
    if unwritten:
        print(f"error: {len(unwritten)} {what}: {'; '.join(unwritten[:10])}", file=sys.stderr)
        return 1
    return 0


NOTE_LINES = 20
"""Students whose notes `grade` prints at its end; the rest are in grades.json and the feedback pages."""


def _report_outputs(results, out: Path) -> None:
    """One line per submission with a note (a notebook that could not be read, a link refused, ...),
    then where the files are."""
    from autograder.text import clean_text

    noted = [r for r in results if r.notes]
    for r in noted[:NOTE_LINES]:
        print(f"note: {clean_text(r.student, 60)}: {clean_text(' / '.join(r.notes), 200)}")
    if len(noted) > NOTE_LINES:
        print(f"note: {len(noted) - NOTE_LINES} more students have notes (grades.json, feedback/)")
    print(f"outputs in {out}: grades.csv, grades.json, report.html (the class), feedback/ (one page per student)")


def _report_not_graded(results) -> int:
    """Exit status 3, with one line per cause, when some submissions were not graded; else 0."""
    from autograder.grade import not_graded

    lines = not_graded(results)
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    return 3 if lines else 0


def _run(args) -> int:
    if args.verb == "grade":
        from autograder import grade
        from autograder.batch import INTERRUPT

        results, unwritten = grade.main(submitted=args.submitted, out=args.out, data_root=args.data_root, jobs=args.jobs,
                                        limits=_limits(args), budget=_limits(args, Budget), show_progress=True,
                                        accuracy_cache=not args.no_accuracy_cache, shard=args.shard,
                                        threads=args.threads, regrade=args.regrade)
        if INTERRUPT.signum:
            name = signal.Signals(INTERRUPT.signum).name
            print(f"error: interrupted ({name}): {sum(r.graded for r in results)} of {len(results)} students graded "
                  f"-> {args.out}; run the same command again to grade the rest", file=sys.stderr)
            _report_unwritten(unwritten)
            return 128 + INTERRUPT.signum
        print(f"graded {len(results)} submissions -> {args.out}/grades.csv")
        _report_outputs(results, args.out)
        return _report_not_graded(results) or _report_unwritten(unwritten)
    elif args.verb == "merge":
        from autograder import merge

        results, problems = merge.main(shards=args.shards, out=args.out, allow_partial=args.allow_partial)
        if args.allow_partial or not problems:
            print(f"merged {len(results)} students -> {args.out}/grades.csv" + (" (PARTIAL)" if problems else ""))
        return _report_not_graded(results) or _report_unwritten(problems, "problems")
    elif args.verb == "gradescope":
        from autograder.gradescope import build

        print(f"wrote {build.main(out=args.out, data_root=args.data_root)}")
    elif args.verb == "to-nbgrader":
        from autograder import to_nbgrader

        written = to_nbgrader.main(graded=args.graded, course_dir=args.course_dir)
        print(f"wrote {len(written)} students to {args.course_dir}/gradebook.db")
    elif args.verb == "check":
        from autograder import check

        result = check.main(notebooks=args.notebooks, data_root=args.data_root, limits=_limits(args),
                            budget=_limits(args, Budget))
        print(check.table(result))
        return _report_not_graded([result])
    elif args.verb == "demo":
        from autograder import demo

        results, unwritten = demo.main(out=args.out, data_root=args.data_root, jobs=args.jobs, threads=args.threads)
        print(demo.table(results))
        print(f"the examples are in {args.out / 'submitted'}")
        _report_outputs(results, args.out / "grades")
        return _report_not_graded(results) or _report_unwritten(unwritten)
    elif args.verb == "doctor":
        from autograder import doctor

        return doctor.main(data_root=args.data_root, jobs=args.jobs, threads=args.threads, limits=_limits(args),
                           budget=_limits(args, Budget))
    elif args.verb == "release":
        from autograder import release

        for path in release.main(assignment=args.assignment):
            print(path)
    elif args.verb == "publish":
        from autograder import publish

        files = publish.main(dest=args.dest)
        print(f"published {len(files)} files to {args.dest}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (DataNotFound, UsageError, NotADirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
