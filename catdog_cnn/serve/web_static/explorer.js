// The explorer: reads a recording (file, drop, microphone or a test window), answers it with Net.analyse, and
// draws what each block makes of the chosen second, the first layer sliding, and the decision's terms.
"use strict";

const RATE = 16000;
const RECORD_SECONDS = 5;
const RECORD_GRACE_SECONDS = 5;  // how much longer it may wait for the microphone's sound before giving up
const SLIDE_SAMPLES = 320;  // 20 ms of the chosen second under the sliding kernel
const BLUE = "#1f77b4", ORANGE = "#ff7f0e", GREY = "#bbb";
const $ = (id) => document.getElementById(id);

const state = {
  models: {}, name: null, source: "", analysis: null, outline: null, second: 0, peeled: null,
  block: 0, filter: 0, step: null, slide: 0, timer: null,
  job: 0, started: 0, worker: null, hasRecording: false, comparing: new Map(),
};

function model() { return state.models[state.name]; }

// ---- one recording at a time: a job -------------------------------------------------------------------
// Every choice (a file, a drop, the microphone, a test window, another network) starts a job: the last answer
// is cleared at once, and only the newest job may write to the page; an older one still decoding or being
// analysed is dropped when it finishes, and the worker stops it at its next progress report.
function startJob(name) {
  state.job += 1;
  state.source = name;
  state.analysis = null;
  state.peeled = null;
  if (state.worker) state.worker.postMessage({ type: "cancel", job: state.job });
  for (const id of ["answer", "inside", "slide", "decision"]) $(id).hidden = true;
  $("label").textContent = "";
  $("p-dog").textContent = "";
  delete document.body.dataset.analysedIn;
  showProgress(0, 0);
  say(`reading ${name}…`);
  return state.job;
}

function showProgress(done, total) {
  $("progress").hidden = $("cancel").hidden = false;
  if (total) { $("progress").max = total; $("progress").value = done; } else $("progress").removeAttribute("value");
}

function endProgress() { $("progress").hidden = $("cancel").hidden = true; }

function cancel() {
  const name = state.source;
  startJob(name);
  endProgress();
  say(`${name}: cancelled; choose a recording or a network to start again`);
}

function fail(job, text) {
  if (job !== state.job) return;
  state.hasRecording = false;  // nothing to analyse again with another network
  endProgress();
  say(text);
}

// the worker, started from the source of netModule and workerMain, so it needs no file of its own to load
function startWorker() {
  const source = `"use strict";\n${netModule.toString()}\n${workerMain.toString()}\nworkerMain();\n`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
  worker.postMessage({ type: "models", models: window.CATDOG_MODELS });
  worker.onmessage = ({ data }) => {
    if (data.type === "compared") {  // answers to compare(), whatever job is shown
      const done = state.comparing.get(data.ask);
      state.comparing.delete(data.ask);
      if (done) done(data.answers);
      return;
    }
    if (data.job !== state.job) return;  // an older job's message: never shown
    if (data.type === "progress") {
      showProgress(data.done, data.total);
      say(`${state.source}: analysing, ${data.done.toLocaleString()} of ${data.total.toLocaleString()} seconds`);
    } else if (data.type === "error") {
      state.hasRecording = false;
      fail(data.job, `${state.source}: ${data.message}`);
    } else if (data.type === "result") {
      answered(data.analysis, data.outline);
    } else if (data.type === "window") {
      peeled(data.index, data.x);
    }
  };
  worker.onerror = (event) => fail(state.job, `the analysis stopped: ${event.message}; reload the page and try again`);
  return worker;
}

function analyse(job, channels) {  // channels: Float32Arrays at 16 kHz, handed to the worker (not copied)
  if (channels) state.hasRecording = true;
  if (!state.hasRecording) return;
  state.started = performance.now();
  say(`${state.source}: analysing…`);
  state.worker.postMessage({ type: "analyse", job, name: state.name, channels }, channels ? channels.map((c) => c.buffer) : []);
}

