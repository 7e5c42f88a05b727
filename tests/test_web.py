"""The explorer for any browser: the exported folder, and the page in Chromium against Keras and predict.

The folder is served from 127.0.0.1 by a server the test starts and stops; every request the page makes is
recorded, and none may leave the folder.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS  # the file beside this one

from catdog_cnn.cli import main
from catdog_cnn.config import MODELS_DIR
from catdog_cnn.look import peel
from catdog_cnn.nets.runs import load_run
from catdog_cnn.serve.output_folder import MARKER
from catdog_cnn.serve.web import STATIC_FILES
from catdog_cnn.sound.data import load_wav

MAX_FOLDER_MB = 5
TRAINING_WINDOWS = 96  # packed for the training panel: 96 training and 24 validation windows
ELSEWHERE = "explorer.example"


@pytest.fixture(scope="module")
def folder(tmp_path_factory, real_data_dir) -> Path:
    out = tmp_path_factory.mktemp("web") / "explorer"
    assert main(["export-web", "--out", str(out), "--examples", "4", "--training-windows", str(TRAINING_WINDOWS),
                 "--data-dir", str(real_data_dir)]) == 0  # fmt: skip
    return out


def test_the_folder_holds_the_page_its_networks_and_nothing_from_elsewhere(folder, tmp_path):
    written = [*STATIC_FILES, "models.js", "examples.js", "training.js", MARKER]
    assert sorted(p.name for p in folder.iterdir()) == sorted(written)
    assert main(["export-web", "--out", str(tmp_path / "plain")]) == 0  # no examples: the size users get
    assert sum(p.stat().st_size for p in (tmp_path / "plain").iterdir()) < MAX_FOLDER_MB * 1e6
    assert (tmp_path / "plain" / "examples.js").read_text() == (tmp_path / "plain" / "training.js").read_text() == ""
    for path in folder.iterdir():
        text = path.read_text()
        assert not re.search(r"(?:src|href)=\"(?!data:)[a-z]+:|https?://|\bimport\s*\(|fetch\(", text), path.name


def test_a_negative_number_of_examples_is_refused(tmp_path, capsys):
    assert main(["export-web", "--out", str(tmp_path / "x"), "--examples", "-1"]) == 1
    assert "--examples must be 0 or more" in capsys.readouterr().err


@pytest.fixture(scope="module")
def served(folder):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def fake_microphone(tmp_path_factory, real_data_dir) -> Path:
    """A dog recording as Chromium's fake microphone plays it (it loops the file)."""
    import soundfile as sf

    audio, rate = sf.read(real_data_dir / "cats_dogs" / "dog_barking_0.wav", dtype="float32")
    path = tmp_path_factory.mktemp("mic") / "mic.wav"
    sf.write(path, audio[: 6 * rate], rate, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def browser(fake_microphone):
    if not Path(CHROMIUM).exists():
        pytest.skip("browser test: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    microphone = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_microphone}",
        "--autoplay-policy=no-user-gesture-required",
        f"--host-resolver-rules=MAP {ELSEWHERE} 127.0.0.1",  # a name that is not localhost, served here
    ]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *microphone])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(served + "index.html")
    page.wait_for_function("window.catdog && document.querySelector('#model').options.length === 2")
    yield page
    assert page.errors == []
    own = (served, "data:", f"blob:{served.rstrip('/')}")  # the folder, and the worker the page makes from its own code
    assert page.requests and all(url.startswith(own) for url in page.requests)
    page.close()


@pytest.mark.parametrize("name", ["original", "m5"])
def test_the_page_computes_every_layer_as_keras_does(page, name, real_split):
    from catdog_cnn.sound.generator import evaluation_windows

    windows = evaluation_windows(real_split.test, normalization="window")
    x = windows.x[np.linspace(0, len(windows.x) - 1, 2).astype(int)]
    model = load_run(MODELS_DIR / name)[0]
    expected = peel.activations(model, x)
    for i, window in enumerate(x):
        ours = page.evaluate("([name, x]) => window.catdog.forward(name, x)", [name, window[:, 0].tolist()])
        for layer, value in ours.items():
            want = expected[layer][i].ravel()
            worst = np.abs(np.asarray(value) - want).max()
            if layer == "dense":
                assert worst <= 1e-4, (name, i)
            else:
                assert worst <= 1e-3 * max(np.ptp(want), 1e-6), (name, layer, i)


