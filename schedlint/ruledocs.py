"""Rule documentation rendered from the rule units (for `schedlint rule` and docs/rules.md)."""

from __future__ import annotations

import json
from typing import List, Optional

from schedlint.rules import Rule, all_rules, get_rule


def _examples_md(rule: Rule) -> List[str]:
    out: List[str] = []
    for title, examples in (("Invalid", rule.invalid), ("Valid", rule.valid)):
        for example in examples[:2]:
            files = example.as_files()
            out.append(f"{title}:")
            for name, text in files.items():
                label = "" if len(files) == 1 else f"# {name}\n"
                out.append("```python\n" + label + text.rstrip() + "\n```")
    return out


def rule_text(rule: Rule) -> str:
    """Plain-text (markdown) documentation of one rule."""
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"{rule.summary}. Default severity: {rule.severity.value}."
        + (" Fixable." if rule.fixable else ""),
        "",
        rule.doc(),
        "",
    ]
    lines += _examples_md(rule)
    return "\n".join(lines).rstrip() + "\n"


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
        data = [r.describe() for r in rules]
        return json.dumps(data[0] if code else data, indent=2)
    return "\n".join(rule_text(r) for r in rules).rstrip()


def rules_markdown() -> str:
    """The content of docs/rules.md (a test keeps the committed file equal to this)."""
    head = [
        "# schedlint rules",
        "",
        "Generated from the rule units by `python -m schedlint.ruledocs > docs/rules.md`; do not edit by hand.",
        "",
        "| code | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    for r in all_rules().values():
        head.append(f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity.value} | {r.summary} |")
    body = []
    for r in all_rules().values():
        text = rule_text(r).replace(f"# {r.code} {r.name}", f'## {r.code}\n\n`{r.name}`', 1)
        body.append(text)
    return "\n".join(head) + "\n\n" + "\n".join(body)


if __name__ == "__main__":
    print(rules_markdown(), end="")