function answered(analysis, outline) {
  state.analysis = analysis;
  state.outline = outline;
  const heard = analysis.windows.map((w, i) => [w, i]).filter(([w]) => w.audible);
  state.second = heard.length ? heard.reduce((a, b) => (Math.abs(b[0].p - 0.5) > Math.abs(a[0].p - 0.5) ? b : a))[1] : 0;
  endProgress();
  $("answer").hidden = false;
  drawOverview();
  choose(state.second);
}

function choose(second) {  // ask the worker for a second's samples, to peel it
  state.second = second;
  state.worker.postMessage({ type: "window", job: state.job, name: state.name, index: second });
}

function peeled(index, x) {
  if (!state.analysis || index !== state.second) return;
  const scaled = Net.peakNormalize(x);
  state.peeled = { index, scaled, out: Net.forward(model(), scaled) };
  drawOverview();
  drawInside();
  for (const id of ["inside", "slide", "decision"]) $(id).hidden = false;
  if (document.body.dataset.analysedIn === undefined) {
    const ms = performance.now() - state.started, a = state.analysis;
    say(`${state.source}: ${a.seconds.toFixed(2)} s, ${a.windows.length} second(s), analysed and drawn in ${ms.toFixed(0)} ms by ${state.name}`);
    document.body.dataset.analysedIn = ms.toFixed(1);
  }
  document.body.dataset.peeled = `${index}`;
}

// ---- reading sound -------------------------------------------------------------------------------------
// Any format the browser decodes, resampled by it to 16 kHz: each channel's samples, which are then handed to
// the worker as they are (moved, not copied, so the page never holds a second copy of a long recording).
async function decodeFile(file) {
  const context = new OfflineAudioContext(1, 1, RATE);
  const buffer = await context.decodeAudioData(await file.arrayBuffer());
  return Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
}

async function resample(samples, rate) {  // to 16 kHz, by the browser's own resampler
  if (rate === RATE) return samples;
  const length = Math.ceil((samples.length * RATE) / rate);
  const context = new OfflineAudioContext(1, length, RATE);
  const buffer = context.createBuffer(1, samples.length, rate);
  buffer.copyToChannel(samples, 0);
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  source.start();
  return (await context.startRendering()).getChannelData(0);
}

async function open(file) {
  if (!file) return;
  const job = startJob(file.name);
  let channels;
  try {
    channels = await decodeFile(file);
  } catch (error) {
    return fail(job, `${file.name}: your browser could not decode it as sound (${error.message || error}); try a WAV or MP3 file`);
  }
  if (job === state.job) analyse(job, channels);
}

// `seconds` of the microphone, at 16 kHz: it records until it has that much sound, then keeps exactly that much
// (the first audio callbacks may come late, so it may listen a little longer). onTick(seconds left, level)
// reports progress. Used by the recording button and by the training panel's own sounds.
async function captureMicrophone(seconds, onTick) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new Error("the microphone needs the page opened over https, from localhost or as a file on this computer");
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const context = new AudioContext();
  const input = context.createMediaStreamSource(stream);
  const tap = context.createScriptProcessor(4096, 1, 1);
  const chunks = [], need = seconds * context.sampleRate;
  let have = 0, level = 0;
  tap.onaudioprocess = (event) => {
    const chunk = Float32Array.from(event.inputBuffer.getChannelData(0));
    chunks.push(chunk);
    have += chunk.length;
    level = Math.min(1, 4 * Math.sqrt(chunk.reduce((a, v) => a + v * v, 0) / chunk.length));
  };
  input.connect(tap);
  tap.connect(context.destination);
  const deadline = performance.now() + 1000 * (seconds + RECORD_GRACE_SECONDS);
  while (have < need && performance.now() < deadline) {
    onTick(Math.max(1, Math.ceil((need - have) / context.sampleRate)), level);
    await new Promise((done) => setTimeout(done, 100));
  }
  tap.disconnect();
  input.disconnect();
  stream.getTracks().forEach((track) => track.stop());
  const rate = context.sampleRate;
  await context.close();
  if (have < need) {
    throw new Error(`it gave only ${(have / rate).toFixed(1)} s of audio in ${seconds + RECORD_GRACE_SECONDS} s; ` +
      "check that it is connected and not in use by another program");
  }
  const all = new Float32Array(need);
  let at = 0;
  for (const c of chunks) { if (at >= need) break; all.set(c.subarray(0, need - at), at); at += c.length; }
  return resample(all, rate);
}

