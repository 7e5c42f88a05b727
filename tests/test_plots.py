import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from catdog_cnn.look import plots  # noqa: E402
from catdog_cnn.sound.data import Clip  # noqa: E402


def test_waveforms_draws_one_titled_row_per_clip(synthetic_clips):
    fig = plots.waveforms(synthetic_clips[:2] + synthetic_clips[3:], seconds=1.0)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title().startswith("cat_0.wav (label 0")
    assert fig.axes[2].get_title().startswith("dog_barking_0.wav (label 1")
    assert fig.axes[0].lines[0].get_xdata()[-1] < 1.0
    plt.close(fig)


def test_spectrograms_show_a_tone_at_its_frequency(synthetic_clips):
    t = np.arange(32000) / 16000
    tone = Clip("dog_barking_9.wav", 1, (0.5 * np.sin(2 * np.pi * 2000 * t)).astype(np.float32))
    fig = plots.spectrograms([synthetic_clips[0], tone], seconds=1.5)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title() == "dog_barking_9.wav (label 1: dog)"
    image = fig.axes[1].images[0]
    db = np.asarray(image.get_array())
    (left, right, bottom, top) = image.get_extent()
    assert right <= 1.5 and (bottom, top) == (0.0, 8.0)
    loudest_khz = bottom + (top - bottom) * db.mean(axis=1).argmax() / (db.shape[0] - 1)
    assert abs(loudest_khz - 2.0) < 0.05  # the row of the tone's frequency
    assert np.isclose(image.get_clim()[1] - image.get_clim()[0], 80.0, atol=1e-4)  # the asked range below the peak
    plt.close(fig)


def test_durations_histogram_legend_counts_files(synthetic_clips):
    ax = plots.durations(synthetic_clips)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["cat: 3 files, 8 s", "dog: 2 files, 6 s"]
    plt.close(ax.figure)


def test_history_draws_train_and_validation():
    ax = plots.history({"accuracy": [0.6, 0.7], "val_accuracy": [0.5, 0.65]})
    assert not {line.get_color() for line in ax.lines} & set(plots.CLASS_COLORS)  # not mistaken for cat or dog
    assert [line.get_label() for line in ax.lines] == ["train", "validation"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [0.5, 0.65])
    plt.close(ax.figure)


def test_confusion_matrix_writes_counts():
    ax = plots.confusion_matrix([[40, 9], [12, 36]])
    assert sorted(t.get_text() for t in ax.texts) == ["12", "36", "40", "9"]
    plt.close(ax.figure)


def test_kept_fraction_and_clip_probabilities_and_batch(tmp_path):
    ax = plots.kept_fraction(np.array([0.1, 0.5]), np.array([[0.9, 0.8], [0.3, 0.2]]))
    assert len(ax.lines) == 2
    files = [{"p_dog": 0.8, "label": "dog"}, {"p_dog": 0.0, "label": "cat"}]
    ax = plots.clip_probabilities(files)
    assert [b.get_height() for b in ax.patches[:2]] == [0.0, 0.8]
    assert ax.collections[0].get_offsets().tolist() == [[0, 0.0], [1, 0.8]]  # a dot where a bar has no height
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["truly cat", "truly dog", "0.5: called dog above"]
    fig = plots.window_batch(np.zeros((6, 100, 1)), np.array([0, 1, 0, 1, 0, 1]))
    assert len(fig.axes) == 6
    assert fig.axes[-1].get_xlabel() == "time (s)" and fig.axes[0].get_ylabel() == "amplitude"
    path = plots.save(fig, "batch.png", img_dir=tmp_path)
    assert path.is_file() and path.stat().st_size > 1000
    plt.close("all")


