"""Root pytest configuration.

Notebooks executed by nbval run in quick mode, and every figure a test or a
notebook saves goes to a temporary folder instead of the committed img/; the
folder is removed when the run ends.

Every skipped test is listed in a section at the end of the run. Under CI
(``CI`` set) a skipped test that needs the real data, a browser or fetched
weights fails the run, so that a green CI always includes them.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

NEEDED_IN_CI = ("realdata", "browser", "weights")  # markers whose tests CI must run, never skip
_img_dir: str | None = None
_skipped: list[tuple[str, str, bool]] = []  # node id, reason, whether CI must run it


def pytest_configure(config: pytest.Config) -> None:
    global _img_dir
    os.environ.setdefault("CATDOG_QUICK", "1")
    if "CATDOG_IMG_DIR" not in os.environ:
        _img_dir = tempfile.mkdtemp(prefix="catdog-img-")
        os.environ["CATDOG_IMG_DIR"] = _img_dir


def pytest_unconfigure(config: pytest.Config) -> None:
    if _img_dir is not None:
        shutil.rmtree(_img_dir, ignore_errors=True)
        os.environ.pop("CATDOG_IMG_DIR", None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    needed = any(item.get_closest_marker(m) for m in NEEDED_IN_CI) or "real_data_dir" in getattr(
        item, "fixturenames", ()
    )
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append((item.nodeid, reason.removeprefix("Skipped: "), needed))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _skipped:
        return
    terminalreporter.section("tests NOT RUN", sep="!", red=True, bold=True)
    for nodeid, reason, needed in _skipped:
        mark = " (real data, browser or weights)" if needed else ""
        terminalreporter.write_line(f"SKIPPED{mark} {nodeid}: {reason}", yellow=True, bold=True)
    if os.environ.get("CI") and any(needed for *_, needed in _skipped):
        terminalreporter.write_line("CI must run these tests: the run fails.", red=True, bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if any(needed for *_, needed in _skipped) and os.environ.get("CI") and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