// Five seconds recorded are five seconds judged.
async function record() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say("the microphone needs the page opened over https, from localhost or as a file on this computer; open or drop a recording instead");
    return;
  }
  const button = $("record");
  button.disabled = true;
  const job = startJob("your recording");
  try {
    const x = await captureMicrophone(RECORD_SECONDS, (left, level) => {
      button.textContent = `recording… ${left} s`;
      $("level").value = level;
    });
    if (job === state.job) analyse(job, [x]);
  } catch (error) {
    fail(job, `the microphone could not be used: ${error.message}; allow the page to use it, or open or drop a recording instead`);
  } finally {
    button.disabled = false;
    button.textContent = `record ${RECORD_SECONDS} s from the microphone`;
    $("level").value = 0;
  }
}

function say(text) { $("status").textContent = text; }

// ---- drawing helpers -------------------------------------------------------------------------------------
function context2d(id) {
  const canvas = $(id), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = "12px system-ui, sans-serif";
  return [canvas, ctx];
}

function waveform(ctx, x, left, top, width, height, color = "#444") {
  ctx.strokeStyle = color;
  ctx.beginPath();
  const per = x.length / width;
  for (let px = 0; px < width; px++) {
    let lo = Infinity, hi = -Infinity;
    for (let j = Math.floor(px * per); j < Math.floor((px + 1) * per); j++) { lo = Math.min(lo, x[j]); hi = Math.max(hi, x[j]); }
    if (lo === Infinity) continue;
    ctx.moveTo(left + px + 0.5, top + height / 2 - (hi * height) / 2);
    ctx.lineTo(left + px + 0.5, top + height / 2 - (lo * height) / 2 + 1);
  }
  ctx.stroke();
}

const MAGMA = [[0, 0, 4], [81, 18, 124], [183, 55, 121], [252, 137, 97], [252, 253, 191]];
function magma(v) {  // v in [0, 1]
  const at = Math.min(Math.max(v, 0), 1) * (MAGMA.length - 1), i = Math.min(Math.floor(at), MAGMA.length - 2), f = at - i;
  return MAGMA[i].map((c, k) => Math.round(c + f * (MAGMA[i + 1][k] - c)));
}

// p(dog) in words a reader trusts: three decimals, and "> 0.999" rather than a rounded 1.000
const pText = (p) => (p > 0.9995 ? ">0.999" : p < 0.0005 ? "<0.001" : p.toFixed(3));

const ms = (samples) => { const v = (1000 * samples) / RATE; return v < 10 ? `${v.toPrecision(2)} ms` : `${v.toFixed(0)} ms`; };

// ---- 2 · the answer ------------------------------------------------------------------------------------
function drawOverview() {
  const a = state.analysis, m = model(), [canvas, ctx] = context2d("overview");
  $("verdict").hidden = a.label === null;
  $("nothing").hidden = a.label !== null;
  $("label").textContent = a.label ?? "";
  $("p-dog").textContent = a.pDog === null ? "" : a.pDog.toFixed(4);
  $("nothing").textContent = `Nothing to judge: no second holds ${m.min_sound_seconds} s of sound above ${m.silence_dbfs} dBFS, ` +
    "so, as for catdog-cnn predict, there is no p(dog). Try a louder recording.";
  const width = canvas.width, barTop = 10, barHeight = 60, n = a.windows.length;
  const per = (width - 50) / Math.max(n, a.seconds);  // room on the right for the scale
  const bar = Math.max(per - 5, per > 2 ? 1 : per);
  a.windows.forEach((w, i) => {
    ctx.fillStyle = i === state.second ? "#fff3b0" : "#fafafa";
    ctx.fillRect(i * per, 0, Math.max(per - 1, 1), canvas.height);
    if (w.audible) {
      ctx.fillStyle = w.p > 0.5 ? BLUE : ORANGE;
      ctx.fillRect(i * per + 2, barTop + barHeight * (1 - w.p), bar, barHeight * w.p);
      if (per > 34) {  // inside the bar where it is tall enough, else just above it, in dark grey
        const inside = barHeight * w.p > 16;
        ctx.fillStyle = inside ? "#fff" : "#333";
        ctx.fillText(pText(w.p), i * per + 4, inside ? barTop + barHeight - 4 : barTop + barHeight * (1 - w.p) - 3);
      }
    } else {
      ctx.fillStyle = GREY;
      ctx.fillRect(i * per + 2, barTop + barHeight - 3, bar, 3);
    }
  });
  ctx.strokeStyle = "#999";
  ctx.setLineDash([4, 3]);
  ctx.beginPath(); ctx.moveTo(0, barTop + barHeight / 2); ctx.lineTo(width, barTop + barHeight / 2); ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "#333";
  ctx.textAlign = "right";
  ctx.fillText("p(dog) 1", width - 2, barTop + 10);
  ctx.fillText("0.5", width - 2, barTop + barHeight / 2 - 2);
  ctx.textAlign = "left";
  drawOutline(ctx, state.outline, 0, 80, Math.round(per * a.seconds), 80);
  const every = Math.max(1, Math.ceil(30 / per));  // a label at least every 30 px
  for (let i = 0; i < n; i += every) ctx.fillText(`${i} s`, i * per + 3, canvas.height - 3);
}

