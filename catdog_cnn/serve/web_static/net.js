// The whole network in plain JavaScript. Each function mirrors one of catdog_cnn/serve/numpy_net.py, and the
// recording's answer mirrors catdog_cnn/serve/predict.py: the same windows, silence rule, scaling and vote.
// A tensor is {data: Float64Array, steps, channels}, its values row by row (step by step). The module is a
// function so that the page's worker (worker.js) can be built from its source and run the same code.
"use strict";

function netModule() {
  function tensor(steps, channels) {
    return { data: new Float64Array(steps * channels), steps, channels };
  }

  function decode(array) {  // {shape, data: base64 float32} to a Float64Array
    const bytes = Uint8Array.from(atob(array.data), (c) => c.charCodeAt(0));
    return { shape: array.shape, values: Float64Array.from(new Float32Array(bytes.buffer)) };
  }

  // A 1-D convolution with "same" padding: output step t is the bias plus the kernel times the `size` input
  // steps from t * stride, in the input padded so that there are ceil(steps / stride) outputs.
  function conv1d(x, kernel, bias, stride) {
    const [size, cin, cout] = kernel.shape;
    const steps = Math.ceil(x.steps / stride);
    const pad = Math.max((steps - 1) * stride + size - x.steps, 0);
    const left = Math.floor(pad / 2);
    const out = tensor(steps, cout);
    const k = kernel.values;
    for (let t = 0; t < steps; t++) {
      const row = out.data.subarray(t * cout, (t + 1) * cout);
      row.set(bias.values);
      for (let s = 0; s < size; s++) {
        const at = t * stride + s - left;
        if (at < 0 || at >= x.steps) continue;  // the padding is zeros
        for (let i = 0; i < cin; i++) {
          const v = x.data[at * cin + i];
          if (v === 0) continue;
          const w = (s * cin + i) * cout;
          for (let o = 0; o < cout; o++) row[o] += v * k[w + o];
        }
      }
    }
    return out;
  }

  // Batch normalization at inference: each channel shifted by its moving mean, divided by its moving
  // standard deviation, then scaled by gamma and shifted by beta.
  function batchNorm(x, gamma, beta, mean, variance, epsilon) {
    const out = tensor(x.steps, x.channels);
    for (let c = 0; c < x.channels; c++) {
      const scale = gamma.values[c] / Math.sqrt(variance.values[c] + epsilon);
      for (let t = 0; t < x.steps; t++) {
        const j = t * x.channels + c;
        out.data[j] = (x.data[j] - mean.values[c]) * scale + beta.values[c];
      }
    }
    return out;
  }

  function relu(x) {  // keep positive values, set negative ones to zero
    const out = tensor(x.steps, x.channels);
    for (let j = 0; j < x.data.length; j++) out.data[j] = Math.max(x.data[j], 0);
    return out;
  }

  function maxPool(x, size) {  // the largest of every `size` steps; a last incomplete group is dropped
    const out = tensor(Math.floor(x.steps / size), x.channels);
    for (let t = 0; t < out.steps; t++) {
      for (let c = 0; c < x.channels; c++) {
        let best = -Infinity;
        for (let s = 0; s < size; s++) best = Math.max(best, x.data[(t * size + s) * x.channels + c]);
        out.data[t * x.channels + c] = best;
      }
    }
    return out;
  }

  function logCompress(x) {  // log(1 + x)
    const out = tensor(x.steps, x.channels);
    for (let j = 0; j < x.data.length; j++) out.data[j] = Math.log1p(x.data[j]);
    return out;
  }

  function globalAverage(x) {  // the mean of every channel over time
    const out = tensor(1, x.channels);
    for (let t = 0; t < x.steps; t++) {
      for (let c = 0; c < x.channels; c++) out.data[c] += x.data[t * x.channels + c] / x.steps;
    }
    return out;
  }

  function sigmoidUnit(g, weights, bias) {  // p(dog) = 1 / (1 + exp(-logit)), logit = w . g + b
    let logit = bias.values[0];
    for (let c = 0; c < g.channels; c++) logit += weights.values[c] * g.data[c];
    const out = tensor(1, 1);
    out.data[0] = 1 / (1 + Math.exp(-logit));
    out.logit = logit;
    return out;
  }

  function apply(layer, x) {
    const a = layer.arrays, s = layer.settings;
    switch (layer.kind) {
      case "conv": return conv1d(x, a.kernel, a.bias, s.stride);
      case "bn": return batchNorm(x, a.gamma, a.beta, a.mean, a.variance, s.epsilon);
      case "relu": return relu(x);
      case "pool": return maxPool(x, s.size);
      case "log": return logCompress(x);
      case "gap": return globalAverage(x);
      case "dense": return sigmoidUnit(x, a.weights, a.bias);
      default: throw new Error(`no JavaScript version of layer kind ${layer.kind}`);
    }
  }

  // Every layer's output for one window (an array of `segment` samples), by layer name.
  function forward(model, window) {
    let x = tensor(window.length, 1);
    x.data.set(window);
    const out = {};
    for (const layer of model.layers) {
      x = apply(layer, x);
      out[layer.name] = x;
    }
    return out;
  }

  function fromNumbers(document) {  // a network whose arrays are lists of numbers (one trained in the page)
    const layers = document.layers.map((layer) => {
      const arrays = {};
      for (const [k, v] of Object.entries(layer.arrays)) arrays[k] = { shape: v.shape, values: Float64Array.from(v.values) };
      return { ...layer, arrays };
    });
    return { ...document, layers };
  }

  function load(document) {  // a network as models.js gives it, its arrays decoded
    const layers = document.layers.map((layer) => {
      const arrays = {};
      for (const [k, v] of Object.entries(layer.arrays)) arrays[k] = decode(v);
      return { ...layer, arrays };
    });
    return { ...document, layers };
  }

  // predict's rule for sound: a window is judged when, its offset removed, its RMS level reaches
  // silence_dbfs and at least min_sound_seconds of it, in frames each with its own offset removed, do too.
  function levelDbfs(x, from, to) {
    let mean = 0;
    for (let j = from; j < to; j++) mean += x[j];
    mean /= to - from;
    let power = 0;
    for (let j = from; j < to; j++) power += (x[j] - mean) ** 2;
    return 10 * Math.log10(power / (to - from));
  }

  function audible(model, x) {
    const frame = Math.max(1, Math.round(model.frame_seconds * model.sample_rate));
    let loudFrames = 0;
    for (let f = 0; f + frame <= x.length; f += frame) {
      if (levelDbfs(x, f, f + frame) >= model.silence_dbfs) loudFrames++;
    }
    const sound = (loudFrames * frame) / model.sample_rate;
    return levelDbfs(x, 0, x.length) >= model.silence_dbfs && sound >= model.min_sound_seconds - 1e-9;
  }

  function peakNormalize(x) {
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    return peak > 0 ? x.map((v) => v / peak) : x.slice();
  }

  const round4 = (v) => Math.round(v * 1e4) / 1e4;

  // A recording (Float32Array at 16 kHz) is cut into consecutive windows; one shorter than a window is padded
  // with zeros into one window.
  function windowCount(model, samples) {
    return Math.max(Math.floor(samples.length / model.segment), samples.length > 0 ? 1 : 0);
  }

  function windowAt(model, samples, w) {  // window w, clipped to [-1, 1], zero-padded at the end
    const n = model.segment, x = new Float64Array(n);
    const part = samples.subarray(w * n, Math.min((w + 1) * n, samples.length));
    for (let j = 0; j < part.length; j++) x[j] = Math.min(1, Math.max(-1, part[j]));
    return x;
  }

  // predict's answer for window w: whether it is audible and, if so, its p(dog) with the window scaled to its peak.
  function judge(model, samples, w) {
    const x = windowAt(model, samples, w);
    if (!audible(model, x)) return { audible: false, p: null };
    const out = forward(model, peakNormalize(x));
    return { audible: true, p: round4(out[model.layers[model.layers.length - 1].name].data[0]) };
  }

  // The recording's answer from its windows' answers: the mean p(dog) of the audible windows.
  function summarise(model, windows, length) {
    const heard = windows.filter((w) => w.audible).map((w) => w.p);
    const pDog = heard.length ? round4(heard.reduce((a, b) => a + b, 0) / heard.length) : null;
    return { windows, pDog, label: pDog === null ? null : pDog > 0.5 ? "dog" : "cat", seconds: length / model.sample_rate };
  }

  // A recording as predict answers it, all at once (the page's worker does the same window by window).
  function analyse(model, samples) {
    const windows = [];
    for (let w = 0; w < windowCount(model, samples); w++) windows.push(judge(model, samples, w));
    return summarise(model, windows, samples.length);
  }

  return { decode, conv1d, batchNorm, relu, maxPool, logCompress, globalAverage, sigmoidUnit, forward, load, fromNumbers, audible,
    peakNormalize, windowCount, windowAt, judge, summarise, analyse };
}

const Net = netModule();
