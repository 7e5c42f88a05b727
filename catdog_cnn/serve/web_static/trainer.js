// Watch it learn: a network of the original's or m5's shape, trained from random weights in a worker with the
// page's backward pass (learn.js, which mirrors catdog_cnn/nets/backprop.py), on the windows `export-web
// --training-windows N` packed into training.js. The page draws the loss, the validation accuracy and the first
// layer's kernels and their frequency responses as they form; paused, the network it learned joins the network
// menu, so every panel above can peel it.
"use strict";

function trainerMain() {
  const Net = netModule(), Learn = learnModule();
  const REPORT_MS = 150;  // progress at most this often
  const EVAL_EVERY = 25;  // steps between two scores on the validation windows
  // Batch normalization's statistics are tracked with momentum 0.9, not Keras' 0.99, so that the network scores
  // sensibly at inference after tens of steps instead of hundreds (lesson 10 shows the lag).
  const BN_MOMENTUM = 0.9;
  let data = null, layers = null, optimizer = null, next = null, running = false, step = 0, busyMs = 0;
  let generation = 0;  // which reset the network comes from: the page ignores messages about an older one
  let watched = 0;  // the validation window whose decision terms the page draws
  const losses = [];

  function decodeSide(side, segment) {  // 16-bit samples to one Float64Array per window
    const bytes = Uint8Array.from(atob(side.audio), (c) => c.charCodeAt(0));
    const all = new Int16Array(bytes.buffer), windows = [];
    for (let i = 0; i < side.labels.length; i++) {
      windows.push(Float64Array.from(all.subarray(i * segment, (i + 1) * segment), (v) => v / 32767));
    }
    return { windows, labels: side.labels };
  }

  function validationAccuracy() {  // at inference: batch normalization with its tracked statistics
    const model = { layers }, v = data.validation;
    let right = 0;
    v.windows.forEach((x, i) => {
      const out = Net.forward(model, x);
      right += (out[layers[layers.length - 1].name].data[0] > 0.5 ? 1 : 0) === v.labels[i] ? 1 : 0;
    });
    return right / v.windows.length;
  }

  // The decision for the watched validation window, term by term, as lesson 05 writes it: each pooled component
  // g_i times its weight w_i, and logit = the sum of the terms + the bias (batch norm with its tracked statistics).
  function terms() {
    const v = data.validation, at = Math.min(watched, v.windows.length - 1), out = Net.forward({ layers }, v.windows[at]);
    const dense = layers[layers.length - 1], g = out.gap.data, w = dense.arrays.weights.values;
    const contributions = Array.from(g, (gi, i) => gi * w[i]), bias = dense.arrays.bias.values[0];
    return { index: at, label: v.labels[at], contributions, bias, logit: contributions.reduce((a, b) => a + b, bias) };
  }

  function report(withScore) {
    const recent = losses.slice(-10);
    const first = layers.find((l) => l.kind === "conv").arrays.kernel;
    postMessage({
      type: "progress", generation, step, loss: losses[losses.length - 1], meanLoss: recent.reduce((a, b) => a + b, 0) / recent.length,
      stepsPerSecond: step / Math.max(busyMs / 1000, 1e-6), terms: terms(),
      valAccuracy: withScore ? validationAccuracy() : null, kernel: { shape: first.shape, values: Array.from(first.values) },
    });
  }

  function once() {
    const started = performance.now(), chosen = next(), { x, y } = Learn.gather(data.train.windows, data.train.labels, chosen);
    losses.push(Learn.trainStep(layers, x, y, optimizer, BN_MOMENTUM));
    step += 1;
    busyMs += performance.now() - started;
  }

  async function run() {
    let last = 0;
    while (running) {
      once();
      const score = step % EVAL_EVERY === 0;
      if (score || performance.now() - last > REPORT_MS) {
        report(score);
        last = performance.now();
        await new Promise((done) => setTimeout(done, 0));  // let a pause or a reset in
      }
    }
  }

  onmessage = ({ data: m }) => {
    if (m.type === "data") {
      data = { train: decodeSide(m.packed.train, m.packed.segment), validation: decodeSide(m.packed.validation, m.packed.segment) };
    } else if (m.type === "windows") {  // the learner's own two sounds, already cut and scaled by the page
      data = m.windows;
    } else if (m.type === "reset") {
      running = false;
      generation = m.generation;
      layers = Learn.initialLayers(Net.load(m.template), m.seed);
      optimizer = Learn.adam({ learningRate: m.learningRate });
      next = Learn.batches(data.train.labels, m.batchSize, m.seed);
      step = 0;
      busyMs = 0;
      losses.length = 0;
      const first = layers.find((l) => l.kind === "conv").arrays.kernel;
      watched = m.watched || 0;
      postMessage({ type: "reset", generation, valAccuracy: validationAccuracy(), terms: terms(),
        kernel: { shape: first.shape, values: Array.from(first.values) } });
    } else if (m.type === "run" && !running) {
      running = true;
      run();
    } else if (m.type === "pause") {
      running = false;
      if (step) report(true);
      postMessage({ type: "network", generation, step, layers: layers.map((l) => ({ ...l, arrays: Object.fromEntries(
        Object.entries(l.arrays).map(([k, v]) => [k, { shape: v.shape, values: Array.from(v.values) }])) })) });
    } else if (m.type === "watch" && layers) {
      watched = m.index;
      postMessage({ type: "terms", generation, terms: terms() });
    } else if (m.type === "step" && !running) {
      once();
      report(true);
    }
  };
}

