"""A restricted evaluator for the expressions and scripts that uploaded diagrams carry.

SpiffWorkflow's default script engine `eval`s and `exec`s with full Python, so a gateway condition
could run `__import__('os').system(...)`. Everything a diagram evaluates goes through here instead:

* RestrictedPython compiles the source, refusing names and attributes that start with `_`;
* our node policy also refuses imports, `while`, function and class definitions, so the only loops
  are `for` loops and comprehensions, and those draw on an iteration budget: evaluation ends;
* operators that can allocate without bound (`*`, `**`, `<<`, `%`, and `+` on sequences) and the few string methods that
  pad to a requested width are checked against size caps before they run;
* a wall-clock deadline is checked on every iteration.

What cannot compile under these rules is refused when the diagram is deployed, not when a case
reaches it.
"""
from __future__ import annotations

import ast
import functools
import math
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from .storable import NotStorable, storable

MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 100_000
MAX_ITERATIONS = 200_000
TIME_BUDGET_SECONDS = 0.5
MAX_SOURCE_LENGTH = 20_000


class SandboxError(Exception):
    """An expression or script was refused or stopped."""


_FORBIDDEN_NODES: dict[type, str] = {
    ast.While: "while loops are not allowed (use a for loop over a list)",
    ast.FunctionDef: "defining functions is not allowed",
    ast.AsyncFunctionDef: "defining functions is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ClassDef: "defining classes is not allowed",
    ast.Import: "import is not allowed",
    ast.ImportFrom: "import is not allowed",
    ast.Global: "global is not allowed",
    ast.Nonlocal: "nonlocal is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Await: "await is not allowed",
    ast.With: "with is not allowed",
    ast.AsyncWith: "with is not allowed",
    ast.AsyncFor: "async for is not allowed",
    # Sets iterate in an order that changes between processes; a replay must reproduce every state.
    ast.Set: "sets are not allowed (use a list)",
    ast.SetComp: "sets are not allowed (use a list)",
}

_CHECKED_OPERATORS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%", ast.Add: "+"}


class _OfficePolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus our refusals and size-checked operators."""

    def generic_visit(self, node):
        message = _FORBIDDEN_NODES.get(type(node))
        if message:
            self.error(node, message)
            return node
        return super().generic_visit(node)

    def visit_While(self, node):  # RestrictedPython allows these; we do not
        return self.generic_visit(node)

    visit_FunctionDef = visit_Lambda = visit_ClassDef = visit_Import = visit_ImportFrom = visit_While
    visit_Global = visit_Nonlocal = visit_Yield = visit_YieldFrom = visit_With = visit_While
    visit_Set = visit_SetComp = visit_While

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = _CHECKED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_checked_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            parts = getattr(spec, "values", [])
            if not all(isinstance(v, ast.Constant) for v in parts):
                self.error(node, "computed format specifications are not allowed")
            text = "".join(str(v.value) for v in parts if isinstance(v, ast.Constant))
            if any(len(part) > 3 for part in _digit_runs(text)):
                self.error(node, "format widths above 999 are not allowed")
        return self.node_contents_visit(node)


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for ch in text:
        if ch.isdigit():
            current += ch
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


class _Budget:
    """Counts iterations and watches the clock for one evaluation."""

    __slots__ = ("deadline", "left")

    def __init__(self) -> None:
        self.deadline = time.monotonic() + TIME_BUDGET_SECONDS
        self.left = MAX_ITERATIONS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise SandboxError(f"more than {MAX_ITERATIONS} loop iterations")
        if self.left % 1000 == 0 and time.monotonic() > self.deadline:
            raise SandboxError(f"took longer than {TIME_BUDGET_SECONDS} s")

    def iterate(self, iterable: Iterable) -> Iterator:
        for item in iterable:
            self.spend()
            yield item


def _size_of(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _checked_binop(symbol: str, left: Any, right: Any) -> Any:
    if symbol == "+":  # a list or string doubled in a loop grows as fast as a power
        left_size, right_size = _size_of(left), _size_of(right)
        if left_size is not None and right_size is not None and left_size + right_size > MAX_SEQUENCE_LENGTH:
            raise SandboxError("result would be too large")
        return left + right
    if symbol == "*":
        for seq, count in ((left, right), (right, left)):
            size = _size_of(seq)
            if size is not None and isinstance(count, int) and size * count > MAX_SEQUENCE_LENGTH:
                raise SandboxError("result would be too large")
        return left * right
    if symbol == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            if right * max(abs(left).bit_length(), 1) > MAX_INT_BITS:
                raise SandboxError("result would be too large")
        return left**right
    if symbol == "<<":
        if isinstance(right, int) and right > MAX_INT_BITS:
            raise SandboxError("result would be too large")
        return left << right
    if isinstance(left, str) and any(len(run) > 3 for run in _digit_runs(left)):
        raise SandboxError("format widths above 999 are not allowed")
    return left % right


_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "format", "format_map"})


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_"):
        raise SandboxError(f'attribute "{name}" is not allowed')
    if isinstance(obj, (str, bytes)) and name in _PADDING_METHODS:
        raise SandboxError(f'string method "{name}" is not allowed')
    if isinstance(obj, type):
        # Attribute walks that start from a class are how Python sandboxes are escaped.
        raise SandboxError(f'attribute "{name}" of a type is not allowed')
    return getattr(obj, name) if default is None else getattr(obj, name, default)


def _guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _guarded_write(obj: Any) -> Any:
    if isinstance(obj, (dict, list)):
        return obj
    raise SandboxError(f"cannot change a {type(obj).__name__}")


def _inplace(op: str, left: Any, right: Any) -> Any:
    if op in ("*=", "**=", "<<=", "%=", "+="):
        return _checked_binop(op[:-1], left, right)
    return {
        "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b, "&=": lambda a, b: a & b, "|=": lambda a, b: a | b,
        "^=": lambda a, b: a ^ b, ">>=": lambda a, b: a >> b,
    }[op](left, right)


def _capped_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_SEQUENCE_LENGTH:
        raise SandboxError("range is too large")
    return r


# The functions a diagram may call. Plain, documented and small on purpose (habit: registries are
# dicts): adding one here is a review decision, since every name widens what an upload can do.
SCRIPT_FUNCTIONS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "enumerate": enumerate,
    "float": float, "int": int, "len": len, "list": list, "max": max, "min": min, "round": round,
    "sorted": sorted, "str": str, "sum": sum, "tuple": tuple, "zip": zip,
    "isinstance": isinstance, "range": _capped_range, "floor": math.floor, "ceil": math.ceil,
    "True": True, "False": False, "None": None,
}


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str) -> Any:
    """Compile an expression (gateway condition, timer) or raise SandboxError saying why."""
    return _compile(source, "eval")


@functools.lru_cache(maxsize=1024)
def compile_script(source: str) -> Any:
    """Compile a script task's body or raise SandboxError saying why."""
    return _compile(source, "exec")


