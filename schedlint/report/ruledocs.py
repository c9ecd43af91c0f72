"""Rule documentation rendered from the rule units (for `schedlint rule`, SARIF and docs/rules.md).

`python -m schedlint.report.ruledocs > docs/rules.md` regenerates the catalogue; a test keeps it current.
"""

from __future__ import annotations

import difflib
import json
from textwrap import dedent
from typing import Any, Dict, List, Optional

from schedlint.rules import Rule, all_rules, get_rule

REGENERATE = "python -m schedlint.report.ruledocs > docs/rules.md"
EXAMPLES_SHOWN = 2  # per kind (invalid, valid) in the text docs; JSON has them all

FAMILIES = {
    "SL0": "schedule vs training length",
    "SL1": "momentum and optimizer",
    "SL2": "validation and checkpoint cadence",
    "SL3": "scheduler arguments",
    "SL4": "legacy (mmcv 1.x) configs and keys",
    "SL9": "configs that cannot be loaded",
}


def _code_block(files: Dict[str, str]) -> str:
    parts = []
    for name, text in files.items():
        label = "" if len(files) == 1 else f"# {name}\n"
        parts.append("```python\n" + label + text.rstrip() + "\n```")
    return "\n".join(parts)


def _examples_md(rule: Rule) -> List[str]:
    out: List[str] = []
    for title, examples in (("Invalid", rule.invalid), ("Valid", rule.valid)):
        for example in examples[:EXAMPLES_SHOWN]:
            note = f" ({example.note})" if example.note else ""
            epoch = f" (with {example.epoch_length} iterations per epoch)" if example.epoch_length else ""
            out.append(f"{title}{note}{epoch}:")
            out.append("")
            out.append(_code_block(example.as_files()))
            out.append("")
            if title == "Invalid" and example.fixed is not None:
                fixed = example.fixed
                files = {"config.py": fixed} if isinstance(fixed, str) else dict(fixed)
                files = {name: dedent(text).lstrip("\n") for name, text in files.items()}
                options = f" `{' '.join(example.fix_options)}`" if example.fix_options else ""
                out.append(f"After `schedlint fix`{options}:")
                out.append("")
                out.append(_code_block(files))
                out.append("")
    return out


def rule_text(rule: Rule, heading: str = "#") -> str:
    """Markdown documentation of one rule: summary, severity, explanation, examples."""
    fixable = f" {rule.fix_text()}" if rule.fixable else ""
    generation = {"mmengine": " Applies to mmengine configs.", "mmcv": " Applies to mmcv-1.x configs."}.get(
        rule.generation, ""
    )
    lines = [
        f"{heading} {rule.code} {rule.name}",
        "",
        f"{rule.summary[:1].upper()}{rule.summary[1:]}. Default severity: {rule.severity.value}.{fixable}{generation}",
        "",
        rule.doc(),
        "",
    ]
    lines += _examples_md(rule)
    return "\n".join(lines).rstrip() + "\n"


def rule_json(rule: Rule) -> Dict[str, Any]:
    """A rule as data: its description plus every example."""
    data = dict(rule.describe())

    def example(e: Any) -> Dict[str, Any]:
        out: Dict[str, Any] = {"files": e.as_files()}
        if e.epoch_length:
            out["epoch_length"] = e.epoch_length
        if e.note:
            out["note"] = e.note
        return out

    data["invalid"] = [example(e) for e in rule.invalid]
    data["valid"] = [example(e) for e in rule.valid]
    return data


def render_rule_docs(code: Optional[str], fmt: str) -> Optional[str]:
    """Docs for one rule (code or name) or, with code None, for all; None if the rule is unknown."""
    if code is None:
        rules = list(all_rules().values())
    else:
        found = get_rule(code)
        if found is None:
            return None
        rules = [found]
    if fmt == "json":
        data = [rule_json(r) for r in rules]
        return json.dumps(data[0] if code else data, indent=2)
    return "\n".join(rule_text(r) for r in rules).rstrip()


def unknown_rule_message(code: str) -> str:
    """`unknown rule 'X'`, with the nearest code or name when one is close."""
    rules = all_rules()
    words = list(rules) + [r.name for r in rules.values()]
    close = difflib.get_close_matches(code.upper() if code[:2].lower() == "sl" else code.lower(), words, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown rule {code!r}{hint}; `schedlint rule --all` lists them"


def rules_markdown() -> str:
    """The content of docs/rules.md (a test keeps the committed file equal to this)."""
    rules = list(all_rules().values())
    head = [
        "# schedlint rules",
        "",
        f"Generated from the rule units by `{REGENERATE}`; do not edit by hand.",
        "`schedlint rule CODE` prints one rule; `schedlint rule --all --format json` gives them as data.",
        "",
    ]
    body: List[str] = []
    for prefix, family in FAMILIES.items():
        members = [r for r in rules if r.code.startswith(prefix)]
        if not members:
            continue
        head += [f"## {prefix}xx: {family}", "", "| code | name | severity | fix | summary |", "| --- | --- | --- | --- | --- |"]
        for r in members:
            fix = r.fix_applicability or ""
            head.append(f"| [{r.code}](#{r.code.lower()}) | `{r.name}` | {r.severity.value} | {fix} | {r.summary} |")
        head.append("")
    others = [r for r in rules if r.code[:3] not in FAMILIES]
    if others:
        head += ["## Other rules", "", "| code | name | severity | fix | summary |", "| --- | --- | --- | --- | --- |"]
        for r in others:
            head.append(f"| [{r.code}](#{r.code.lower()}) | `{r.name}` | {r.severity.value} | | {r.summary} |")
        head.append("")
    for r in rules:
        text = rule_text(r, heading="###")
        body.append(text.replace(f"### {r.code} {r.name}", f"### {r.code}\n\n`{r.name}`", 1))
    return "\n".join(head) + "\n## Rules\n\n" + "\n".join(body)


if __name__ == "__main__":
    print(rules_markdown(), end="")