def test_peeling_figures_return_what_they_drew():
    ax = plots.segment(np.zeros(16000), title="dog")
    assert ax.get_title() == "dog" and ax.lines[0].get_xdata()[-1] < 1.0
    ax = plots.prediction(0.79)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [0.21, 0.79])
    assert [t.get_text() for t in ax.texts] == ["21%", "79%"]
    fig = plots.layer_activations(np.arange(80_000.0).reshape(8000, 10), name="relu_1")
    heat, colorbar = fig.axes
    assert "8000 steps x 10 filters" in heat.get_title() and heat.get_xlabel() == "time (s)"
    assert heat.images[0].get_extent() == [0, 1.0, 0.5, 10.5] and heat.images[0].get_array().shape == (10, 8000)
    assert colorbar.get_ylabel() == "activation"
    ax = plots.components(np.array([1.0, -2.0, 0.5]))
    assert [p.get_height() for p in ax.patches] == [1.0, -2.0, 0.5]
    fig = plots.filter_weights(np.ones((4, 10)))
    assert sum(a.get_visible() for a in fig.axes) == 10
    ax = plots.frequency_responses(np.linspace(0, 8000, 5), np.zeros((10, 5)))
    assert len(ax.lines) == 10
    styles = {(line.get_color(), line.get_linestyle()) for line in ax.lines}
    assert len(styles) == 10  # every filter told apart by colour or line style
    ax = plots.class_activation(np.zeros(16000), np.array([1.0, -1.0, 0.5]))
    twin = ax.figure.axes[1]
    steps = twin.patches[0]  # each value a flat step over its own third of the second
    values, edges, _ = steps.get_data()
    np.testing.assert_allclose(edges, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(values, [1.0, -1.0, 0.5])
    assert ax.get_ylim()[0] == -ax.get_ylim()[1] and twin.get_ylim()[0] == -twin.get_ylim()[1]  # one zero line
    plt.close("all")


def test_save_with_a_palette_keeps_the_picture_in_fewer_bytes(tmp_path, rng):
    from PIL import Image

    fig, ax = plt.subplots()
    ax.imshow(rng.standard_normal((200, 300)), interpolation="nearest")
    full = plots.save(fig, "full.png", img_dir=tmp_path)
    small = plots.save(fig, "small.png", img_dir=tmp_path, colors=64)
    assert small.stat().st_size < full.stat().st_size / 2
    assert Image.open(small).size == Image.open(full).size and Image.open(small).mode == "P"
    plt.close("all")


def test_save_goes_to_the_img_dir_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CATDOG_IMG_DIR", str(tmp_path))
    fig = plots.window_batch(np.zeros((2, 100, 1)), np.array([0, 1]), n=2)
    assert plots.save(fig, "x.png") == tmp_path / "x.png" and (tmp_path / "x.png").is_file()
    plt.close("all")


def test_tuning_results_draws_a_line_per_group():
    rows = [{"kernel_size": k, "strides": s, "val_accuracy": 0.5 + k / 100 + s / 10} for k in (3, 4) for s in (2, 3)]
    rows[0]["val_accuracy_runs"] = [0.5, 0.6]
    ax = plots.tuning_results(rows, x="kernel_size", group="strides")
    assert [line.get_label() for line in ax.lines] == ["stride 2", "stride 3"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.83, 0.84])
    assert list(ax.get_xticks()) == [3, 4] and ax.get_xlabel() == "kernel size (samples)"
    plt.close("all")


def test_accuracy_by_group_draws_one_coloured_bar_per_group():
    groups = {
        "cat, files up to 7 s": {"windows": 50, "accuracy": [0.9, 0.94]},
        "dog, files over 7 s": {"windows": 162, "accuracy": [0.6, 0.7]},
    }
    ax = plots.accuracy_by_group(groups)
    bars = ax.patches
    assert [round(b.get_width(), 6) for b in bars] == [92.0, 65.0]
    assert bars[0].get_y() > bars[1].get_y()  # the first group is drawn on top
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    labels = {tick: label.get_text() for tick, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)}
    assert labels == {1: "cat, files up to 7 s (50)", 0: "dog, files over 7 s (162)"}
    plt.close("all")


def test_accuracy_across_draws_puts_each_draw_official_run_and_target_where_they_belong():
    draws = {"m5": [0.8, 0.9, 1.0], "baseline": [0.7, 0.8]}
    ax = plots.accuracy_across_draws(draws, official={"m5": [0.85]}, target=0.9)
    dots, stars, baseline_dots = ax.collections
    np.testing.assert_allclose(dots.get_offsets(), [[80, 1], [90, 1], [100, 1]])  # m5, the first model, on top
    np.testing.assert_allclose(stars.get_offsets(), [[85, 1]])
    np.testing.assert_allclose(baseline_dots.get_offsets(), [[70, 0], [80, 0]])
    means = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "-"]
    assert means == pytest.approx([90, 75])
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"] == [90]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["m5", "baseline"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == ["a draw", "mean", "official test split", "target 90%"]  # each once
    plt.close("all")