def test_an_opened_file_gets_the_answer_of_predict(page, real_data_dir):
    from catdog_cnn.serve.predict import load_predictor, predict_recording

    for file in ("cat_1.wav", "dog_barking_0.wav"):
        path = real_data_dir / "cats_dogs" / file
        expected = predict_recording(load_predictor(MODELS_DIR / "m5"), path, quiet=True)
        page.evaluate("delete document.body.dataset.analysedIn")
        page.set_input_files("#file", str(path))
        page.wait_for_function("document.body.dataset.analysedIn", timeout=60_000)
        shown = float(page.inner_text("[data-testid=p-dog]"))
        assert shown == pytest.approx(expected["p_dog"], abs=0.01) and page.inner_text("#label") == expected["label"]
        segments = page.evaluate("window.catdog.state.analysis.windows.map(w => w.p)")
        assert len(segments) == len(expected["segments"])
        as_numbers = lambda values: [np.nan if v is None else v for v in values]  # noqa: E731
        assert np.allclose(as_numbers(segments), as_numbers(expected["segments"]), atol=0.01, equal_nan=True)


def test_peeling_a_second_in_the_page(page, real_data_dir):
    page.set_input_files("#file", str(real_data_dir / "cats_dogs" / "dog_barking_0.wav"))
    page.wait_for_function("document.body.dataset.analysedIn", timeout=60_000)
    page.locator("#overview").click(position={"x": 100, "y": 50})  # a second near the start
    page.wait_for_function("document.body.dataset.peeled === '1'")
    assert page.inner_text("#second-name").startswith("from 1 s to 2 s")
    block = page.locator("[data-testid=block-3]")
    block.click(position={"x": 480, "y": 1})  # the top row: the last filter, in the middle of the second
    assert "step" in page.inner_text("#field-caption") and "block 3" in page.inner_text("#field-caption")
    page.locator("#blocks button").nth(2).click()
    page.wait_for_function("document.body.dataset.played === '35'")  # m5 has 36 filters: the top row is 36
    before = page.inner_text("#slide-text")
    page.click("#slide-next")
    assert page.inner_text("#slide-text") != before and page.inner_text("#slide-text").startswith("step 2 of")
    logit = float(page.text_content("[data-testid=logit]"))
    p = page.evaluate("window.catdog.state.analysis.windows[1].p")
    assert 1 / (1 + np.exp(-logit)) == pytest.approx(p, abs=1e-4)  # the terms add up to the answer shown
    page.select_option("#model", "original")
    page.wait_for_function("document.querySelectorAll('#blocks canvas').length === 10")
    ARTIFACTS.mkdir(exist_ok=True)
    page.select_option("#model", "m5")
    page.wait_for_function("document.querySelectorAll('#blocks canvas').length === 5")
    assert not page.inner_text("#field-caption").startswith("Shaded")  # a new network: no step chosen yet
    page.locator("[data-testid=block-2]").click(position={"x": 330, "y": 40})
    page.screenshot(path=str(ARTIFACTS / "web_explorer.png"), full_page=True)


def test_the_microphone_records_five_seconds_and_they_are_judged(page):
    page.click("#record")
    page.wait_for_function("document.body.dataset.analysedIn", timeout=30_000)
    assert page.inner_text("#status").startswith("your recording: 5.00 s, 5 second(s)")
    assert page.evaluate("window.catdog.state.analysis.windows.length") == 5
    assert 0 <= float(page.inner_text("[data-testid=p-dog]")) <= 1


def test_the_microphone_without_a_secure_page_says_why(browser, served):
    page = browser.new_page()
    page.goto(served.replace("127.0.0.1", ELSEWHERE) + "index.html")
    page.click("#record")
    assert "needs the page opened over https, from localhost or as a file" in page.inner_text("#status")
    page.close()


