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


def test_c_stderr_is_silenced_only_inside_the_block():
    code = (
        "import os\n"
        "from catdog_cnn._quiet import c_stderr_silenced\n"
        "with c_stderr_silenced():\n"
        "    os.write(2, b'hidden\\n')\n"
        "os.write(2, b'shown\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stderr == "shown\n"