def test_tone_probe_maps_each_unit_to_its_share_of_its_peak():
    freqs = np.geomspace(100, 8000, 6)
    fig = plots.tone_probe(freqs, {"relu_1": np.outer(np.arange(6.0), [1.0, 2.0])}, titles={"relu_1": "block 1"})
    heat, colorbar = fig.axes
    assert heat.get_title() == "block 1" and heat.get_xscale() == "log" and colorbar.get_ylabel() == "share of its peak"
    np.testing.assert_allclose(heat.collections[0].get_array().reshape(2, 6)[:, -1], [1.0, 1.0])  # each unit's peak
    plt.close("all")


def test_sounds_draws_a_waveform_and_a_spectrogram_per_sound():
    fig = plots.sounds({"dog": np.zeros(16000), "cat": np.ones(16000) * 0.1})
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "dog" and len(fig.axes[1].images) == 1  # and 2 bars
    assert fig.axes[2].get_xlabel() == "time (s)" and fig.axes[3].get_xlabel() == "time (s)"
    plt.close("all")


@pytest.mark.parametrize("samples", [100, 16_000 * 3 + 7, 16_000 * 9 + 6_400])
def test_recording_overview_draws_any_length_on_one_time_axis(samples, rng):
    audio = 0.1 * rng.standard_normal(samples)
    windows = max(1, samples // 16_000)
    segments = [0.9] + [None] * (windows - 1)
    evidence = np.where(np.arange(windows)[:, None] == 0, rng.standard_normal((windows, 20)), np.nan)
    fig = plots.recording_overview(audio, segments, evidence, highlight=0)
    wave, prob, strip = fig.axes[:3]
    assert strip.get_xlabel() == "time (s)" and prob.get_ylabel() == "p(dog)"
    assert wave.get_xlim() == strip.get_xlim()  # one time axis
    assert strip.get_xlim()[1] == pytest.approx(max(samples / 16_000, windows))
    bars = prob.patches
    assert bars[0].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(plots.CLASS_COLORS[1]))


def test_recording_overview_of_hours_draws_a_few_artists(rng):
    windows = 7200  # two hours
    p = rng.uniform(0, 1, windows)
    segments = [None if i % 50 == 0 else float(v) for i, v in enumerate(p)]
    fig = plots.recording_overview(rng.uniform(0, 1, 720_000), segments, np.zeros((windows, 20)), sample_rate=100)
    prob = fig.axes[1]
    assert len(prob.patches) == 0 and len(prob.collections) == 3  # dog, cat and silent, each one outline
    assert prob.get_xlim()[1] == pytest.approx(7200)


def test_receptive_fields_draws_a_bar_per_layer_in_milliseconds():
    fields = {"relu_1": (80, 4), "relu_2": (124, 16), "gap": (16_000, 16_000)}
    ax = plots.receptive_fields(fields, {"relu_1": 80, "relu_2": 120})
    assert [round(b.get_width(), 3) for b in ax.patches] == [5.0, 7.75, 1000.0]
    assert ax.get_xlabel() == "time (ms, log scale)" and ax.get_ylim()[1] > 2  # relu_1 on top, gap at the bottom
    assert [t.get_text() for t in ax.get_yticklabels()] == ["relu_1", "relu_2", "gap"]


def test_recording_overview_of_twelve_hours_draws_the_evidence_in_groups(rng):
    windows = 43_200
    evidence = rng.standard_normal((windows, 20))
    evidence[::7] = np.nan
    fig = plots.recording_overview(np.ones(100), [0.7] * windows, evidence, sample_rate=100)
    mesh = fig.axes[2].collections[0]
    assert mesh.get_array().size <= 20_000 and fig.axes[2].get_xlim()[1] == pytest.approx(windows)