def test_a_test_window_from_the_examples(page):
    page.select_option("#examples", index=1)
    page.wait_for_function("document.body.dataset.analysedIn", timeout=30_000)
    assert "one test window" in page.inner_text("#status")


def test_the_page_opens_from_the_disk_too(browser, folder):
    page = browser.new_page()
    page.goto((folder / "index.html").as_uri())
    assert page.evaluate("window.CATDOG_MODEL_NAMES") == ["original", "m5"]
    page.close()


# ---- hostile input: never an answer that is not the current file's ----------------------------------------
def wav(path: Path, audio: np.ndarray, subtype: str = "PCM_16") -> Path:
    import soundfile as sf

    sf.write(path, audio, 16000, subtype=subtype)
    return path


def noise(seconds: float, level: float = 0.3, seed: int = 0) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * 16000))).clip(-1, 1).astype("float32")


def answered(page, path, timeout=60_000) -> None:
    page.evaluate("delete document.body.dataset.analysedIn")
    page.set_input_files("#file", str(path))
    page.wait_for_function("document.body.dataset.analysedIn", timeout=timeout)


def no_answer_shown(page) -> bool:
    return page.evaluate("document.getElementById('answer').hidden && document.getElementById('inside').hidden "
                         "&& document.getElementById('label').textContent === ''")  # fmt: skip


