"""The only code that runs beside student code: it executes the extracted definitions and writes artifacts.

This file is copied alone into the child's fresh working directory and run with `python -I`, so it
imports nothing but the standard library and torch. Whatever it writes is treated by the grader as
untrusted data: graphs are re-validated, tensors loaded with weights_only, and every number is compared
against a reference that the trusted process computes itself.

Inputs in the working directory:  job.json, probe_inputs.pt, function_probes.py (02's probes)
Outputs in ./out/:                 report.json, <Model>.graph.json, <Model>.weights.pt, probes.pt,
                                   <function>.returned.pt (what each function returned, as torch.save wrote it)

Each output is also streamed to the grader as soon as it is written (publish(), to the descriptor named
in $ARTIFACT_FD): the child's own folder is a tmpfs that ends with it, so what it finished before a
time-out or a crash reaches the grader all the same.
"""
import builtins
import json
import math
import os
import sys
import traceback

OUT = "out"
PROBES_FILE = "function_probes.py"
EXPORT_BATCH = 4
STATIC_BATCH = 64


def _error(exc: BaseException) -> str:
    """Last line of the traceback: the exception type and message, with no grader frames."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[-2000:]


def _write_json(name, data, out=OUT):
    tmp = os.path.join(out, name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, os.path.join(out, name))


def publish(*names, out=OUT):
    """Send each named file of out (those that exist) to the grader: magic, name length, name, size, bytes.
    Without $ARTIFACT_FD (the harness run by hand or by tests) there is nobody to send to."""
    fd = os.environ.get("ARTIFACT_FD")
    for name in names:
        path = os.path.join(out, name)
        if fd is None or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        raw = name.encode("ascii")
        view = memoryview(b"ART1" + len(raw).to_bytes(2, "big") + raw + len(data).to_bytes(8, "big") + data)
        while view:
            view = view[os.write(int(fd), view):]


def run_module(module):
    """Execute one notebook's kept statements in a fresh namespace, one statement at a time.

    A statement that fails with NameError is tried again after the others (cells run out of order
    in the student's session), for as long as that makes progress.
    """
    ns = {"__name__": "__student__", "__builtins__": builtins}
    errors, pending = [], list(module["snippets"])
    while pending:
        retry = []
        for snippet in pending:
            try:
                exec(compile(snippet["code"], f"<{module['name']} セル {snippet['cell']}>", "exec"), ns)
            except NameError as exc:
                retry.append((snippet, exc))
            except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the next statement still runs
                errors.append({"cell": snippet["cell"], "error": _error(exc)})
        if len(retry) == len(pending):
            errors += [{"cell": snippet["cell"], "error": _error(exc)} for snippet, exc in retry]
            break
        pending = [snippet for snippet, _ in retry]
    errors.sort(key=lambda e: e["cell"])
    return ns, errors


# ---------------------------------------------------------------- models: export to a plain graph

def _encode(value, torch):
    fx = torch.fx
    if isinstance(value, fx.Node):
        return {"ref": value.name}
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (list, tuple)):
        return {"list": [_encode(v, torch) for v in value]}
    if isinstance(value, torch.dtype):
        return {"dtype": str(value).removeprefix("torch.")}
    if isinstance(value, torch.device):
        return {"device": str(value)}
    if isinstance(value, torch.memory_format):
        return {"memory_format": str(value).removeprefix("torch.")}
    if isinstance(value, torch.layout):
        return {"layout": str(value).removeprefix("torch.")}
    raise TypeError(f"グラフに書き出せない引数があります: {type(value).__name__}")


def _target(fn):
    if hasattr(fn, "_schema"):  # OpOverload: 'aten.conv2d.default'
        return str(fn)
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__name__', '?')}"


def _graph(ep, torch):
    kinds = {spec.arg.name: (spec.kind.name, spec.target) for spec in ep.graph_signature.input_specs}
    nodes = []
    for node in ep.graph.nodes:
        if node.op == "placeholder":
            kind, target = kinds[node.name]
            nodes.append({"op": "placeholder", "name": node.name, "kind": kind, "target": target})
        elif node.op == "call_function":
            nodes.append({"op": "call", "name": node.name, "target": _target(node.target),
                          "args": _encode(node.args, torch),
                          "kwargs": {k: _encode(v, torch) for k, v in node.kwargs.items()}})
        elif node.op == "output":
            nodes.append({"op": "output", "args": _encode(node.args[0], torch)})
        else:
            raise TypeError(f"グラフに書き出せない命令があります: {node.op}")
    return nodes


def _export(model, batch, dynamic, torch):
    example = (torch.randn(batch, 3, 32, 32),)
    shapes = ({0: torch.export.Dim.AUTO},) if dynamic else None
    return torch.export.export(model, example, dynamic_shapes=shapes, strict=False)


def export_model(obj, name, torch, out=OUT):
    """Instantiate name, export its train- and eval-mode graphs and its weights into out."""
    if obj is None:
        return {"error": f"{name} が定義されていません。"}
    torch.manual_seed(0)
    try:
        model = obj()
    except BaseException as exc:
        return {"error": f"{name}() を作れませんでした: {_error(exc)}"}
    if not isinstance(model, torch.nn.Module):
        return {"error": f"{name}() が nn.Module ではありません ({type(model).__name__})。"}
    graphs, static, notes = {}, False, []
    for mode in ("train", "eval"):
        model.train(mode == "train")
        try:
            ep = _export(model, STATIC_BATCH if static else EXPORT_BATCH, not static, torch)
        except BaseException as exc:
            if static:
                return {"error": f"{name} の forward を実行できませんでした ({mode}): {_error(exc)}"}
            notes.append(_error(exc))
            static = True
            try:
                ep = _export(model, STATIC_BATCH, False, torch)
            except BaseException as exc2:
                return {"error": f"{name} の forward を実行できませんでした ({mode}): {_error(exc2)}"}
        try:
            graphs[mode] = _graph(ep, torch)
        except BaseException as exc:
            return {"error": f"{name}: {_error(exc)}"}
        if mode == "train":
            tensors = {k: v.detach().clone() for k, v in ep.state_dict.items()}
            tensors.update({k: v.detach().clone() for k, v in ep.constants.items() if isinstance(v, torch.Tensor)})
    eval_tensors = {k: v.detach().clone() for k, v in ep.state_dict.items()}
    eval_tensors.update({k: v.detach().clone() for k, v in ep.constants.items() if isinstance(v, torch.Tensor)})
    for key, value in eval_tensors.items():
        tensors.setdefault(key, value)
    torch.save(tensors, os.path.join(out, f"{name}.weights.pt"))
    _write_json(f"{name}.graph.json", {"train": graphs["train"], "eval": graphs["eval"],
                                       "static_batch": STATIC_BATCH if static else None}, out)
    return {"exported": True, "static_batch": STATIC_BATCH if static else None, "notes": notes}


# ---------------------------------------------------------------- functions: probes with hidden truths

class _Refused(Exception):
    """The name is missing or not a function."""


def _portable(value, depth=0):
    """numpy scalars (np.mean of the losses) become Python numbers; nothing else is touched: the grader
    judges what it loads by its real type."""
    if depth > 5:
        return value
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    if type(value) in (list, tuple):
        return type(value)(_portable(v, depth + 1) for v in value)
    if type(value) is dict:
        return {k: _portable(v, depth + 1) for k, v in value.items()}
    return value


def probe_function(name, fn, torch, p, saved, out=OUT):
    """Call fn on probe data; its return value goes to out/<name>.returned.pt for the grader to judge."""
    try:
        returned = _portable(_call(name, fn, torch, p, saved))
    except _Refused as exc:
        return {"error": str(exc)}
    except BaseException as exc:
        return {"error": f"{name} の実行中にエラー: {_error(exc)}"}
    try:
        torch.save(returned, os.path.join(out, f"{name}.returned.pt"))
    except BaseException:
        culprit = returned  # get_device's answers are wrapped in a dict of ours: name what the student returned
        if name == "get_device":
            culprit = next((v for v in returned.values() if type(v) not in (dict, torch.device)), returned)
        return {"error": f"{name} の戻り値の型 ({type(culprit).__name__}) は採点で扱えません。{_RETURN_HINT[name]}"}
    return {"returned": True}


_RETURN_HINT = {"get_device": "torch.device を返してください。", "train_one_epoch": "平均損失を数値 (float) で返してください。",
                "evaluate": "正解率を数値 (float) で返してください。", "fit": "エポックごとの辞書のリストを返してください。"}


def _load_probes():
    """function_probes.py, copied beside this file (python -I does not put this folder on sys.path)."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, PROBES_FILE)
    if not os.path.exists(path):  # run from the kit itself (tests), not from a sandbox folder
        path = os.path.join(here, os.pardir, "public_checks", PROBES_FILE)
    spec = importlib.util.spec_from_file_location("function_probes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _call(name, fn, torch, p, saved):
    if fn is None:
        raise _Refused(f"{name} が定義されていません。")
    if not callable(fn):
        raise _Refused(f"{name} が関数ではありません。")
    return _load_probes().call_probe(name, fn, p, saved)


def main():
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    os.makedirs(OUT, exist_ok=True)
    report = {"modules": [], "models": {}, "functions": {}, "finished": False}

    def save_report():
        _write_json("report.json", report)
        publish("report.json")

    save_report()

    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    namespaces = []
    for module in job["modules"]:
        ns, errors = run_module(module)
        namespaces.append(ns)
        report["modules"].append({"name": module["name"], "errors": errors})
    save_report()

    for name, index in job["models"].items():
        report["models"][name] = export_model(namespaces[index].get(name), name, torch)
        publish(f"{name}.weights.pt", f"{name}.graph.json")
        save_report()

    if job["functions"]:
        probes = torch.load("probe_inputs.pt", weights_only=True)
        saved = {}
        for name, index in job["functions"].items():
            report["functions"][name] = probe_function(name, namespaces[index].get(name), torch, probes, saved)
            publish(f"{name}.returned.pt")
            save_report()
        torch.save(saved, os.path.join(OUT, "probes.pt"))
        publish("probes.pt")
    report["finished"] = True
    save_report()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter shutdown: student atexit hooks and threads get no last word


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        full = os.statvfs(".").f_bavail == 0  # torch.save says "unexpected pos", not ENOSPC, on a full disk
        traceback.print_exc()
        print("No space left on device" if full else "", file=sys.stderr, flush=True)
        os._exit(1)