def test_candidates_draws_every_seed_and_a_chance_band_around_the_reference():
    rows = {"a (adopted)": [0.90, 0.92, 0.91], "b": [0.88, 0.89, 0.90], "m5": [0.905, 0.91, 0.908]}
    ax = plots.candidates(rows, reference="m5", seed_sd=0.015, adopted=("a (adopted)",), name_width=4)
    assert sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets")) == 9  # a dot per seed
    band = ax.patches[0]  # 2 standard errors of a difference of two 3-seed means: 2 * 1.5 * sqrt(2 / 3) points
    half = 2 * 1.5 * (2 / 3) ** 0.5
    assert band.get_x() == pytest.approx(90.767 - half, abs=1e-3) and band.get_width() == pytest.approx(2 * half)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a (…", "b", "m5"] and "(%)" in ax.get_xlabel()


def test_change_heatmap_writes_every_number_on_its_cell():
    changes = {"quieter": {"m5": 0.0, "original": -1.5}, "noise": {"m5": -2.0, "original": 4.0}}
    ax = plots.change_heatmap(changes)
    assert [t.get_text() for t in ax.texts] == ["+0.0", "-1.5", "-2.0", "+4.0"]
    image = ax.images[0]
    assert image.get_clim() == (-4.0, 4.0)  # centred on no change


def test_waveform_spectrogram_puts_every_clip_on_one_time_axis(synthetic_clips):
    fig = plots.waveform_spectrogram(synthetic_clips[:3], seconds=3)
    axes = fig.axes[:6]
    assert len(fig.axes) == 6 and all(ax.get_xlim() == (0, 3) for ax in axes)
    assert all(axes[i].get_ylim() == (-1, 1) for i in (0, 2, 4))  # one amplitude scale for every clip
    assert all(len(axes[i].images) == 1 and axes[i].get_ylabel() == "kHz" for i in (1, 3, 5))


def test_architecture_writes_each_block_with_its_shape_parameters_and_field():
    from types import SimpleNamespace as Block

    blocks = [Block(name="input", does="waveform, 1 s", steps=16000, channels=1, params=0, field=1),
              Block(name="block 1", does="conv", steps=8000, channels=10, params=90, field=4),
              Block(name="head", does="global average", steps=1, channels=1, params=11, field=16000)]  # fmt: skip
    fig = plots.architecture(blocks)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"block 1", "8,000 × 10", "90", "0.25 ms", "1000 ms", "101 in all"} <= texts
    plt.close(fig)


def test_all_layers_draws_one_heat_map_per_layer_per_network():
    acts = {"a": {"l1": np.zeros((8, 3)), "l2": np.ones((4, 3))}, "b": {"l1": np.zeros((8, 5))}}
    fig = plots.all_layers(acts)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3 and images[2].get_array().shape == (5, 8)  # filters up, time along
    plt.close(fig)


def test_filtered_copy_puts_input_and_output_on_one_millisecond_axis():
    x = np.arange(1000.0)
    out = np.stack([np.arange(500.0), -np.arange(500.0)], axis=1)  # steps 2 samples apart
    fig = plots.filtered_copy(x, out, jump=2, start=160, samples=320, filters=(0, 1))
    top, first = fig.axes[0].lines[0], fig.axes[1].lines[0]
    assert top.get_xdata()[0] == 10.0 and first.get_xdata()[0] == 10.0  # sample 160 = step 80 = 10 ms
    assert first.get_ydata()[0] == 80 and len(first.get_xdata()) == 160
    plt.close(fig)


def test_kernel_slide_computes_each_step_as_the_sum_of_products(tmp_path):
    x = np.sin(np.arange(100) / 3)
    kernel = np.array([1.0, -2.0, 0.5])
    fig, draw, n = plots.kernel_slide(x, kernel, stride=4)
    assert n == (100 - 3) // 4 + 1
    draw(5)
    grown = fig.axes[1].lines[0].get_ydata()
    assert len(grown) == 6 and grown[5] == pytest.approx(kernel @ x[20:23])
    assert fig.axes[0].patches[0].get_x() == pytest.approx(20 / 16)  # the span starts at sample 20, in ms
    path = plots.save_animation(fig, draw, range(0, n, 8), "slide.gif", img_dir=tmp_path)
    from PIL import Image

    assert Image.open(path).n_frames == len(range(0, n, 8))
    plt.close(fig)


def test_tone_probe_sorts_units_by_their_best_tone_silent_ones_last():
    freqs = np.array([100.0, 1000.0, 4000.0])
    r = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1.0]])  # unit 1 silent, then best at 4k, 1k, 100 Hz
    fig = plots.tone_probe(freqs, {"l": r})
    rows = fig.axes[0].collections[0].get_array().reshape(4, 3)
    assert [int(np.argmax(row)) if row.max() else -1 for row in rows] == [0, 1, 2, -1]
    assert fig.axes[0].get_ylabel() == "unit, by best tone"
    plt.close(fig)