def test_a_file_that_cannot_be_decoded_leaves_no_answer(page, real_data_dir, tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("not a sound at all\n" * 50)
    (tmp_path / "empty.wav").write_bytes(b"")
    for bad in (text, tmp_path / "empty.wav"):
        answered(page, real_data_dir / "cats_dogs" / "cat_1.wav")
        page.set_input_files("#file", str(bad))
        page.wait_for_function("document.getElementById('status').textContent.includes('could not decode')")
        assert no_answer_shown(page) and page.inner_text("#status").startswith(bad.name)


def test_samples_that_are_not_numbers_are_refused_as_predict_refuses_them(page, tmp_path):
    for value in (np.nan, np.inf):
        audio = noise(3)
        audio[20_000] = value
        path = wav(tmp_path / f"odd_{value}.wav", audio, subtype="FLOAT")
        page.set_input_files("#file", str(path))
        page.wait_for_function("document.getElementById('status').textContent.includes('NaN')")
        assert page.inner_text("#status") == f"{path.name}: the file holds NaN or infinite samples."
        assert no_answer_shown(page)


def test_a_silent_recording_reads_as_one_and_unjudged_seconds_have_no_p(page, tmp_path):
    answered(page, wav(tmp_path / "quiet.wav", noise(3, level=1e-4)))
    assert page.is_hidden("#verdict") and page.inner_text("#nothing").startswith("Nothing to judge")
    assert page.evaluate("window.catdog.state.analysis.windows.every(w => w.p === null)")
    assert page.is_hidden("[data-testid=terms]") and "too quiet to judge" in page.inner_text("#decision-caption")
    assert page.inner_text("#terms-table") == ""


def test_only_the_newest_choice_writes_its_answer(page, real_data_dir, tmp_path):
    slow = wav(tmp_path / "slow.wav", np.tile(noise(1), 120))  # about 5 s to analyse with m5
    quick = real_data_dir / "cats_dogs" / "cat_1.wav"
    page.set_input_files("#file", str(slow))
    page.wait_for_function("document.getElementById('status').textContent.includes('analysing')")
    answered(page, quick)
    shown = (page.inner_text("#status"), page.inner_text("[data-testid=p-dog]"))
    page.wait_for_timeout(6_000)  # longer than the slow file would have taken
    assert (page.inner_text("#status"), page.inner_text("[data-testid=p-dog]")) == shown
    assert shown[0].startswith("cat_1.wav: ")


def test_a_long_file_keeps_the_page_responsive_and_can_be_cancelled(page, tmp_path):
    long = wav(tmp_path / "ten_minutes.wav", np.tile(noise(1), 600))
    page.set_input_files("#file", str(long))
    page.wait_for_function("document.getElementById('progress').value > 0", timeout=30_000)
    lags = [
        page.evaluate("new Promise(r => { const t = performance.now(); setTimeout(() => r(performance.now() - t)); })")
        for _ in range(10)
    ]
    assert max(lags) < 200, lags  # the page's own thread answers while the worker analyses
    page.click("[data-testid=cancel]")
    assert page.inner_text("#status").endswith("cancelled; choose a recording or a network to start again")
    page.wait_for_timeout(1_000)
    assert no_answer_shown(page) and page.is_hidden("#progress")


def test_a_very_long_file_name_does_not_widen_the_page(page, real_data_dir):
    name = "a" * 3000 + ".wav"
    data = (real_data_dir / "cats_dogs" / "cat_1.wav").read_bytes()
    page.evaluate("delete document.body.dataset.analysedIn")
    page.set_input_files("#file", files=[{"name": name, "mimeType": "audio/wav", "buffer": data}])
    page.wait_for_function("document.body.dataset.analysedIn", timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1100


def test_training_windows_are_packed_half_cat_half_dog_at_16_bits(folder, real_split):
    import base64
    import json

    text = (folder / "training.js").read_text()
    packed = json.loads(text.split("=", 1)[1].rstrip().rstrip(";"))
    for side, count in (("train", TRAINING_WINDOWS), ("validation", TRAINING_WINDOWS // 4)):
        labels, audio = packed[side]["labels"], base64.b64decode(packed[side]["audio"])
        assert len(labels) == count and sum(labels) == count // 2
        samples = np.frombuffer(audio, "<i2").reshape(count, packed["segment"])
        assert np.abs(samples).max(axis=1).min() == 32767  # each window scaled to its peak, as predict scales it


def number(page, testid: str) -> float:
    return float(page.inner_text(f"[data-testid={testid}]"))


def test_a_network_trained_in_the_page_learns_and_joins_the_menu(page, real_data_dir):
    import io

    from PIL import Image

    page.wait_for_function("document.querySelector('[data-testid=train-val-accuracy]').textContent !== '–'")
    assert page.is_visible("#train") and number(page, "train-step") == 0
    assert page.input_value("#train-batch") == "8" and page.input_value("#train-rate") == "0.003"  # the defaults
    frames = [page.locator("#train-kernels").screenshot()]  # the first layer's kernels forming, for an animation
    page.click("[data-testid=train-start]")
    page.wait_for_function("Number(document.querySelector('[data-testid=train-step]').textContent) >= 10")
    first_loss = number(page, "train-loss")
    lags = [
        page.evaluate("new Promise(r => { const t = performance.now(); setTimeout(() => r(performance.now() - t)); })")
        for _ in range(10)
    ]
    assert max(lags) < 200, lags  # the page's own thread answers while the worker trains
    for step in (50, 100, 150, 200):
        page.wait_for_function(f"Number(document.querySelector('[data-testid=train-step]').textContent) >= {step}",
                               timeout=120_000)  # fmt: skip
        frames.append(page.locator("#train-kernels").screenshot())
    page.click("[data-testid=train-start]")  # pause: the network learned so far joins the menu
    page.wait_for_function("[...document.querySelectorAll('#model option')].some(o => o.value.startsWith('trained'))")
    assert number(page, "train-loss") < 0.8 * first_loss
    assert number(page, "train-val-accuracy") > 0.5  # better than chance on windows of other files
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#train").screenshot(path=str(ARTIFACTS / "web_training.png"))
    images = [Image.open(io.BytesIO(frame)).convert("P", palette=Image.Palette.ADAPTIVE) for frame in frames]
    gif = ARTIFACTS / "web_training_filters.gif"
    images[0].save(gif, save_all=True, append_images=images[1:], duration=700, loop=0)
    page.select_option("#model", "trained in this page")
    answered(page, real_data_dir / "cats_dogs" / "dog_barking_0.wav")
    assert page.inner_text("[data-testid=label]") in ("cat", "dog")  # the panels answer with the network just trained
    # the decision terms drawn are the trained network's own: its logit for validation window 1, computed again
    logit = page.evaluate("""() => { const v = window.CATDOG_TRAINING.validation;
        const bytes = Uint8Array.from(atob(v.audio), (c) => c.charCodeAt(0));
        const x = Array.from(new Int16Array(bytes.buffer).subarray(0, 16000), (s) => s / 32767);
        const p = window.catdog.forward("trained in this page", x).dense[0]; return Math.log(p / (1 - p)); }""")
    assert number(page, "train-logit") == pytest.approx(logit, abs=1e-3)
    page.click("#train-kernels", position={"x": 30, "y": 60})  # the first kernel, played through noise
    page.wait_for_function("document.body.dataset.kernelPlayed === '0'")
    page.click("[data-testid=train-compare]")  # the same recording, by the network trained here and the shipped one
    page.wait_for_function("document.querySelector('[data-testid=train-compared]').textContent.includes('shipped')")
    compared = page.inner_text("[data-testid=train-compared]")
    assert f"p(dog) {page.inner_text('[data-testid=p-dog]')}" in compared.split("shipped")[0]
    shipped = page.evaluate("(n) => window.catdog.state.models[n] && n", "original")
    assert shipped == "original" and "the shipped original says" in compared


def test_two_sounds_of_ones_own_recorded_from_the_microphone_train_a_network(page):
    page.select_option("[data-testid=train-source]", "own")
    assert page.is_visible("#own") and page.is_disabled("[data-testid=train-start]")  # nothing to train on yet
    for k in (0, 1):  # Chromium's fake microphone plays a real recording for each
        page.click(f"[data-testid=own-record-{k}]")
        page.wait_for_function(f"document.querySelector('[data-testid=own-count-{k}]').textContent.endsWith('10.0 s')",
                               timeout=60_000)  # fmt: skip
    status = page.inner_text("[data-testid=own-status]")
    train, validation = (int(word) for word in status.split() if word.isdigit())
    assert train >= 2 and validation >= 2 and train + validation <= 20  # at most 10 seconds of each sound
    page.wait_for_function("document.querySelector('[data-testid=train-val-accuracy]').textContent !== '–'")
    page.click("[data-testid=train-start]")
    page.wait_for_function("Number(document.querySelector('[data-testid=train-step]').textContent) >= 20")
    page.click("[data-testid=train-start]")
    assert number(page, "train-loss") > 0
    page.wait_for_timeout(500)
    options = page.eval_on_selector_all("#model option", "os => os.map(o => o.value)")
    assert "trained in this page" not in options  # a network of two sounds is not a cat-or-dog network


def test_two_sounds_opened_as_files_are_cut_as_predict_cuts_them(page, real_data_dir):
    page.select_option("[data-testid=train-source]", "own")
    page.set_input_files("[data-testid=own-file-0]", str(real_data_dir / "cats_dogs" / "cat_1.wav"))
    page.wait_for_function("document.querySelector('[data-testid=own-count-0]').textContent.startsWith('cat_1.wav')")
    assert page.is_disabled("[data-testid=train-start]")  # one sound is not enough
    page.set_input_files("[data-testid=own-file-1]", str(real_data_dir / "cats_dogs" / "dog_barking_0.wav"))
    page.wait_for_function("document.querySelector('[data-testid=own-status]').textContent.includes('windows')")
    numbers = [int(w) for w in page.inner_text("[data-testid=own-status]").split() if w.isdigit()]
    audible = [page.evaluate("(x) => window.catdog.analyse('m5', x).segments.filter((p) => p !== null).length",
                             load_wav(real_data_dir / "cats_dogs" / name).tolist())
               for name in ("cat_1.wav", "dog_barking_0.wav")]  # fmt: skip
    assert sum(numbers) == sum(audible)  # every second that holds sound, and only those
    assert page.is_enabled("[data-testid=train-start]")
