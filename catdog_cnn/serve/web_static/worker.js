// The explorer's worker: it holds the recording and answers it window by window off the page's thread, so the
// page stays responsive, shows progress and can cancel. explorer.js starts it from the source of this function
// and of netModule (net.js), so it runs the same code, from a file on the disk as from a web server.
// It keeps one copy of the recording (mono, 16 kHz, float32: 64 kB a second) and each window's answer, never
// a window's layers: the page asks for the one second it peels.
"use strict";

function workerMain() {
  const Net = netModule();
  const models = {};
  const COLUMNS = 1000;  // the waveform's outline, for the overview: the lowest and highest sample of each column
  const REPORT_MS = 100;  // progress at most this often; between reports a new message (cancel) can come in
  let samples = null;
  let current = 0;  // the job being worked on; a message naming another stops it at the next report

  const tick = () => new Promise((done) => setTimeout(done, 0));

  function mixdown(channels) {  // the channels' mean, in the first channel's memory
    const mono = channels[0];
    for (let c = 1; c < channels.length; c++) {
      for (let j = 0; j < mono.length; j++) mono[j] += channels[c][j];
    }
    if (channels.length > 1) for (let j = 0; j < mono.length; j++) mono[j] /= channels.length;
    return mono;
  }

  function outline(x) {
    const lo = new Float32Array(COLUMNS), hi = new Float32Array(COLUMNS), per = x.length / COLUMNS;
    for (let c = 0; c < COLUMNS; c++) {
      let a = Infinity, b = -Infinity;
      for (let j = Math.floor(c * per); j < Math.floor((c + 1) * per); j++) { a = Math.min(a, x[j]); b = Math.max(b, x[j]); }
      lo[c] = a === Infinity ? 0 : a;
      hi[c] = b === -Infinity ? 0 : b;
    }
    return { lo, hi };
  }

  function refuse(job, message) {
    samples = null;
    postMessage({ type: "error", job, message });
  }

  async function analyse({ job, name, channels }) {
    current = job;
    if (channels) {
      const x = mixdown(channels);
      if (x.length === 0) return refuse(job, "the file holds no samples.");
      for (let j = 0; j < x.length; j++) if (!Number.isFinite(x[j])) return refuse(job, "the file holds NaN or infinite samples.");
      samples = x;
    }
    if (!samples) return refuse(job, "no recording to analyse.");
    const x = samples, model = models[name], total = Net.windowCount(model, x), windows = [];
    let last = performance.now();
    for (let w = 0; w < total; w++) {
      windows.push(Net.judge(model, x, w));
      if (performance.now() - last > REPORT_MS) {
        postMessage({ type: "progress", job, done: w + 1, total });
        await tick();
        if (current !== job) return;  // cancelled, or another recording or network chosen
        last = performance.now();
      }
    }
    postMessage({ type: "result", job, analysis: Net.summarise(model, windows, x.length), outline: outline(x) });
  }

  onmessage = ({ data }) => {
    if (data.type === "models") {
      for (const [name, document] of Object.entries(data.models)) models[name] = Net.load(document);
    } else if (data.type === "model") {  // a network trained in the page: its arrays already numbers
      models[data.name] = Net.fromNumbers(data.model);
    } else if (data.type === "analyse") {
      analyse(data);
    } else if (data.type === "cancel") {
      current = data.job;
    } else if (data.type === "compare") {  // the whole recording by each network named, as predict answers it
      const answers = samples ? Object.fromEntries(data.names.map((name) => {
        const a = Net.analyse(models[name], samples);
        return [name, { pDog: a.pDog, label: a.label, segments: a.windows.map((w) => w.p) }];
      })) : null;
      postMessage({ type: "compared", ask: data.ask, answers });
    } else if (data.type === "window" && samples) {
      postMessage({ type: "window", job: data.job, index: data.index, x: Net.windowAt(models[data.name], samples, data.index) });
    }
  };
}
