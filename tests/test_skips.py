"""The root conftest's promise: every skip is listed at the end; a real-data, browser or weights one fails CI."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"
SKIPPING = """
import pytest

@pytest.mark.browser
def test_in_a_browser():
    pytest.skip("no chromium here")

def test_plain():
    pass

def test_elsewhere():
    pytest.skip("not on this system")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    markers = ["browser: drives JupyterLab", "realdata: needs the data", "weights: needs weights"]
    pytester.makeini("[pytest]\nmarkers =\n" + "".join(f"    {m}\n" for m in markers))
    pytester.makepyfile(test_skipping=SKIPPING)
    return pytester


def test_a_skipped_browser_test_is_listed_at_the_end(project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*tests NOT RUN*",
            "SKIPPED (real data, browser or weights) *test_in_a_browser: no chromium here",
            "SKIPPED *test_elsewhere: not on this system",
        ]
    )
    assert result.ret == 0


def test_a_skipped_browser_test_fails_ci(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["CI must run these tests: the run fails."])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
