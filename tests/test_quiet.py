import subprocess
import sys


def test_importing_the_package_prints_nothing():
    done = subprocess.run(
        [sys.executable, "-c", "import catdog_cnn; catdog_cnn.build_model()"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert done.stdout == "" and done.stderr == ""
