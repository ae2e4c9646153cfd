"""KeepDefinitions: keep imports, functions, classes and the module-level constants they use.

Training loops, dataset downloads, Drive mounts and every other top-level call are dropped, so a
submission that trains for ten epochs at top level costs the grader nothing.
"""
from __future__ import annotations

import ast
import builtins
from collections import Counter

from autograder.extract.model import NotebookDefs, Snippet
from autograder.settings import FUNCTION_NAMES, MODEL_NAMES
from autograder.text import clean_text

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
_SAFE_BUILTINS = {"int", "float", "str", "bool", "tuple", "list", "dict", "set", "frozenset", "range", "len",
                  "max", "min", "sum", "abs", "round", "zip", "enumerate", "sorted", "reversed"}
_SAFE_ROOTS = {"torch", "nn", "F", "math", "np", "numpy", "transforms", "functools", "operator", "collections"}
_UNSAFE_ATTRS = {"datasets", "DataLoader", "load", "save", "hub", "download", "mount", "from_file", "system",
                 "popen", "open", "remove", "rmtree", "compile", "manual_seed", "set_num_threads"}


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _assigned_names(stmt: ast.stmt) -> set[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _safe_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in _SAFE_BUILTINS
    chain = []
    while isinstance(func, ast.Attribute):
        chain.append(func.attr)
        func = func.value
    return isinstance(func, ast.Name) and func.id in _SAFE_ROOTS and not (set(chain) & _UNSAFE_ATTRS)


def _is_constant_expr(node: ast.AST) -> bool:
    """Literals, arithmetic, names and a few pure calls (torch.device(...), range(...), ...)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and not _safe_call(sub):
            return False
        if isinstance(sub, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
    return True


def _is_definition_block(stmt: ast.stmt) -> bool:
    """try/except around imports (e.g. `try: from google.colab import drive`) with nothing else inside."""
    if not isinstance(stmt, ast.Try):
        return False
    bodies = [stmt.body, stmt.orelse, stmt.finalbody] + [h.body for h in stmt.handlers]
    return all(isinstance(s, (*_IMPORTS, *_DEFS, ast.Pass)) or
               (isinstance(s, ast.Assign) and _is_constant_expr(s.value)) for body in bodies for s in body)


def _free_names(node: ast.AST) -> set[str]:
    """Names an expression reads that it does not bind itself (comprehension variables, lambda arguments)."""
    bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(node) if isinstance(n, ast.Lambda) for a in ast.walk(n.args) if isinstance(a, ast.arg)}
    return _loaded_names(node) - bound


def _bound_by(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, _DEFS):
        return {stmt.name}
    if isinstance(stmt, _IMPORTS):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return _assigned_names(stmt)
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} | {
        s.name for s in ast.walk(stmt) if isinstance(s, _DEFS)} | {
        (a.asname or a.name).split(".")[0] for s in ast.walk(stmt) if isinstance(s, _IMPORTS) for a in s.names}


def _drop_unbound_constants(statements: list[tuple[int, ast.stmt]], keep: list[bool]) -> None:
    """Unkeep each constant whose value reads a name that nothing kept defines (a template line such as
    `n_images = 256 if FAST else 4096`, where FAST comes from os.environ and is dropped): run alone it
    could only raise NameError, which the student would then read as their own error. A work list, so
    the cost stays linear however the constants chain."""
    builtin_names = set(dir(builtins))
    binders: Counter = Counter()
    for (_, stmt), kept in zip(statements, keep):
        if kept:
            binders.update(_bound_by(stmt))
    readers: dict[str, list[int]] = {}
    todo = []
    for i, (_, stmt) in enumerate(statements):
        if keep[i] and isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            free = _free_names(stmt.value) - builtin_names
            for name in free:
                readers.setdefault(name, []).append(i)
            if any(binders[name] == 0 for name in free):
                todo.append(i)
    while todo:
        i = todo.pop()
        if not keep[i]:
            continue
        keep[i] = False
        for name in _bound_by(statements[i][1]):
            binders[name] -= 1
            if binders[name] == 0:
                todo += readers.get(name, [])


class KeepDefinitions:
    def apply(self, nb: NotebookDefs) -> None:
        statements: list[tuple[int, ast.stmt]] = []
        for index, source in nb.cells:
            try:
                tree = ast.parse(source)
            except SyntaxError as e:
                nb.notes.append(f"{nb.name} セル {index}: 文法エラーのため使いません ({clean_text(e.msg, 80)}, {e.lineno} 行目)。")
                continue
            except (RecursionError, MemoryError, ValueError) as e:  # absurd nesting, NUL bytes, ...
                nb.notes.append(f"{nb.name} セル {index}: 読み取れないため使いません ({type(e).__name__})。")
                continue
            statements += [(index, stmt) for stmt in tree.body]

        keep = [isinstance(s, (*_IMPORTS, *_DEFS)) or _is_definition_block(s) for _, s in statements]
        needed = set(MODEL_NAMES) | set(FUNCTION_NAMES)
        for (_, stmt), kept in zip(statements, keep):
            if kept:
                needed |= _loaded_names(stmt)
        # Constants: assignments to names that kept code reads, with side-effect-free values. A work
        # list over names, so the cost is linear in the notebook, however the assignments chain.
        assigns: dict[str, list[int]] = {}
        for i, (_, stmt) in enumerate(statements):
            if not keep[i] and isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                for name in _assigned_names(stmt):
                    assigns.setdefault(name, []).append(i)
        todo, done = list(needed), set()
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done.add(name)
            for i in assigns.get(name, ()):
                if not keep[i] and _is_constant_expr(statements[i][1].value):
                    keep[i] = True
                    todo += _loaded_names(statements[i][1].value) - done

        _drop_unbound_constants(statements, keep)

        # Imports first, as if every import cell had run before the rest (as it usually had).
        order = sorted(range(len(statements)), key=lambda i: not isinstance(statements[i][1], _IMPORTS))
        for index, stmt in (statements[i] for i in order if keep[i]):
            try:
                code = ast.unparse(stmt)
            except (RecursionError, MemoryError, ValueError) as e:
                nb.notes.append(f"{nb.name} セル {index}: 読み取れないため使いません ({type(e).__name__})。")
                continue
            nb.snippets.append(Snippet(cell=index, code=code))
            if isinstance(stmt, _DEFS):
                nb.defined.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                nb.defined |= _assigned_names(stmt)