def test_layer_differences_draws_a_bar_per_layer_on_a_log_scale():
    ax = plots.layer_differences({"conv_1": 1e-7, "relu_1": 0.0, "dense": 2e-6}, tolerance=1e-5)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [1e-7, 1e-18, 2e-6] and ax.get_yscale() == "log"  # an exact zero still shows
    assert [t.get_text() for t in ax.get_xticklabels()] == ["conv_1", "relu_1", "dense"]
    plt.close(ax.figure)


def test_learning_figures_draw_what_they_are_given():
    ax = plots.cross_entropy()
    dog, cat = (line.get_ydata() for line in ax.lines)
    assert dog[0] > 5 > dog[-1] and cat[0] < 0.01 < cat[-1]  # a sure dog costs nothing on a dog window
    ax = plots.one_weight(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5) ** 2, [(1.0, 1.0), (0.2, 0.04)], name="b")
    assert ax.lines[1].get_xdata().tolist() == [1.0, 0.2] and "b" in ax.get_xlabel()
    assert [t.get_text() for t in ax.texts] == ["start", "step 1"]  # the ends labelled, the crowded middle not
    ax = plots.gradient_differences({"float64": {"conv kernel": 1e-14}, "float32": {"conv kernel": 4e-3}})
    assert [p.get_height() for p in ax.patches] == [1e-14, 4e-3] and ax.get_yscale() == "log"
    ax = plots.loss_curves({"train": ([1, 2], [0.7, 0.5]), "validation": ([1, 2], [0.7, 0.6])}, mark=(2, "kept"))
    assert len(ax.lines) == 3 and ax.get_legend().get_texts()[1].get_text() == "validation"
    plt.close("all")


def test_frequency_response_grid_gives_each_filter_its_own_panel_on_one_scale():
    gain = np.stack([np.linspace(-10, 0, 5) * (i + 1) for i in range(7)])
    fig = plots.frequency_response_grid(np.linspace(0, 8000, 5), gain)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 7 and [ax.get_title() for ax in panels] == [f"filter {i}" for i in range(1, 8)]
    np.testing.assert_allclose(panels[3].lines[1].get_ydata(), gain[3])  # after the 0 dB line
    assert len({ax.get_ylim() for ax in panels}) == 1 and panels[-1].get_xlabel() == "kHz"
    plt.close(fig)


def test_sounds_label_each_spectrogram_with_a_colour_bar_in_db_below_the_peak(rng):
    fig = plots.sounds({"a": rng.standard_normal(16000), "b": rng.standard_normal(16000)})
    bars = [ax for ax in fig.axes if ax.get_ylabel() == "dB below peak"]
    assert len(bars) == 2 and [t.get_text() for t in bars[0].get_yticklabels()] == ["−80", "−40", "0"]
    plt.close(fig)


def test_layer_differences_name_each_layer_with_its_output_shape():
    ax = plots.layer_differences({"conv_1": 1e-7, "dense": 0.0}, shapes={"conv_1": (3996, 36), "dense": (1,)})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["conv_1\n3,996 × 36", "dense\n1"]
    plt.close(ax.figure)


def test_relevances_draws_each_slice_where_it_sits_scaled_to_its_method():
    x = np.zeros(16000, np.float32)
    by_method = {"occlusion": np.array([0.0, 2.0, 0.0, -1.0]), "input gradient": np.array([5.0, 0.0, 0.0, 0.0])}
    fig = plots.relevances(x, by_method, title="a window")
    waveform, occlusion, gradient = fig.axes
    assert waveform.get_title() == "a window" and occlusion.get_ylabel() == "occlusion"
    bars = occlusion.patches
    assert [round(b.get_x(), 3) for b in bars] == [0.0, 0.25, 0.5, 0.75]  # each 250-ms slice at its start
    assert [b.get_height() for b in bars] == [0.0, 1.0, 0.0, -0.5]  # scaled to the method's largest
    assert gradient.patches[0].get_height() == 1.0 and gradient.get_xlabel() == "time (s)"
    plt.close(fig)