def _compile(source: str, mode: str) -> Any:
    if len(source) > MAX_SOURCE_LENGTH:
        raise SandboxError(f"longer than {MAX_SOURCE_LENGTH} characters")
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source.strip() if mode == "eval" else source, policy=_OfficePolicy)
    if result.errors:
        raise SandboxError("; ".join(_clean(e) for e in result.errors))
    if result.code is None:
        raise SandboxError("could not compile")
    return result.code


def _clean(message: str) -> str:
    return message.replace("<inline>", "").strip()


def _environment(data: Mapping[str, Any], budget: _Budget) -> dict[str, Any]:
    env: dict[str, Any] = {
        "__builtins__": dict(SCRIPT_FUNCTIONS),
        "_getattr_": _guarded_getattr,
        "_getitem_": _guarded_getitem,
        "_getiter_": budget.iterate,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": _guarded_write,
        "_inplacevar_": _inplace,
        "_checked_binop_": _checked_binop,
    }
    env.update(data)
    return env


def evaluate(source: str, data: Mapping[str, Any]) -> Any:
    """Evaluate an expression against a case's data; the result is a value a case can store (a message's
    or signal's payload, a loop's count end up in the case)."""
    code = compile_expression(source)
    try:
        result = eval(code, _environment(data, _Budget()))  # noqa: S307 - restricted code only
    except SandboxError:
        raise
    except RecursionError as exc:
        raise SandboxError("too deeply nested") from exc
    except MemoryError as exc:
        raise SandboxError("ran out of memory") from exc
    try:
        return storable(result, "the value of the expression")
    except NotStorable as exc:
        raise SandboxError(str(exc)) from None


def execute(source: str, data: dict[str, Any]) -> None:
    """Run a script against a case's data, writing back the names it assigned or deleted."""
    code = compile_script(source)
    env = _environment(data, _Budget())
    reserved = set(env) - set(data)
    try:
        exec(code, env)  # noqa: S102 - restricted code only
    except SandboxError:
        raise
    except RecursionError as exc:
        raise SandboxError("too deeply nested") from exc
    except MemoryError as exc:
        raise SandboxError("ran out of memory") from exc
    written = {}
    for name, value in env.items():
        if name not in reserved and not name.startswith("_") and not callable(value):
            try:
                written[name] = storable(value, f"the variable '{name}'")
            except NotStorable as exc:
                raise SandboxError(str(exc)) from None
    # Checked before anything is written back: a refused script leaves the case's data as it was.
    for name in [n for n in data if n not in env]:
        del data[name]
    data.update(written)