const TRAINED_NAME = "trained in this page";

const OWN_SECONDS = 10;  // recorded for each of the learner's own sounds
const OWN_VALIDATION_EVERY = 4;  // every 4th window of each own sound is held out for validation

// The learner's two sounds cut as predict cuts a recording: consecutive seconds, those that hold sound, each
// scaled to its peak; every OWN_VALIDATION_EVERY-th window of each sound is kept for validation.
function ownWindows(model, sounds) {
  const out = { train: { windows: [], labels: [] }, validation: { windows: [], labels: [] } };
  sounds.forEach((samples, label) => {
    let kept = 0;
    for (let w = 0; w < Net.windowCount(model, samples); w++) {
      const x = Net.windowAt(model, samples, w);
      if (!Net.audible(model, x)) continue;
      const side = kept % OWN_VALIDATION_EVERY === OWN_VALIDATION_EVERY - 1 ? out.validation : out.train;
      side.windows.push(Net.peakNormalize(x));
      side.labels.push(label);
      kept += 1;
    }
  });
  return out;
}

function trainingPanel(explorer) {
  const packed = window.CATDOG_TRAINING;
  const $ = (id) => document.getElementById(id);
  $("train").hidden = false;
  for (const name of window.CATDOG_MODEL_NAMES) {
    $("train-shape").add(new Option(`the shape of ${name}, random weights`, name, false, name === "original"));
  }
  if (packed) {
    $("train-source").add(new Option(`${packed.train.labels.length} training and ${packed.validation.labels.length} validation windows of the dataset`, "packed", false, true));
  }
  $("train-source").add(new Option("two sounds of your own", "own", false, !packed));
  const source = `"use strict";\n${netModule.toString()}\n${learnModule.toString()}\n${trainerMain.toString()}\ntrainerMain();\n`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
  const sounds = [null, null];
  let ready = false;

  function useSource() {  // hand the worker the windows chosen, then start again from random weights
    const own = $("train-source").value === "own";
    $("own").hidden = !own;
    ready = false;
    const watchable = (n) => { $("train-watch-count").textContent = String(n); $("train-watch").max = String(n); };
    if (!own) {
      worker.postMessage({ type: "data", packed });
      watchable(packed.validation.labels.length);
      ready = true;
    } else if (sounds[0] && sounds[1]) {
      const windows = ownWindows(explorer.model(), sounds);
      const counts = [0, 1].map((c) => windows.train.labels.filter((l) => l === c).length + windows.validation.labels.filter((l) => l === c).length);
      if (Math.min(...counts) < 2 || windows.validation.labels.length === 0) {
        $("own-status").textContent = `each sound needs at least 2 seconds that hold sound (now ${counts.join(" and ")}); record or open longer ones`;
      } else {
        worker.postMessage({ type: "windows", windows });
        watchable(windows.validation.labels.length);
        $("own-status").textContent = `${windows.train.labels.length} training and ${windows.validation.labels.length} validation windows of your two sounds`;
        ready = true;
      }
    } else {
      $("own-status").textContent = "give it both sounds: open a file or record for each";
    }
    reset();
  }

  async function setSound(k, samples, what) {
    sounds[k] = samples;
    $(`own-count-${k}`).textContent = `${what}: ${(samples.length / 16000).toFixed(1)} s`;
    useSource();
  }

  for (const k of [0, 1]) {
    $(`own-file-${k}`).addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      try {
        const channels = await explorer.decodeFile(file);
        const mono = Float32Array.from(channels[0], (_, j) => channels.reduce((a, c) => a + c[j], 0) / channels.length);
        await setSound(k, mono, file.name);
      } catch (error) {
        $(`own-count-${k}`).textContent = `${file.name}: your browser could not decode it as sound`;
      }
    });
    $(`own-record-${k}`).addEventListener("click", async () => {
      const button = $(`own-record-${k}`);
      button.disabled = true;
      try {
        const x = await explorer.captureMicrophone(OWN_SECONDS, (left) => { button.textContent = `recording… ${left} s`; });
        await setSound(k, x, "your recording");
      } catch (error) {
        $(`own-count-${k}`).textContent = `the microphone could not be used: ${error.message}`;
      } finally {
        button.disabled = false;
        button.textContent = `record ${OWN_SECONDS} s`;
      }
    });
  }
  const history = { step: [], loss: [], scoredAt: [], accuracy: [] };
  let running = false, generation = 0;

  function reset() {
    running = false;
    generation += 1;
    $("train-start").disabled = $("train-once").disabled = !ready;
    $("train-start").textContent = "train";
    history.step.length = history.loss.length = history.scoredAt.length = history.accuracy.length = 0;
    startKernel = null;
    if (!ready) return;  // no windows to train on yet
    const template = window.CATDOG_MODELS[$("train-shape").value];
    worker.postMessage({ type: "reset", generation, template, seed: Number($("train-seed").value), learningRate: Number($("train-rate").value),
      batchSize: Number($("train-batch").value), watched: Math.max(0, Number($("train-watch").value) - 1) });
    $("train-compare").disabled = true;
    $("train-compared").textContent = "";
    $("train-step").textContent = "0";
    $("train-loss").textContent = "–";
    $("train-val-accuracy").textContent = "–";  // until the worker has scored the fresh network
    $("train-speed").textContent = "";
  }

  worker.onmessage = ({ data: m }) => {
    if (m.generation !== generation) return;  // about a network already thrown away
    if (m.terms) drawTerms(m.terms);
    if (m.type === "reset") {
      history.scoredAt.push(0);
      history.accuracy.push(m.valAccuracy);
      $("train-val-accuracy").textContent = m.valAccuracy.toFixed(3);
      startKernel = m.kernel;
      draw(m.kernel);
    } else if (m.type === "progress") {
      history.step.push(m.step);
      history.loss.push(m.meanLoss);
      $("train-step").textContent = String(m.step);
      $("train-loss").textContent = m.meanLoss.toFixed(4);
      if (m.valAccuracy !== null) {
        history.scoredAt.push(m.step);
        history.accuracy.push(m.valAccuracy);
        $("train-val-accuracy").textContent = m.valAccuracy.toFixed(3);
      }
      $("train-speed").textContent = `${m.stepsPerSecond.toFixed(1)} steps a second`;
      draw(m.kernel);
    } else if (m.type === "network" && m.step && $("train-source").value === "packed") {  // a cat-or-dog network
      explorer.addModel(TRAINED_NAME, { ...window.CATDOG_MODELS[$("train-shape").value], layers: m.layers }, m.step);
      $("train-compare").disabled = false;
    }
  };

  function drawTerms(t) {  // the watched window's decision: a bar per component, w_i × g_i, in logit units
    const canvas = $("train-terms"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const names = $("train-source").value === "own" ? ["sound 1", "sound 2"] : ["cat", "dog"];
    const left = 50, right = w - 10, mid = h / 2 + 6, half = h / 2 - 22, n = t.contributions.length;
    const scale = Math.max(...t.contributions.map(Math.abs), 1e-9), bar = (right - left) / n;
    ctx.font = "12px system-ui"; ctx.fillStyle = "#333";
    const signed = (v) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2)}`, says = t.logit > 0 ? 1 : 0;
    ctx.fillText(`window ${t.index + 1} (really ${names[t.label]}): logit ${signed(t.logit)} = bars ${signed(t.logit - t.bias)}`
      + ` + bias ${signed(t.bias)} → says ${names[says]}, p(${names[1]}) ${(1 / (1 + Math.exp(-t.logit))).toFixed(2)}: `
      + `${says === t.label ? "right" : "wrong"}`, 6, 12);
    ctx.fillText(`+${scale.toFixed(2)}`, 4, mid - half + 4);
    ctx.fillText(`−${scale.toFixed(2)}`, 4, mid + half);
    ctx.strokeStyle = "#999"; ctx.beginPath(); ctx.moveTo(left, mid); ctx.lineTo(right, mid); ctx.stroke();
    t.contributions.forEach((c, i) => {
      ctx.fillStyle = c >= 0 ? "#1f77b4" : "#ff7f0e";
      const height = (half * c) / scale;
      ctx.fillRect(left + i * bar + 1, c >= 0 ? mid - height : mid, Math.max(bar - 2, 1), Math.abs(height));
    });
    $("train-logit").textContent = t.logit.toFixed(4);
  }

  let startKernel = null;  // the first layer's kernels at step 0, drawn in grey behind the current ones

  function draw(kernel) {
    drawLoss();
    if (kernel) {
      if (!startKernel) startKernel = kernel;
      drawKernels(kernel);
    }
  }

  function drawLoss() {
    const canvas = $("train-chart"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const left = 50, right = w - 50, top = 12, bottom = h - 28;
    const last = Math.max(history.step[history.step.length - 1] || 1, 1);
    const top1 = 1.05 * Math.max(...history.loss, 0.8);
    ctx.strokeStyle = "#999"; ctx.strokeRect(left, top, right - left, bottom - top);
    ctx.setLineDash([4, 4]);
    const guessLoss = bottom - ((bottom - top) * Math.LN2) / top1, guessAccuracy = bottom - (bottom - top) * 0.5;
    ctx.strokeStyle = "#9cc3e0"; ctx.beginPath(); ctx.moveTo(left, guessLoss); ctx.lineTo(right, guessLoss); ctx.stroke();
    ctx.strokeStyle = "#f5c08a"; ctx.beginPath(); ctx.moveTo(left, guessAccuracy); ctx.lineTo(right, guessAccuracy); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#333"; ctx.font = "12px system-ui";
    ctx.fillText("loss (mean of the last 10 batches); dashed: guessing", left + 6, bottom - 22);
    ctx.fillText(`step ${last}`, right - 60, h - 10);
    ctx.fillText("0", left - 14, bottom + 4);
    ctx.fillText(top1.toFixed(1), left - 34, top + 10);
    ctx.strokeStyle = "#1f77b4"; ctx.beginPath();
    history.step.forEach((s, i) => {
      const x = left + ((right - left) * s) / last, y = bottom - ((bottom - top) * history.loss[i]) / top1;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = "#ff7f0e";
    ctx.fillText("validation accuracy (right axis, 0 to 1)", left + 6, bottom - 6);
    ctx.fillText("1", right + 6, top + 10);
    ctx.fillText("0", right + 6, bottom + 4);
    history.scoredAt.forEach((s, i) => {
      const x = left + ((right - left) * s) / last, y = bottom - (bottom - top) * history.accuracy[i];
      ctx.fillRect(x - 3, y - 3, 6, 6);
    });
  }

  function drawKernels(kernel) {  // each first-layer kernel and its frequency response, |H(f)| in dB
    lastKernel = kernel;
    const [size, , cout] = kernel.shape, shown = Math.min(cout, 8);
    const canvas = $("train-kernels"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const cell = w / shown, rows = [12, h / 2 + 6];
    ctx.font = "12px system-ui"; ctx.fillStyle = "#333";
    ctx.fillText("kernels: weights over their taps (grey: step 0); click one to hear noise through it", 6, 12);
    ctx.fillText("frequency responses, 0 to 8 kHz (top: 0 dB; bottom: −40 dB or below)", 6, h / 2 + 2);
    for (let f = 0; f < shown; f++) {
      const weights = Array.from({ length: size }, (_, s) => kernel.values[s * cout + f]);
      const before = startKernel ? Array.from({ length: size }, (_, s) => startKernel.values[s * cout + f]) : weights;
      const peak = Math.max(...weights.map(Math.abs), ...before.map(Math.abs), 1e-9), x0 = f * cell + 8, width = cell - 16;
      ctx.strokeStyle = "#ddd"; ctx.beginPath(); ctx.moveTo(x0, rows[0] + 50); ctx.lineTo(x0 + width, rows[0] + 50); ctx.stroke();
      for (const [line, color] of [[before, "#bbb"], [weights, "#333"]]) {
        ctx.strokeStyle = color; ctx.beginPath();
        line.forEach((v, s) => {
          const x = x0 + (width * s) / Math.max(size - 1, 1), y = rows[0] + 50 - (36 * v) / peak;
          if (s === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        });
        ctx.stroke();
      }
      ctx.strokeStyle = "#1f77b4"; ctx.beginPath();
      const gains = [];
      for (let k = 0; k <= 64; k++) {
        let re = 0, im = 0;
        for (let s = 0; s < size; s++) { re += weights[s] * Math.cos((Math.PI * k * s) / 64); im -= weights[s] * Math.sin((Math.PI * k * s) / 64); }
        gains.push(10 * Math.log10(re * re + im * im + 1e-12));
      }
      const best = Math.max(...gains);
      gains.forEach((g, k) => {
        const x = x0 + (width * k) / 64, y = rows[1] + 16 + Math.min(78, (-(g - best) / 40) * 78);
        if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
  }

  let audio = null, lastKernel = null;
  function playKernel(f) {  // one second of white noise through kernel f: what the filter lets through
    const [size, , cout] = lastKernel.shape, n = 16000, noise = new Float32Array(n + size), out = new Float32Array(n);
    let seed = 1;
    for (let j = 0; j < noise.length; j++) { seed = (seed * 16807) % 2147483647; noise[j] = seed / 1073741823.5 - 1; }
    let peak = 0;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let s2 = 0; s2 < size; s2++) sum += lastKernel.values[s2 * cout + f] * noise[j + s2];
      out[j] = sum;
      peak = Math.max(peak, Math.abs(sum));
    }
    for (let j = 0; j < n; j++) out[j] = peak > 0 ? (0.8 * out[j]) / peak : 0;
    audio = audio || new AudioContext();
    const buffer = audio.createBuffer(1, n, 16000), source = audio.createBufferSource();
    buffer.copyToChannel(out, 0);
    source.buffer = buffer;
    source.connect(audio.destination);
    source.start();
    document.body.dataset.kernelPlayed = `${f}`;
  }
  $("train-kernels").addEventListener("click", (event) => {
    if (!lastKernel) return;
    const box = $("train-kernels").getBoundingClientRect(), shown = Math.min(lastKernel.shape[2], 8);
    playKernel(Math.min(shown - 1, Math.floor(((event.clientX - box.left) / box.width) * shown)));
  });

  $("train-compare").addEventListener("click", async () => {
    const shipped = $("train-shape").value;
    $("train-compared").textContent = "answering the recording above with both networks…";
    const answer = await explorer.compare([TRAINED_NAME, shipped]);
    if (!answer) {
      $("train-compared").textContent = "open, drop or record a recording in section 1 first; then compare";
      return;
    }
    const say = (a) => (a.pDog === null ? "nothing audible" : `${a.label}, p(dog) ${a.pDog.toFixed(4)}`);
    $("train-compared").textContent = `${answer.source}: the network trained here says ${say(answer[TRAINED_NAME])}; `
      + `the shipped ${shipped} says ${say(answer[shipped])}`;
  });

  $("train-start").addEventListener("click", () => {
    running = !running;
    $("train-start").textContent = running ? "pause" : "train";
    worker.postMessage({ type: running ? "run" : "pause" });
  });
  $("train-once").addEventListener("click", () => { if (!running) worker.postMessage({ type: "step" }); });
  $("train-reset").addEventListener("click", reset);
  for (const id of ["train-shape", "train-seed", "train-rate", "train-batch"]) $(id).addEventListener("change", reset);
  $("train-watch").addEventListener("change", () => worker.postMessage({ type: "watch", generation,
    index: Math.max(0, Number($("train-watch").value) - 1) }));
  $("train-source").addEventListener("change", useSource);
  useSource();
  return worker;
}
