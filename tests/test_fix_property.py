"""Property: a random schedule written for one training length, trained for another, fixed with
`--rescale`, has no SL0xx error, its schedule reaches the new end of training, and a second
`fix` changes nothing. (FIX_PROPERTY_EXAMPLES=500 for a longer search.)"""

from __future__ import annotations

import math
import os
import tempfile

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schedlint.lint.engine import Linter
from schedlint.fix.engine import fix_paths
from schedlint.fix.propose import FixOptions
from schedlint.rules.windows import is_warmup, window
from schedlint.lint.settings import Settings

EPOCH_LENGTH = 100


@st.composite
def schedules(draw):
    """(base config text, old length, new length)."""
    old = draw(st.integers(6, 40))
    phases = draw(st.integers(1, min(3, old // 6 + 1)))
    cuts = sorted(draw(st.lists(st.integers(3, old - 3), min_size=phases - 1, max_size=phases - 1, unique=True)))
    bounds = [0] + [c for c in cuts] + [old]
    if any(b - a < 3 for a, b in zip(bounds, bounds[1:])):
        bounds = [0, old]
    convert = draw(st.booleans())
    extra = ", by_epoch=True, convert_to_iter_based=True" if convert else ", by_epoch=True"
    lines = []
    if draw(st.booleans()):
        lines.append(f"dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, "
                     f"end={draw(st.integers(10, 150))})")
    for begin, end in zip(bounds, bounds[1:]):
        span = end - begin
        floor = "1e-6" if begin == 0 else "0"  # later phases decay on: a floor above their start would rise
        kind = draw(st.sampled_from(["cosine", "multistep", "step", "poly", "linear"]))
        if kind == "cosine":
            lines.append(f"dict(type='CosineAnnealingLR', T_max={span}, eta_min={floor}, begin={begin}, end={end}{extra})")
        elif kind == "multistep":
            ms = sorted(draw(st.lists(st.integers(1, span - 1), min_size=1, max_size=2, unique=True)))
            lines.append(f"dict(type='MultiStepLR', milestones={ms}, gamma=0.5, begin={begin}, end={end}{extra})")
        elif kind == "step":
            step = draw(st.integers(1, max(1, span // 2)))
            lines.append(f"dict(type='StepLR', step_size={step}, gamma=0.8, begin={begin}, end={end}{extra})")
        elif kind == "poly":
            lines.append(f"dict(type='PolyLR', eta_min={floor}, power=0.9, begin={begin}, end={end}{extra})")
        else:
            lines.append(f"dict(type='LinearLR', start_factor=1.0, end_factor=0.2, begin={begin}, end={end}{extra})")
    # shorter runs only as long as every phase keeps a few epochs (an integer epoch grid cannot hold
    # a 3-epoch phase squeezed into 1.7 epochs; such a fix is refused, which is tested elsewhere)
    shortest = min(b - a for a, b in zip(bounds, bounds[1:]))
    new = draw(st.integers(max(2, old // 2 + 1), old * 4).filter(lambda n: n != old and (n > old or shortest * n >= 4 * old)))
    text = (
        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
        "param_scheduler = [\n" + "".join(f"    {line},\n" for line in lines) + "]\n"
        f"train_cfg = dict(by_epoch=True, max_epochs={old}, val_interval=1)\n"
    )
    return text, old, new


def _lint(path: str):
    linter = Linter(Settings(epoch_length=EPOCH_LENGTH))
    findings = linter.lint_file(path)
    from schedlint.rules import Context  # noqa: F401  (the linter built one; rebuild the plan for windows)
    from schedlint.lint.engine import build_any_plan

    resolved = linter.loader.resolve(path)
    plan = build_any_plan(resolved, EPOCH_LENGTH)
    return findings, resolved, plan


@settings(max_examples=int(os.environ.get("FIX_PROPERTY_EXAMPLES", "20")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
@example(("optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
          "param_scheduler = [\n    dict(type='StepLR', step_size=1, gamma=0.8, begin=0, end=6, by_epoch=True),\n]\n"
          "train_cfg = dict(by_epoch=True, max_epochs=6, val_interval=1)\n", 6, 4))  # a no-op left as a warning
def test_rescale_fits_any_schedule_to_any_length(case):
    base_text, old, new = case
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.py")
        leaf = os.path.join(tmp, "leaf.py")
        with open(base, "w") as fh:
            fh.write(base_text)
        with open(leaf, "w") as fh:
            fh.write(f"_base_ = './base.py'\ntrain_cfg = dict(max_epochs={new})\n")
        settings_ = Settings(epoch_length=EPOCH_LENGTH)
        result = fix_paths([leaf], settings_, FixOptions(rescale=True))
        assert not result.internal_errors
        # the only refusal allowed: a rescale that rounding makes a no-op (StepLR step_size=1 over 6 -> 4
        # epochs stays 1); then nothing is written and the finding is still reported
        no_ops = [r for r in result.refused if "no-op" in r.reason]
        assert len(no_ops) == len(result.refused), [r.reason for r in result.refused]
        findings, resolved, plan = _lint(leaf)
        errors = [f"{f.code} {f.message}" for f in findings if f.code.startswith("SL0") and f.severity.value == "error"]
        if no_ops:  # the finding stays (an error, or a warning when little of the change is lost)
            assert not result.changes and any(f.code.startswith("SL0") for f in findings)
            return
        assert not errors, (base_text, new, open(leaf).read())
        if result.applied:
            from schedlint.rules.base import Context

            ctx = Context(resolved, plan, settings_)
            stops = [window(ctx, s).stop for s in plan.schedulers if not is_warmup(s)]
            assert math.isclose(max(stops), plan.horizon.total_iters), open(leaf).read()
        with open(leaf) as fh:
            fixed = fh.read()
        again = fix_paths([leaf], settings_, FixOptions(rescale=True))
        assert not again.changes
        with open(leaf) as fh:
            assert fh.read() == fixed
        with open(base) as fh:
            assert fh.read() == base_text