function drawOutline(ctx, outline, left, top, width, height) {  // the worker's lowest and highest sample per column
  ctx.strokeStyle = "#444";
  ctx.beginPath();
  const columns = outline.lo.length;
  for (let px = 0; px < width; px++) {
    let lo = Infinity, hi = -Infinity;
    for (let c = Math.floor((px * columns) / width); c < Math.max(Math.floor(((px + 1) * columns) / width), Math.floor((px * columns) / width) + 1); c++) {
      lo = Math.min(lo, outline.lo[c]); hi = Math.max(hi, outline.hi[c]);
    }
    ctx.moveTo(left + px + 0.5, top + height / 2 - (hi * height) / 2);
    ctx.lineTo(left + px + 0.5, top + height / 2 - (lo * height) / 2 + 1);
  }
  ctx.stroke();
}

// ---- 3 · inside: every block's output ----------------------------------------------------------------
function blocks(m) {  // the last layer of each block (conv_i ... pool_i or log_1), in order
  const ends = [];
  for (const layer of m.layers) {
    const block = layer.name.split("_").pop();
    if (!/^\d+$/.test(block)) continue;
    if (ends.length && ends[ends.length - 1].block === block) ends[ends.length - 1] = { block, layer };
    else ends.push({ block, layer });
  }
  return ends;
}

function drawSecond(x) {
  const [canvas, ctx] = context2d("second");
  const end = blocks(model())[state.block];
  $("field-caption").textContent = "The chosen second as the network hears it: scaled so its loudest sample is 1. " +
    "Click a block's picture below to see which part of this second one of its steps hears (its receptive field, shaded).";
  if (state.step !== null && end) {
    const [field, jump, start] = end.layer.field;
    const from = Math.max(start + state.step * jump, 0), to = Math.min(start + state.step * jump + field, x.length);
    ctx.fillStyle = "rgba(255, 200, 0, 0.45)";
    ctx.fillRect((from / x.length) * canvas.width, 0, Math.max(((to - from) / x.length) * canvas.width, 1), canvas.height);
    $("field-caption").textContent = `Shaded: the part of this second that step ${state.step + 1} of block ${end.block} hears, ` +
      `${ms(to - from)}. That stretch is the step's receptive field (${ms(field)}: no sample outside it can change the step); ` +
      `the block's steps are ${ms(jump)} apart, its time resolution.`;
  }
  waveform(ctx, x, 0, 5, canvas.width, canvas.height - 10);
}

