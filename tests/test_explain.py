"""`catdog-cnn explain`: the report's numbers agree with peel and predict, and the page works in Chromium."""

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS  # the file beside this one

from catdog_cnn.cli import main
from catdog_cnn.config import MODELS_DIR
from catdog_cnn.look import attribution
from catdog_cnn.serve.explain import explain_recording, report_html, write_report

M5 = MODELS_DIR / "m5"


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    """3.5 s at 22.05 kHz in FLAC: noise, a silent second, then a warbling tone."""
    rate, rng = 22_050, np.random.default_rng(3)
    t = np.arange(int(3.5 * rate)) / rate
    audio = 0.3 * rng.standard_normal(t.size) * (t < 1) + 0.5 * np.sin(2 * np.pi * (700 + 200 * np.sin(9 * t)) * t) * (
        t >= 2
    )
    path = tmp_path_factory.mktemp("explain") / "warble.flac"
    sf.write(path, audio.astype(np.float32), rate)
    return path


@pytest.fixture(scope="module")
def explained(recording):
    return explain_recording(recording, M5, sounds=1)


def test_the_report_agrees_with_predict_and_with_the_decision(explained):
    e = explained
    assert len(e.result["segments"]) == len(e.evidence) == 3 and e.result["segments"][1] is None  # silent second
    assert np.isnan(e.evidence[1]).all() and e.evidence.shape == (3, 20)
    p = np.array([np.nan if v is None else v for v in e.result["segments"]])
    toward = 1 if e.result["label"] == "dog" else -1
    assert e.decisive == int(np.nanargmax(toward * np.log(p / (1 - p))))  # the window that speaks most for the answer
    # its evidence per 50 ms adds up to its logit less the bias, which the report also states
    assert e.evidence[e.decisive].sum() == pytest.approx(e.terms.logit[0] - e.terms.bias, abs=1e-3)
    assert e.terms.p_dog[0] == pytest.approx(e.result["segments"][e.decisive], abs=1e-3)
    assert list(e.sounds) == e.deciders and len(e.deciders) == 1
    assert e.decisive_slice == attribution.most_decisive_slice(*_model_and_window(e))
    assert set(e.layers) == {f"relu_{i}" for i in range(1, 6)}


@pytest.mark.realdata
def test_the_numpy_report_gives_the_numbers_keras_gave_on_real_files(real_split, real_data_dir):
    """The report is computed without TensorFlow now; on real test files it gives what the Keras computation gave:
    p(dog) per second, the evidence per 50 ms, the decision terms and the most decisive slice."""
    from catdog_cnn.look import peel
    from catdog_cnn.nets.runs import load_run, predictor
    from catdog_cnn.serve.spec import read_sounds

    model, _ = load_run(M5)
    for clip in (real_split.test[0], real_split.test[-1]):  # a cat, then a dog
        path = real_data_dir / "cats_dogs" / clip.name
        e = explain_recording(path, M5, sounds=2)
        audible = [i for i, v in enumerate(e.result["segments"]) if v is not None]
        windows = np.stack([_scaled_window(path, i) for i in audible])
        keras_p = predictor(model)(windows[..., None])
        np.testing.assert_allclose([e.result["segments"][i] for i in audible], keras_p, atol=6e-5)  # 4 decimals
        keras_evidence = attribution.dog_evidence(model, windows)
        np.testing.assert_allclose(e.evidence[audible], keras_evidence, atol=1e-5)
        terms = peel.decision(model, e.window[None, :, None])
        np.testing.assert_allclose(e.terms.contributions, terms.contributions, atol=1e-5)
        assert e.decisive_slice == attribution.most_decisive_slice(model, e.window)
        wanted = read_sounds(M5)
        assert len(e.sounds) == 2 and all(np.array_equal(e.sounds[i], wanted[i]) for i in e.deciders)


def _scaled_window(path, i):
    from catdog_cnn.sound.audio import load_audio
    from catdog_cnn.sound.windows import peak_normalize

    audio = np.clip(load_audio(path), -1, 1)
    return peak_normalize(audio[i * 16_000 : (i + 1) * 16_000][None])[0]


def _model_and_window(e):
    from catdog_cnn.nets.runs import load_run

    return load_run(M5)[0], e.window


def test_the_page_embeds_every_image_and_sound(explained):
    page = report_html(explained)
    assert page.count("<img ") == 3 and page.count("<audio ") == 3  # recording, decisive second, one component
    assert not re.search(r'src="(?!data:)', page)  # nothing to fetch: the page stands alone
    assert "warble.flac" in page and f"{explained.result['p_dog']:.3f}" in page


def test_the_page_says_how_to_read_each_section_and_what_was_not_scored(explained):
    page = report_html(explained)
    assert page.count('<p class="how">How to read it:') == 4  # overview, layers, components, sounds
    assert "<dt>logit</dt>" in page and "<dt>ReLU</dt>" in page
    assert "the last 0.50 s: shorter than a window" in page  # 3.5 s gives three windows of 1 s


def test_a_silent_recording_gets_a_page_that_says_so(tmp_path):
    silent = tmp_path / "silence.wav"
    sf.write(silent, np.zeros(32_000, np.float32), 16_000)
    e = explain_recording(silent, M5, sounds=0)
    assert e.result["label"] is None and e.decisive is None
    assert "nothing audible" in report_html(e) and report_html(e).count("<audio ") == 1


def test_explain_command_writes_the_page_or_names_the_bad_file(recording, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["explain", str(recording), "--model", str(M5), "--out", str(out), "--sounds", "0"]) == 0
    assert out.is_file() and out.read_text().startswith("<!DOCTYPE html>")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVE")
    assert main(["explain", str(broken), "--model", str(M5), "--out", str(tmp_path / "x.html")]) == 1
    assert str(broken) in capsys.readouterr().err


@pytest.mark.browser
def test_the_report_opens_in_chromium_with_its_images_and_players(recording, tmp_path):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("browser test: install Debian's chromium package")
    path = write_report(recording, tmp_path / "report.html", M5, sounds=1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_function("[...document.images].every(i => i.complete)", timeout=30_000)
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == 3 and min(widths) > 400
            page.wait_for_function(
                "[...document.querySelectorAll('audio')].every(a => a.readyState >= 1)", timeout=30_000
            )
            durations = page.eval_on_selector_all("audio", "els => els.map(a => a.duration)")
            assert durations[1:] == pytest.approx([1.0, 1.0], abs=0.01) and durations[0] == pytest.approx(3.5, abs=0.01)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "explain_report.png"), full_page=True)
        finally:
            browser.close()
