// How the network learns, in plain JavaScript: each function mirrors one of catdog_cnn/nets/backprop.py, so the page
// trains with the same arithmetic the lesson "How it learns" builds in NumPy. A batch is
// {data: Float64Array, n, steps, channels}, window by window, step by step, channel by channel. The module is a
// function so that the page's worker can be built from its source.
"use strict";

function learnModule() {
  const BN_MOMENTUM = 0.99, BN_EPSILON = 1e-3;  // Keras' defaults, as backprop.py
  const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

  // A training step's large arrays are kept for the next step: a fresh array of megabytes costs more to get from
  // the system than to fill with zeros, and every step asks for the same sizes.
  let taken = null;  // the arrays the running step took, or null outside a step
  let spare = new Map();  // length: arrays the last step used, free to reuse

  function zeros(length) {
    if (taken === null) return new Float64Array(length);
    const free = spare.get(length), data = free && free.length ? free.pop().fill(0) : new Float64Array(length);
    taken.push(data);
    return data;
  }

  function reusingArrays(work) {  // runs work() with zeros() drawing on the last step's arrays
    taken = [];
    try {
      return work();
    } finally {
      spare = new Map();
      for (const data of taken) {
        if (!spare.has(data.length)) spare.set(data.length, []);
        spare.get(data.length).push(data);
      }
      taken = null;
    }
  }

  function batch(n, steps, channels) {
    return { data: zeros(n * steps * channels), n, steps, channels };
  }

  // A seeded random number generator (mulberry32): the same seed gives the same run in every browser.
  function random(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function array(shape, values) {
    return { shape, values: values || new Float64Array(shape.reduce((a, b) => a * b, 1)) };
  }

  function glorot(rand, shape, fanIn, fanOut) {  // uniform in +-sqrt(6 / (fan in + fan out)), as Keras starts
    const limit = Math.sqrt(6 / (fanIn + fanOut)), out = array(shape);
    for (let j = 0; j < out.values.length; j++) out.values[j] = (2 * rand() - 1) * limit;
    return out;
  }

  // A network of the shape of `model` (its layers' kinds and settings) with random weights, as Keras starts it:
  // Glorot-uniform kernels and dense weights, zero biases, gamma 1, beta 0, moving mean 0 and variance 1.
  function initialLayers(model, seed) {
    const rand = random(seed);
    let channels = 1;
    return model.layers.map((layer) => {
      const a = layer.arrays, fresh = {};
      if (layer.kind === "conv") {
        const [size, , out] = a.kernel.shape;
        fresh.kernel = glorot(rand, [size, channels, out], size * channels, size * out);
        fresh.bias = array([out]);
        channels = out;
      } else if (layer.kind === "bn") {
        const c = a.gamma.shape[0];
        fresh.gamma = array([c], new Float64Array(c).fill(1));
        fresh.beta = array([c]);
        fresh.mean = array([c]);
        fresh.variance = array([c], new Float64Array(c).fill(1));
      } else if (layer.kind === "dense") {
        fresh.weights = glorot(rand, [channels], channels, 1);
        fresh.bias = array([1]);
      }
      return { ...layer, arrays: fresh };
    });
  }

  // ---- each layer forward (training mode) and backward ---------------------------------------------------
  function padding(stepsIn, size, stride) {  // Keras' "same": steps out and zeros on the left
    const steps = Math.ceil(stepsIn / stride);
    return { steps, left: Math.floor(Math.max((steps - 1) * stride + size - stepsIn, 0) / 2) };
  }

  // With channels last, the inputs output step t meets are one run of the input, from step t * stride - left:
  // each output is the bias plus a dot product of that run with the kernel, in the order NumPy sums it.
  function convForward(x, kernel, bias, stride) {
    const [size, cin, cout] = kernel.shape, k = kernel.values, span = size * cin;
    const { steps, left } = padding(x.steps, size, stride);
    const out = batch(x.n, steps, cout), od = out.data, xd = x.data, bv = bias.values;
    const kt = new Float64Array(span * cout);  // kernel by output channel: kt[o * span + j] = k[j * cout + o]
    for (let j = 0; j < span; j++) for (let o = 0; o < cout; o++) kt[o * span + j] = k[j * cout + o];
    for (let b = 0; b < x.n; b++) {
      for (let t = 0; t < steps; t++) {
        const o0 = (b * steps + t) * cout, at = t * stride - left;
        const first = Math.max(0, -at), last = Math.min(size, x.steps - at);  // taps inside the window
        const i0 = (b * x.steps + at) * cin, j0 = first * cin, j1 = last * cin;
        let o = 0;
        for (; o + 4 <= cout; o += 4) {  // four outputs at once: four independent sums keep the processor busy
          const ka = o * span, kb = ka + span, kc = kb + span, kd = kc + span;
          let s0 = bv[o], s1 = bv[o + 1], s2 = bv[o + 2], s3 = bv[o + 3];
          for (let j = j0; j < j1; j++) {
            const v = xd[i0 + j];
            s0 += v * kt[ka + j];
            s1 += v * kt[kb + j];
            s2 += v * kt[kc + j];
            s3 += v * kt[kd + j];
          }
          od[o0 + o] = s0;
          od[o0 + o + 1] = s1;
          od[o0 + o + 2] = s2;
          od[o0 + o + 3] = s3;
        }
        for (; o < cout; o++) {
          const ko = o * span;
          let sum = bv[o];
          for (let j = j0; j < j1; j++) sum += xd[i0 + j] * kt[ko + j];
          od[o0 + o] = sum;
        }
      }
    }
    return out;
  }

  // Output step t is the bias plus the sum over s of kernel[s] times input step t * stride + s - left: a
  // weight's gradient sums dy times the inputs it met, an input's gradient dy times the weights that met it.
  function convBackward(x, kernel, stride, dy) {
    const [size, cin, cout] = kernel.shape, k = kernel.values;
    const { steps, left } = padding(x.steps, size, stride);
    const dx = batch(x.n, x.steps, cin), dk = array([size, cin, cout]), db = array([cout]);
    const xd = x.data, dxd = dx.data, dyd = dy.data, dkv = dk.values, dbv = db.values;
    for (let b = 0; b < x.n; b++) {
      for (let t = 0; t < steps; t++) {
        const o0 = (b * steps + t) * cout, at = t * stride - left;
        for (let o = 0; o < cout; o++) dbv[o] += dyd[o0 + o];
        const first = Math.max(0, -at), last = Math.min(size, x.steps - at);
        const i0 = (b * x.steps + at) * cin, j1 = last * cin;
        let j = first * cin;
        for (; j + 4 <= j1; j += 4) {  // four inputs at once: four independent sums keep the processor busy
          const va = xd[i0 + j], vb = xd[i0 + j + 1], vc = xd[i0 + j + 2], vd = xd[i0 + j + 3];
          const wa = j * cout, wb = wa + cout, wc = wb + cout, wd = wc + cout;
          let sa = 0, sb = 0, sc = 0, sd = 0;
          for (let o = 0; o < cout; o++) {
            const g = dyd[o0 + o];
            dkv[wa + o] += va * g;
            dkv[wb + o] += vb * g;
            dkv[wc + o] += vc * g;
            dkv[wd + o] += vd * g;
            sa += k[wa + o] * g;
            sb += k[wb + o] * g;
            sc += k[wc + o] * g;
            sd += k[wd + o] * g;
          }
          dxd[i0 + j] += sa;
          dxd[i0 + j + 1] += sb;
          dxd[i0 + j + 2] += sc;
          dxd[i0 + j + 3] += sd;
        }
        for (; j < j1; j++) {
          const v = xd[i0 + j], w = j * cout;
          let sum = 0;
          for (let o = 0; o < cout; o++) {
            const g = dyd[o0 + o];
            dkv[w + o] += v * g;
            sum += k[w + o] * g;
          }
          dxd[i0 + j] += sum;
        }
      }
    }
    return { dx, dkernel: dk, dbias: db };
  }

  // Training mode: each channel scaled by this batch's mean and variance, over windows and steps.
  function bnForward(x, gamma, beta, epsilon) {
    const c = x.channels, m = x.n * x.steps, d = x.data, mean = new Float64Array(c), variance = new Float64Array(c);
    for (let j = 0; j < d.length; j += c) for (let ch = 0; ch < c; ch++) mean[ch] += d[j + ch];
    for (let ch = 0; ch < c; ch++) mean[ch] /= m;
    for (let j = 0; j < d.length; j += c) for (let ch = 0; ch < c; ch++) { const e = d[j + ch] - mean[ch]; variance[ch] += e * e; }
    const scale = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) { variance[ch] /= m; scale[ch] = 1 / Math.sqrt(variance[ch] + epsilon); }
    const normalized = batch(x.n, x.steps, c), out = batch(x.n, x.steps, c), nd = normalized.data, od = out.data;
    const g = gamma.values, b = beta.values;
    for (let j = 0; j < d.length; j += c) {
      for (let ch = 0; ch < c; ch++) {
        const v = (d[j + ch] - mean[ch]) * scale[ch];
        nd[j + ch] = v;
        od[j + ch] = v * g[ch] + b[ch];
      }
    }
    return { out, normalized, mean, variance };
  }

  // Every value of a channel moved its batch's mean and variance: two more terms than a plain scale.
  function bnBackward(dy, normalized, variance, gamma, epsilon) {
    const c = dy.channels, m = dy.n * dy.steps, d = dy.data, nd = normalized.data, g = gamma.values;
    const sumD = new Float64Array(c), sumDN = new Float64Array(c), dgamma = array([c]), dbeta = array([c]);
    for (let j = 0; j < d.length; j += c) {
      for (let ch = 0; ch < c; ch++) {
        const v = d[j + ch], n = nd[j + ch];
        dgamma.values[ch] += v * n;
        dbeta.values[ch] += v;
      }
    }
    for (let ch = 0; ch < c; ch++) { sumD[ch] = dbeta.values[ch] * g[ch]; sumDN[ch] = dgamma.values[ch] * g[ch]; }
    const dx = batch(dy.n, dy.steps, c), xd = dx.data, scale = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) scale[ch] = 1 / Math.sqrt(variance[ch] + epsilon);
    for (let j = 0; j < d.length; j += c) {
      for (let ch = 0; ch < c; ch++) {
        xd[j + ch] = (d[j + ch] * g[ch] - sumD[ch] / m - (nd[j + ch] * sumDN[ch]) / m) * scale[ch];
      }
    }
    return { dx, dgamma, dbeta };
  }

  function relu(x) {
    const out = batch(x.n, x.steps, x.channels), d = x.data, o = out.data;
    for (let j = 0; j < d.length; j++) o[j] = d[j] > 0 ? d[j] : 0;
    return out;
  }

  function logCompress(x) {
    const out = batch(x.n, x.steps, x.channels), d = x.data, o = out.data;
    for (let j = 0; j < d.length; j++) o[j] = Math.log1p(d[j]);
    return out;
  }

  function reluBackward(x, dy) {  // the gradient passes where the input was positive
    const out = batch(dy.n, dy.steps, dy.channels), d = dy.data, o = out.data, xd = x.data;
    for (let j = 0; j < d.length; j++) o[j] = xd[j] > 0 ? d[j] : 0;
    return out;
  }

  function logBackward(x, dy) {  // d log(1 + x) / dx = 1 / (1 + x)
    const out = batch(dy.n, dy.steps, dy.channels), d = dy.data, o = out.data, xd = x.data;
    for (let j = 0; j < d.length; j++) o[j] = d[j] / (1 + xd[j]);
    return out;
  }

  function maxPoolForward(x, size) {
    const steps = Math.floor(x.steps / size), c = x.channels, out = batch(x.n, steps, c);
    for (let b = 0; b < x.n; b++) {
      for (let t = 0; t < steps; t++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          for (let s = 0; s < size; s++) best = Math.max(best, x.data[(b * x.steps + t * size + s) * c + ch]);
          out.data[(b * steps + t) * c + ch] = best;
        }
      }
    }
    return out;
  }

  function maxPoolBackward(x, size, dy) {  // only the largest of each group (the first, on a tie) gets its gradient
    const c = x.channels, dx = batch(x.n, x.steps, c);
    for (let b = 0; b < x.n; b++) {
      for (let t = 0; t < dy.steps; t++) {
        for (let ch = 0; ch < c; ch++) {
          let winner = 0, best = -Infinity;
          for (let s = 0; s < size; s++) {
            const v = x.data[(b * x.steps + t * size + s) * c + ch];
            if (v > best) { best = v; winner = s; }
          }
          dx.data[(b * x.steps + t * size + winner) * c + ch] = dy.data[(b * dy.steps + t) * c + ch];
        }
      }
    }
    return dx;
  }

  function gapForward(x) {
    const c = x.channels, out = batch(x.n, 1, c);
    for (let b = 0; b < x.n; b++) {
      for (let t = 0; t < x.steps; t++) {
        for (let ch = 0; ch < c; ch++) out.data[b * c + ch] += x.data[(b * x.steps + t) * c + ch] / x.steps;
      }
    }
    return out;
  }

  function gapBackward(x, dg) {  // every step receives 1/steps of its channel's gradient
    const out = batch(x.n, x.steps, x.channels), c = x.channels, o = out.data;
    for (let b = 0; b < x.n; b++) {
      for (let t = 0; t < x.steps; t++) {
        for (let ch = 0; ch < c; ch++) o[(b * x.steps + t) * c + ch] = dg.data[b * c + ch] / x.steps;
      }
    }
    return out;
  }

  function denseForward(g, weights, bias) {  // one logit per window: g . w + b
    const logit = new Float64Array(g.n);
    for (let b = 0; b < g.n; b++) {
      logit[b] = bias.values[0];
      for (let c = 0; c < g.channels; c++) logit[b] += g.data[b * g.channels + c] * weights.values[c];
    }
    return logit;
  }

  function denseBackward(g, weights, dlogit) {
    const dg = batch(g.n, 1, g.channels), dw = array([g.channels]), db = array([1]);
    for (let b = 0; b < g.n; b++) {
      db.values[0] += dlogit[b];
      for (let c = 0; c < g.channels; c++) {
        dg.data[b * g.channels + c] = dlogit[b] * weights.values[c];
        dw.values[c] += g.data[b * g.channels + c] * dlogit[b];
      }
    }
    return { dg, dweights: dw, dbias: db };
  }

  // The mean of -[y log p + (1 - y) log(1 - p)], p = sigmoid(logit), computed from the logit, and dL/dlogit.
  function binaryCrossEntropy(logit, y) {
    let loss = 0;
    const dlogit = new Float64Array(logit.length);
    for (let b = 0; b < logit.length; b++) {
      const z = logit[b];
      loss += Math.max(z, 0) - z * y[b] + Math.log1p(Math.exp(-Math.abs(z)));
      dlogit[b] = (1 / (1 + Math.exp(-z)) - y[b]) / logit.length;
    }
    return { loss: loss / logit.length, dlogit };
  }

  // ---- the whole network -----------------------------------------------------------------------------------
  function forwardTrain(layers, x) {  // x: a batch (n windows of `steps` samples, one channel)
    const pass = { inputs: [], bn: {}, logit: null };
    let h = x;
    for (const layer of layers) {
      pass.inputs.push(h);
      const a = layer.arrays, s = layer.settings || {};
      if (layer.kind === "conv") h = convForward(h, a.kernel, a.bias, s.stride);
      else if (layer.kind === "bn") {
        const r = bnForward(h, a.gamma, a.beta, s.epsilon);
        pass.bn[layer.name] = r;
        h = r.out;
      } else if (layer.kind === "relu") h = relu(h);
      else if (layer.kind === "pool") h = maxPoolForward(h, s.size);
      else if (layer.kind === "log") h = logCompress(h);
      else if (layer.kind === "gap") h = gapForward(h);
      else if (layer.kind === "dense") pass.logit = denseForward(h, a.weights, a.bias);
      else throw new Error(`no backward pass for layer kind ${layer.kind}`);
    }
    return pass;
  }

  function backward(layers, pass, dlogit) {  // every weight's gradient, from dL/dlogit back to the first kernel
    const grads = {};
    let d = dlogit;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i], x = pass.inputs[i], a = layer.arrays, s = layer.settings || {};
      if (layer.kind === "dense") {
        const r = denseBackward(x, a.weights, d);
        grads[layer.name] = { weights: r.dweights, bias: r.dbias };
        d = r.dg;
      } else if (layer.kind === "gap") d = gapBackward(x, d);
      else if (layer.kind === "log") d = logBackward(x, d);
      else if (layer.kind === "pool") d = maxPoolBackward(x, s.size, d);
      else if (layer.kind === "relu") d = reluBackward(x, d);
      else if (layer.kind === "bn") {
        const { normalized, variance } = pass.bn[layer.name];
        const r = bnBackward(d, normalized, variance, a.gamma, s.epsilon);
        grads[layer.name] = { gamma: r.dgamma, beta: r.dbeta };
        d = r.dx;
      } else if (layer.kind === "conv") {
        const r = convBackward(x, a.kernel, s.stride, d);
        grads[layer.name] = { kernel: r.dkernel, bias: r.dbias };
        d = r.dx;
      }
    }
    return grads;
  }

  function trackStatistics(layers, pass, momentum) {  // tracked, not learned: no gradient moves them
    for (const layer of layers) {
      if (layer.kind !== "bn") continue;
      const { mean, variance } = pass.bn[layer.name], a = layer.arrays;
      for (let c = 0; c < mean.length; c++) {
        a.mean.values[c] = momentum * a.mean.values[c] + (1 - momentum) * mean[c];
        a.variance.values[c] = momentum * a.variance.values[c] + (1 - momentum) * variance[c];
      }
    }
  }

  // Adam as Keras computes it: each weight moves against a running mean of its gradients, divided by the root
  // of a running mean of their squares.
  function adam(options) {
    const o = { ...ADAM, ...(options || {}) }, m = {}, v = {};
    let step = 0;
    return {
      options: o,
      update(layers, grads) {
        step += 1;
        const rate = (o.learningRate * Math.sqrt(1 - o.beta2 ** step)) / (1 - o.beta1 ** step);
        for (const layer of layers) {
          for (const [name, g] of Object.entries(grads[layer.name] || {})) {
            const key = `${layer.name}/${name}`, w = layer.arrays[name].values;
            m[key] = m[key] || new Float64Array(w.length);
            v[key] = v[key] || new Float64Array(w.length);
            for (let j = 0; j < w.length; j++) {
              m[key][j] = m[key][j] * o.beta1 + (1 - o.beta1) * g.values[j];
              v[key][j] = v[key][j] * o.beta2 + (1 - o.beta2) * g.values[j] ** 2;
              w[j] -= (rate * m[key][j]) / (Math.sqrt(v[key][j]) + o.epsilon);
            }
          }
        }
      },
    };
  }

  // One step of learning on a batch: forward, loss, backward, Adam; `layers` change in place. Returns the
  // batch's loss before the step.
  function trainStep(layers, x, y, optimizer, momentum = BN_MOMENTUM) {
    return reusingArrays(() => {
      const pass = forwardTrain(layers, x);
      const { loss, dlogit } = binaryCrossEntropy(pass.logit, y);
      optimizer.update(layers, backward(layers, pass, dlogit));
      trackStatistics(layers, pass, momentum);
      return loss;
    });
  }

  // A batch of windows `indices` of `windows` (an array of Float32Array or Float64Array), and their labels.
  function gather(windows, labels, indices) {
    const steps = windows[indices[0]].length, x = batch(indices.length, steps, 1);
    indices.forEach((i, b) => x.data.set(windows[i], b * steps));
    return { x, y: Float64Array.from(indices, (i) => labels[i]) };
  }

  // Batches half cat and half dog, drawn without replacement within a batch, as the recipe draws them.
  function batches(labels, batchSize, seed) {
    const rand = random(seed), byClass = [[], []];
    labels.forEach((label, i) => byClass[label].push(i));
    const sizes = [batchSize - Math.floor(batchSize / 2), Math.floor(batchSize / 2)];
    return () => {
      const chosen = [];
      byClass.forEach((pool, c) => {
        const copy = pool.slice();
        for (let k = 0; k < Math.min(sizes[c], copy.length); k++) {
          const j = k + Math.floor(rand() * (copy.length - k));
          [copy[k], copy[j]] = [copy[j], copy[k]];
          chosen.push(copy[k]);
        }
      });
      return chosen;
    };
  }

  return { BN_MOMENTUM, BN_EPSILON, ADAM, random, initialLayers, convForward, convBackward, bnForward,
    bnBackward, maxPoolForward, maxPoolBackward, gapForward, gapBackward, reluBackward, logBackward, denseForward,
    denseBackward, binaryCrossEntropy, forwardTrain, backward, trackStatistics, adam, trainStep, gather, batches };
}

const Learn = learnModule();