function drawBlocks(out) {
  const holder = $("blocks");
  holder.textContent = "";
  blocks(model()).forEach((end, b) => {
    const act = out[end.layer.name], [field, jump] = end.layer.field;
    const div = document.createElement("div");
    div.className = "block";
    const kinds = model().layers.filter((l) => l.name.endsWith(`_${end.block}`)).map((l) => ({ conv: "convolution", bn: "batch normalization", relu: "ReLU", pool: "max pool", log: "log(1 + x)" })[l.kind]);
    div.innerHTML = `<h3>block ${end.block}: ${kinds.join(" → ")}</h3>` +
      `<p class="note">${act.steps.toLocaleString()} steps × ${act.channels} filters; one step hears ${ms(field)}, steps are ${ms(jump)} apart. ` +
      `Each row is one filter (filter 1 at the bottom, ${act.channels} at the top), bright where it answers strongly, black where ` +
      `it gives zero (a ReLU passes nothing below zero). Click a row to choose a filter and a step.</p>`;
    const canvas = document.createElement("canvas");
    canvas.width = 960;
    canvas.height = Math.max(act.channels * (act.channels > 20 ? 4 : 9), 60);
    canvas.dataset.testid = `block-${end.block}`;
    canvas.setAttribute("data-testid", `block-${end.block}`);
    heatmap(canvas, act, b === state.block ? state.filter : -1);
    canvas.addEventListener("click", (event) => {
      const box = canvas.getBoundingClientRect();
      state.block = b;
      state.filter = Math.min(act.channels - 1, Math.floor(((box.bottom - event.clientY) / box.height) * act.channels));
      state.step = Math.min(act.steps - 1, Math.floor(((event.clientX - box.left) / box.width) * act.steps));
      drawInside();
    });
    const play = document.createElement("button");
    play.textContent = b === state.block ? `play filter ${state.filter + 1} (outlined)` : "play filter 1 (bottom row)";
    play.addEventListener("click", () => playRow(act, b === state.block ? state.filter : 0));
    div.append(canvas, play);
    holder.append(div);
  });
  const note = document.createElement("p");
  note.className = "caption";
  note.textContent = "Playing a filter: its output over the second is stretched back to 16,000 samples (linear " +
    "interpolation), centred and scaled to a comfortable level, and played as one second of sound. You hear when " +
    "it fires, and for the early blocks, whose steps lie close together, also the pitch it follows.";
  holder.append(note);
}

function heatmap(canvas, act, chosen) {
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(canvas.width, canvas.height);
  let top = 0;
  for (const v of act.data) top = Math.max(top, v);
  for (let py = 0; py < canvas.height; py++) {
    const c = act.channels - 1 - Math.floor((py / canvas.height) * act.channels);
    for (let px = 0; px < canvas.width; px++) {
      const t = Math.floor((px / canvas.width) * act.steps);
      const [r, g, b] = magma(top > 0 ? act.data[t * act.channels + c] / top : 0);
      const j = 4 * (py * canvas.width + px);
      image.data.set([r, g, b, 255], j);
    }
  }
  ctx.putImageData(image, 0, 0);
  if (chosen >= 0) {
    const row = canvas.height / act.channels;
    ctx.strokeStyle = "cyan";
    ctx.lineWidth = 2;
    ctx.strokeRect(1, canvas.height - (chosen + 1) * row, canvas.width - 2, row);
  }
}

let audio = null;
function playRow(act, filter) {  // a filter's output made audible (see the caption in drawBlocks)
  const n = RATE, out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const at = (j / n) * (act.steps - 1), i = Math.floor(at), f = at - i;
    const a = act.data[i * act.channels + filter], b = act.data[Math.min(i + 1, act.steps - 1) * act.channels + filter];
    out[j] = a + f * (b - a);
  }
  const mean = out.reduce((s, v) => s + v, 0) / n;
  let peak = 0;
  for (let j = 0; j < n; j++) { out[j] -= mean; peak = Math.max(peak, Math.abs(out[j])); }
  for (let j = 0; j < n; j++) out[j] = peak > 0 ? (0.8 * out[j]) / peak : 0;
  audio = audio || new AudioContext();
  const buffer = audio.createBuffer(1, n, RATE);
  buffer.copyToChannel(out, 0);
  const source = audio.createBufferSource();
  source.buffer = buffer;
  source.connect(audio.destination);
  source.start();
  document.body.dataset.played = `${filter}`;
}

