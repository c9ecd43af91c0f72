"""The statements of the static evaluator (a mixin of `Evaluator`): assignment, loops, `if`,
`del`, imports (never executed), `with read_base():`."""

from __future__ import annotations

import ast
from typing import Any, Dict, List

from schedlint.loader import budget
from schedlint.loader.detect import binds_names, is_standard_module
from schedlint.loader.errors import (
    BudgetExceeded,
    ConfigError,
    EvaluatorBug,
    describe,
    ImportedName,
    LoadProblem,
    LoopBreak,
    LoopContinue,
    NeedsExecution,
    Opaque,
)
from schedlint.loader.safe import BINOPS, hook
from schedlint.loader.values import CfgDict, CfgList
from schedlint.model import Location

#: exceptions that Python raises for a wrong config (mmengine would fail the same way)
USER_ERRORS = (TypeError, ValueError, KeyError, IndexError, ArithmeticError, UnicodeError)


#: statements that never mutate an existing value themselves (their expressions' calls forget on their own)
_COMPOUND = (ast.If, ast.For, ast.While, ast.With, ast.Pass, ast.Import, ast.ImportFrom, ast.Expr, ast.Break,
             ast.Continue)


def _keeps_values(node: ast.stmt) -> bool:
    """Whether running `node` leaves every existing container as it was (binding names only)."""
    if isinstance(node, ast.Assign):
        return all(binds_names(t) for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return binds_names(node.target)
    if isinstance(node, ast.For):
        return binds_names(node.target)
    return isinstance(node, _COMPOUND)


class Statements:
    """Executes statements into `self.ns`; expressions are evaluated by the class mixing it in."""

    ns: CfgDict
    budget: budget.Budget
    scopes: List[Dict[str, Any]]

    def run(self, body: List[ast.stmt]) -> None:
        for stmt in body:
            self.exec_stmt(stmt)

    def exec_stmt(self, node: ast.stmt) -> None:
        self.budget.step(node)
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            raise NeedsExecution(node, f"`{type(node).__name__}` statements are not evaluated statically")
        try:
            if _keeps_values(node):
                method(node)
            else:  # values measured before or while it runs may be mutated by it
                self.budget.forget()
                method(node)
                self.budget.forget()
        except (NeedsExecution, ConfigError, LoadProblem, BudgetExceeded, EvaluatorBug, LoopBreak, LoopContinue):
            raise
        except RecursionError:
            raise BudgetExceeded(node, "expression nested too deeply") from None
        except MemoryError:
            raise BudgetExceeded(node, "evaluating this statement needs too much memory") from None
        except USER_ERRORS as exc:  # an error Python itself would raise while running the config
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:  # anything else is a bug of the evaluator, not of the config
            raise EvaluatorBug(f"line {getattr(node, 'lineno', '?')}: {type(exc).__name__}: {exc}") from exc

    def stmt_Expr(self, node: ast.Expr) -> None:
        self.eval(node.value)

    def stmt_Pass(self, node: ast.Pass) -> None:
        pass

    def stmt_Break(self, node: ast.Break) -> None:
        raise LoopBreak()

    def stmt_Continue(self, node: ast.Continue) -> None:
        raise LoopContinue()

    def stmt_Assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self.assign(target, value, self.loc(node.value))

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.eval(node.value), self.loc(node.value))

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        current = self.eval(node.target)
        rhs = self.eval(node.value)
        op = BINOPS.get(type(node.op))
        if op is None:
            raise NeedsExecution(node, "unsupported operator")
        budget.predict_binop(type(node.op).__name__, current, rhs, node)
        if isinstance(current, CfgList) and isinstance(node.op, ast.Add):
            # `lst += other` extends the same list object in place
            rhs = rhs if isinstance(rhs, (list, tuple)) else list(rhs)
            budget.check_length(len(current) + len(rhs), "list", node)
            locs = rhs.locs if isinstance(rhs, CfgList) else [self.loc(node.value)] * len(rhs)
            current.extend(rhs)
            current.locs.extend(locs)
            return
        result = self.apply(node, op, current, rhs)
        budget.check_value(result, node)
        self.assign(node.target, result, self.loc(node))

    def stmt_If(self, node: ast.If) -> None:
        self.run(node.body if self.eval(node.test) else node.orelse)

    def stmt_For(self, node: ast.For) -> None:
        iterable = self.eval(node.iter)
        broke = False
        for item in self.iterate(iterable, node.iter):
            self.budget.step(node)
            self.assign(node.target, item, self.loc(node.target))
            try:
                self.run(node.body)
            except LoopBreak:
                broke = True
                break
            except LoopContinue:
                continue
        if not broke:
            self.run(node.orelse)

    def stmt_While(self, node: ast.While) -> None:
        while self.eval(node.test):
            self.budget.step(node)
            try:
                self.run(node.body)
            except LoopBreak:
                return
            except LoopContinue:
                continue
        self.run(node.orelse)

    def stmt_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.ns.remove(target.id)
            elif isinstance(target, ast.Subscript):
                obj = self.eval(target.value)
                key = self.eval(target.slice)
                if isinstance(obj, CfgDict):
                    obj.remove(key)
                elif isinstance(obj, CfgList) and isinstance(key, int):
                    del obj[key]
                    del obj.locs[key]
                else:
                    raise NeedsExecution(node, "del on this value is not evaluated statically")
            elif isinstance(target, ast.Attribute):
                obj = self.eval(target.value)
                if not isinstance(obj, CfgDict):
                    raise NeedsExecution(node, "del of an attribute is not evaluated statically")
                obj.remove(target.attr)
            else:
                raise NeedsExecution(node, "del target is not evaluated statically")

    def stmt_Assert(self, node: ast.Assert) -> None:
        if not self.eval(node.test):
            raise ConfigError(node, "AssertionError: assertion in the config failed")

    def stmt_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if self.lazy and not is_standard_module(alias.name):
                # mmengine's lazy import: `import torch.nn` binds `torch`, `import numpy as np` binds `np`, to a
                # LazyObject of the module; an attribute of it is dumped as its dotted name ('torch.float16')
                bound = alias.asname or alias.name.split(".")[0]
                module = alias.name if alias.asname else bound
                self.ns.set(bound, ImportedName("", module), self.loc(node))
                self.imported.add(bound)
                continue
            bound = alias.asname or alias.name.split(".")[0]
            self.ns[bound] = Opaque("module", alias.name)  # dropped from the result, like mmengine

    def stmt_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":  # (mmengine refuses it in a pure-Python config; other frameworks' configs, e.g.
                # ViCLIP's `from .data import *`, do it too: a warning, not an error of a config that may not be one)
                raise NeedsExecution(node, f"`from {module} import *` outside `with read_base():`")
            bound = alias.asname or alias.name
            if self.lazy:
                self.ns.set(bound, ImportedName(module, alias.name), self.loc(node))
                self.imported.add(bound)
            else:  # (a name a project's module defines is no module as far as anyone can tell statically)
                kind = "module" if is_standard_module(module) else "imported"
                self.ns[bound] = Opaque(kind, f"{module}.{alias.name}")

    def stmt_With(self, node: ast.With) -> None:
        expr = node.items[0].context_expr if node.items else None
        is_read_base = (
            isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "read_base"
        )
        if not is_read_base or self.import_hook is None:
            raise NeedsExecution(node, "only `with read_base():` is understood")
        for stmt in node.body:
            self.import_hook(stmt, self.ns)

    def stmt_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.ns[node.name] = Opaque("function", node.name)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        self.ns[node.name] = Opaque("class", node.name)

    # ---------------------------------------------------------------- assignment

    def assign(self, target: ast.AST, value: Any, loc: Location) -> None:
        if isinstance(target, ast.Name):
            if self.scopes:
                self.scopes[-1][target.id] = value
            else:
                self.ns.set(target.id, value, loc)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value)
            key = self.eval(target.slice)
            self.budget.forget()  # a value already measured may change size (also in loops and comprehensions)
            self._setitem(target, obj, key, value, loc)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value)
            if not isinstance(obj, CfgDict):
                raise NeedsExecution(target, "attribute assignment on something that is not a config dict")
            self.budget.forget()
            obj.set(target.attr, hook(value) if obj.config else value, loc)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, loc)
        else:
            raise NeedsExecution(target, "assignment target is not evaluated statically")

    def _unpack(self, target: ast.AST, value: Any) -> None:
        items = self.iterate(value, target)
        elts = target.elts  # type: ignore[attr-defined]
        star = [i for i, e in enumerate(elts) if isinstance(e, ast.Starred)]
        if star:
            s = star[0]
            after = len(elts) - s - 1
            parts = items[:s] + [CfgList(items[s : len(items) - after])] + items[len(items) - after :]
        else:
            if len(items) != len(elts):
                raise ConfigError(target, f"ValueError: cannot unpack {len(items)} values into {len(elts)}")
            parts = items
        for elt, part in zip(elts, parts):
            self.assign(elt, part, self.loc(elt))

    def _setitem(self, node: ast.AST, obj: Any, key: Any, value: Any, loc: Location) -> None:
        if isinstance(obj, CfgDict):
            obj.set(key, hook(value) if obj.config else value, loc)
        elif isinstance(obj, CfgList):
            if isinstance(key, slice):
                obj[key] = value
                obj.sync_locs()
            else:
                obj[key] = value
                obj.locs[key] = loc
        elif isinstance(obj, (dict, list)):
            obj[key] = value
        else:
            raise NeedsExecution(node, f"item assignment on {describe(obj)}")