// ---- 4 · the first layer sliding --------------------------------------------------------------------
function slideData(x) {
  const conv = model().layers.find((l) => l.kind === "conv");
  const [size, , cout] = conv.arrays.kernel.shape;
  const filter = state.block === 0 ? Math.min(state.filter, cout - 1) : 0;
  const kernel = Array.from({ length: size }, (_, s) => conv.arrays.kernel.values[s * cout + filter]);
  let loudest = 0;
  for (let j = 0; j < x.length; j++) if (Math.abs(x[j]) > Math.abs(x[loudest])) loudest = j;
  const from = Math.min(Math.max(loudest - SLIDE_SAMPLES / 2, 0), x.length - SLIDE_SAMPLES);
  const stretch = x.slice(from, from + SLIDE_SAMPLES), stride = conv.settings.stride;
  const steps = Math.floor((SLIDE_SAMPLES - size) / stride) + 1;
  const out = Array.from({ length: steps }, (_, t) => kernel.reduce((sum, w, s) => sum + w * stretch[t * stride + s], 0));
  const pool = model().layers.find((l) => l.kind === "pool" && l.name.endsWith("_1"));
  return { kernel, stretch, stride, steps, out, filter, from, pool: pool ? pool.settings.size : 0 };
}

function drawSlide() {
  const d = slideData(state.peeled.scaled);
  const slider = $("slide-step");
  slider.max = d.steps - 1;
  state.slide = Math.min(state.slide, d.steps - 1);
  slider.value = state.slide;
  const [canvas, ctx] = context2d("kernel");
  const w = canvas.width, half = 120, t = state.slide, k = d.kernel.length;
  const xAt = (sample) => (sample / SLIDE_SAMPLES) * w;
  ctx.fillStyle = "rgba(255, 200, 0, 0.4)";
  ctx.fillRect(xAt(t * d.stride), 0, xAt(k), half);
  ctx.strokeStyle = "#444";
  ctx.beginPath();
  d.stretch.forEach((v, j) => (j ? ctx.lineTo : ctx.moveTo).call(ctx, xAt(j), half / 2 - v * (half / 2 - 6)));
  ctx.stroke();
  const kmax = Math.max(...d.kernel.map(Math.abs)) || 1, xmax = Math.max(...Array.from(d.stretch, Math.abs)) || 1;
  ctx.strokeStyle = "#d55e00";
  ctx.beginPath();
  d.kernel.forEach((v, s) => (s ? ctx.lineTo : ctx.moveTo).call(ctx, xAt(t * d.stride + s), half / 2 - (v / kmax) * xmax * (half / 2 - 6)));
  ctx.stroke();
  const omax = Math.max(...d.out.map(Math.abs)) || 1, base = half + 70;
  ctx.strokeStyle = "#0072b2";
  ctx.beginPath();
  d.out.slice(0, t + 1).forEach((v, s) => (s ? ctx.lineTo : ctx.moveTo).call(ctx, xAt(s * d.stride + k / 2), base - (v / omax) * 60));
  ctx.stroke();
  ctx.fillStyle = "#d55e00";
  ctx.beginPath();
  ctx.arc(xAt(t * d.stride + k / 2), base - (d.out[t] / omax) * 60, 4, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = "#333";
  ctx.fillText("input (20 ms) and the kernel (red, scaled)", 4, 12);
  ctx.fillText("output so far", 4, half + 14);
  $("slide-text").textContent = `step ${t + 1} of ${d.steps}: ${k} samples × ${k} weights, summed = ${d.out[t].toFixed(3)}`;
  $("slide-caption").textContent = `Filter ${d.filter + 1} of the first convolution (${k} weights) slides over 20 ms around the loudest ` +
    `sample of the chosen second, ${d.stride} sample(s) at a time. At each step the samples under it are multiplied by its weights and ` +
    `added up: that sum is one step of the filter's output (before its bias, batch normalization and ReLU). Choose a row of block 1 above to slide another filter.` +
    (d.pool ? ` Block 1's picture above then keeps the largest of every ${d.pool} steps (a max pool), so its steps lie ${ms(d.stride * d.pool)} apart ` +
      `and each hears ${ms(d.kernel.length + d.stride * (d.pool - 1))}, a little more than the ${ms(d.kernel.length)} of one kernel.` : "");
}

// ---- 5 · the decision ---------------------------------------------------------------------------------
function drawDecision(out, judged) {
  $("terms").hidden = !judged.audible;
  $("terms-details").hidden = !judged.audible;
  if (!judged.audible) {
    $("decision-caption").textContent = `This second is too quiet to judge (less than ${model().min_sound_seconds} s of it above ` +
      `${model().silence_dbfs} dBFS), so it has no p(dog) and adds nothing to the answer, as in catdog-cnn predict. ` +
      "The pictures above still show what each block makes of it. Click a coloured second to see its terms.";
    $("terms-table").textContent = "";
    return;
  }
  const m = model(), gapName = m.layers.find((l) => l.kind === "gap").name, dense = m.layers[m.layers.length - 1];
  const g = out[gapName].data, weights = dense.arrays.weights.values, bias = dense.arrays.bias.values[0];
  const terms = Array.from(g, (v, i) => v * weights[i]);
  const logit = terms.reduce((a, b) => a + b, bias), p = 1 / (1 + Math.exp(-logit));
  const [canvas, ctx] = context2d("terms");
  const bars = [...terms, bias, logit], n = bars.length, per = canvas.width / (n + 2);
  const top = Math.max(...bars.map(Math.abs)) || 1, mid = canvas.height / 2;
  bars.forEach((v, i) => {
    const x = (i < terms.length ? i : i + 1) * per + per / 2;
    ctx.fillStyle = i === terms.length ? "#888" : v >= 0 ? BLUE : ORANGE;
    ctx.fillRect(x, v >= 0 ? mid - (v / top) * (mid - 18) : mid, per * 0.8, (Math.abs(v) / top) * (mid - 18));
  });
  ctx.fillStyle = "#333";
  ctx.fillRect(0, mid, canvas.width, 1);
  ctx.textAlign = "center";
  ctx.fillText("b", (terms.length + 1) * per + per / 2 + per * 0.4, canvas.height - 4);
  ctx.fillText("sum", (terms.length + 2) * per + per / 2 + per * 0.4, canvas.height - 4);
  ctx.textAlign = "left";
  ctx.fillText("w·g for each component (blue pushes towards dog, orange towards cat), then the bias b and the sum, the logit", 4, 12);
  ctx.fillText(`+${top.toFixed(2)}`, 2, 28);
  ctx.fillText(`-${top.toFixed(2)}`, 2, canvas.height - 18);
  ctx.fillText("0", 2, mid - 3);
  $("decision-caption").textContent = `The last block's output is averaged over time into ${g.length} numbers g (one per filter: the ` +
    `components). Each is multiplied by a learned weight w, and the products are added to the bias b = ${bias.toFixed(3)}. That sum is the ` +
    `logit, ${logit.toFixed(3)}: above 0 leans dog. p(dog) = 1 / (1 + e^(−logit)), for this second ${pText(p)}.`;
  $("terms-table").innerHTML = "<tr><th>component</th><th>g</th><th>w</th><th>w·g</th></tr>" +
    terms.map((v, i) => `<tr><td>${i + 1}</td><td>${g[i].toFixed(4)}</td><td>${weights[i].toFixed(4)}</td><td>${v.toFixed(4)}</td></tr>`).join("") +
    `<tr><td>bias b</td><td></td><td></td><td>${bias.toFixed(4)}</td></tr><tr><th>logit (sum)</th><td></td><td></td><th data-testid="logit">${logit.toFixed(4)}</th></tr>`;
}

function drawInside() {
  const { scaled, out, index } = state.peeled;
  $("second-name").textContent = `from ${index} s to ${index + 1} s`;
  drawSecond(scaled);
  drawBlocks(out);
  drawSlide();
  drawDecision(out, state.analysis.windows[index]);
}

// ---- wiring ---------------------------------------------------------------------------------------------
function setup() {
  for (const name of window.CATDOG_MODEL_NAMES) state.models[name] = Net.load(window.CATDOG_MODELS[name]);
  state.name = window.CATDOG_MODEL_NAMES.includes("m5") ? "m5" : window.CATDOG_MODEL_NAMES[0];
  state.worker = startWorker();
  const select = $("model");
  for (const name of window.CATDOG_MODEL_NAMES) {
    select.add(new Option(`${name} (${state.models[name].parameters.toLocaleString()} parameters)`, name, false, name === state.name));
  }
  select.addEventListener("change", () => {
    state.name = select.value; state.block = 0; state.filter = 0; state.step = null;
    if (state.hasRecording) analyse(startJob(state.source));
  });
  $("file").addEventListener("change", (event) => open(event.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => { event.preventDefault(); drop.classList.remove("over"); open(event.dataTransfer.files[0]); });
  $("record").addEventListener("click", record);
  $("cancel").addEventListener("click", cancel);
  $("overview").addEventListener("click", (event) => {
    if (!state.analysis) return;
    const box = $("overview").getBoundingClientRect(), a = state.analysis;
    const at = Math.floor((((event.clientX - box.left) / box.width) * $("overview").width) / (($("overview").width - 50) / Math.max(a.windows.length, a.seconds)));
    if (at < a.windows.length) { state.step = null; choose(at); }
  });
  $("slide-step").addEventListener("input", () => { state.slide = Number($("slide-step").value); drawSlide(); });
  $("slide-back").addEventListener("click", () => { state.slide = Math.max(state.slide - 1, 0); drawSlide(); });
  $("slide-next").addEventListener("click", () => { state.slide += 1; drawSlide(); });
  $("slide-play").addEventListener("click", () => {
    if (state.timer) { clearInterval(state.timer); state.timer = null; $("slide-play").textContent = "play"; return; }
    $("slide-play").textContent = "pause";
    state.timer = setInterval(() => {
      if (state.slide >= Number($("slide-step").max)) state.slide = 0; else state.slide += 1;
      drawSlide();
    }, 120);
  });
  const examples = (window.CATDOG_EXAMPLES || {}).test;
  if (examples && examples.windows.length) {
    $("examples-label").hidden = false;
    const list = $("examples");
    list.add(new Option("choose…", ""));
    examples.windows.forEach((w, i) => list.add(new Option(`${w.name} (${w.label ? "dog" : "cat"})`, i)));
    list.addEventListener("change", () => {
      if (list.value === "") return;
      const w = examples.windows[Number(list.value)];
      analyse(startJob(`${w.name}, one test window`), [Float32Array.from(Net.decode(w.audio).values)]);
    });
  }
  say("give the network a recording: open a file, drop one, or record from the microphone");
}

// A network trained in the page (trainer.js) joins the menu; choosing it re-answers the recording with it.
function addModel(name, document, steps) {
  state.models[name] = Net.fromNumbers(document);
  state.worker.postMessage({ type: "model", name, model: document });
  const select = $("model"), label = `${name} (${steps} steps)`;
  const option = [...select.options].find((o) => o.value === name) || select.appendChild(new Option(label, name));
  option.textContent = label;
  if (state.name === name && state.hasRecording) select.dispatchEvent(new Event("change"));
}

// The recording shown, answered by each of several networks at once (the training panel compares the network it
// trained with the shipped one); null when there is no recording.
let asks = 0;
function compare(names) {
  if (!state.hasRecording) return Promise.resolve(null);
  asks += 1;
  const ask = asks, source = state.source;
  return new Promise((done) => {
    state.comparing.set(ask, (answers) => done(answers ? { source, ...answers } : null));
    state.worker.postMessage({ type: "compare", ask, names });
  });
}

// for tests and for the curious, from the browser's console
window.catdog = {
  state,
  forward: (name, samples) => {
    const out = Net.forward(state.models[name], Float64Array.from(samples));
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)]));
  },
  analyse: (name, samples) => {
    const a = Net.analyse(state.models[name], Float32Array.from(samples));
    return { pDog: a.pDog, label: a.label, segments: a.windows.map((w) => w.p) };
  },
};

setup();
state.trainer = trainingPanel({ addModel, compare, decodeFile, captureMicrophone,
  model: () => state.models[window.CATDOG_MODEL_NAMES[0]] });
