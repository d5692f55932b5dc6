// FoleyStream Studio: upload in parts, follow a job's events, compare the original sound with the Foley on one picture.
'use strict';

const $ = (id) => document.getElementById(id);
let config = { partBytes: 1024 * 1024, maxBytes: Infinity, authEnabled: false };
let current = null; // { jobId, events: AbortController, audioWindows, complete }
let rerunOf = null;
let lastJobs = null; // the jobs list as last drawn

// ---- API: every call carries the token when auth is on ----

function authHeaders() {
  const token = $('token').value.trim();
  return token ? { Authorization: 'Bearer ' + token } : {};
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  const body = response.headers.get('Content-Type')?.includes('json') ? await response.json() : null;
  if (!response.ok) {
    throw new Error(body?.error || response.status + ' ' + response.statusText);
  }
  return body;
}

// Media elements cannot send headers: with a token their files come through fetch as blobs.
async function mediaUrl(path) {
  if (!authHeaders().Authorization) {
    return path;
  }
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) {
    throw new Error(response.status + ' ' + response.statusText);
  }
  return URL.createObjectURL(await response.blob());
}

// ---- upload ----

function options(file) {
  const number = (id) => ($(id).value === '' ? null : Number($(id).value));
  return {
    fileName: file ? file.name : null,
    size: file ? file.size : 0,
    prompt: $('prompt').value,
    negativePrompt: $('negative-prompt').value,
    seed: number('seed'),
    steps: number('steps'),
    cfgScale: number('cfg-scale'),
    controlScale: number('control-scale'),
    sampler: $('sampler').value,
    modalities: [...document.querySelectorAll('#modalities input:checked')].map((box) => box.value),
    envelopeSource: $('envelope-source').value,
    envelopePreset: $('envelope-preset').value,
    pack: $('pack').value,
  };
}

function showUpload(fraction, text) {
  $('upload-progress').value = fraction;
  $('upload-text').textContent = text;
}

async function upload(file) {
  if (file.size > config.maxBytes) {
    throw new Error(`the file is larger than the limit of ${config.maxBytes} bytes`);
  }
  const started = await api('/api/uploads', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Upload-Content-Type': file.type || 'video/mp4' },
    body: JSON.stringify(options(file)),
  });
  const partBytes = started.partBytes || config.partBytes;
  let offset = 0;
  do {
    const part = file.slice(offset, offset + partBytes);
    const last = offset + part.size >= file.size;
    await api(`/api/uploads/${started.jobId}?offset=${offset}&last=${last}`, {
      method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: part,
    });
    offset += part.size;
    showUpload(file.size ? offset / file.size : 1, `uploaded ${mib(offset)} of ${mib(file.size)}`);
  } while (offset < file.size);
  return started.jobId;
}

async function rerun(jobId) {
  const started = await api(`/api/jobs/${jobId}/rerun`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(options(null)),
  });
  showUpload(1, 're-run submitted from the kept upload');
  return started.jobId;
}

function mib(bytes) {
  return (bytes / 1048576).toFixed(1) + ' MiB';
}

async function submit(event) {
  event.preventDefault();
  const file = $('file').files[0];
  if (!rerunOf && !file) {
    showUpload(0, 'choose a video first');
    return;
  }
  $('submit').disabled = true;
  try {
    showUpload(0, rerunOf ? 're-running…' : 'starting…');
    const jobId = rerunOf ? await rerun(rerunOf) : await upload(file);
    if (!rerunOf) {
      showUpload(1, 'upload complete');
    }
    leaveRerun();
    await openJob(jobId);
    refreshJobs();
  } catch (error) {
    showUpload(0, 'upload refused: ' + error.message);
  } finally {
    $('submit').disabled = false;
  }
}

function enterRerun(jobId, jobOptions) {
  rerunOf = jobId;
  $('form-title').textContent = 'Re-run';
  $('rerun-job').textContent = jobId;
  $('rerun-source').hidden = false;
  $('drop-zone').hidden = true;
  const set = (id, value) => { $(id).value = value ?? ''; };
  set('prompt', jobOptions.prompt);
  set('negative-prompt', jobOptions.negativePrompt);
  set('seed', Math.floor(Math.random() * 2 ** 31)); // a re-run with a new seed unless changed
  set('steps', jobOptions.steps);
  set('cfg-scale', jobOptions.cfgScale);
  set('control-scale', jobOptions.controlScale);
  set('sampler', jobOptions.sampler);
  set('envelope-source', jobOptions.envelopeSource || 'auto');
  set('envelope-preset', jobOptions.envelopePreset);
  set('pack', jobOptions.pack);
  const chosen = jobOptions.modalities && jobOptions.modalities.length ? jobOptions.modalities : ['video', 'text', 'audio'];
  document.querySelectorAll('#modalities input').forEach((box) => { box.checked = chosen.includes(box.value); });
  $('submit').textContent = 'Re-run';
}

function leaveRerun() {
  rerunOf = null;
  $('form-title').textContent = 'New job';
  $('rerun-source').hidden = true;
  $('drop-zone').hidden = false;
  $('submit').textContent = 'Upload and generate';
}

// ---- one job: events, compare panel, envelopes, metrics ----

async function openJob(jobId) {
  if (current) {
    current.events.abort();
  }
  current = { jobId, events: new AbortController(), audioWindows: -1, complete: false };
  $('job-panel').hidden = false;
  $('job-id').textContent = jobId;
  showStatus(null); // nothing of the job shown before stays on screen while this one loads
  $('compare').hidden = false;
  $('envelope-plot').innerHTML = '';
  $('metrics').querySelector('tbody').innerHTML = '';
  $('foley').removeAttribute('src');
  $('video').removeAttribute('src');
  const job = await api(`/api/jobs/${jobId}`);
  if (job.hasVideo) {
    $('video').src = await mediaUrl(`/api/jobs/${jobId}/video`);
  }
  showStatus(job.status);
  followEvents(current);
}

// Server-sent events read through fetch, so that the token goes along; reconnects until the job has finished.
async function followEvents(job) {
  while (!job.events.signal.aborted && !job.complete) {
    try {
      const response = await fetch(`/api/jobs/${job.jobId}/events`, { headers: authHeaders(), signal: job.events.signal });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffered += value;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = frame.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
          if (data && job === current) {
            showStatus(JSON.parse(data));
          }
        }
      }
    } catch (error) {
      if (job.events.signal.aborted) {
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function showStatus(status) {
  if (!status) {
    $('job-state').textContent = 'QUEUED: waiting for the pipeline';
    $('job-state').dataset.state = 'QUEUED';
    $('job-windows').value = 0;
    $('job-failure').hidden = true;
    $('download-mp4').hidden = true;
    return;
  }
  const total = status.windowsTotal || 0;
  $('job-state').textContent = `${status.state}` + (status.stage ? ` · ${status.stage}` : '')
      + (total ? ` · windows ${status.windowsDone}/${total}` : '') + (status.seed ? ` · seed ${status.seed}` : '');
  $('job-state').dataset.state = status.state;
  $('job-windows').max = Math.max(1, total);
  $('job-windows').value = status.state === 'COMPLETED' ? $('job-windows').max : status.windowsDone;
  const failed = status.state === 'FAILED';
  $('job-failure').hidden = !failed;
  $('compare').hidden = failed; // a failed job has no sound to compare
  if (failed) {
    $('job-failure').textContent = `FAILED (${status.errorCode || 'error'}): ${status.failureReason}`;
  }
  showMetrics(status.metrics || {});
  if (status.finished && !current.complete) {
    current.complete = true;
    refreshJobs();
  }
  $('download-mp4').hidden = !(status.state === 'COMPLETED' && $('video').getAttribute('src'));
  if (status.state === 'COMPLETED') {
    loadFoley(current, Infinity);
    loadEnvelopes(current);
  } else if (status.windowsDone > 0 && status.stage === 'generator') {
    loadFoley(current, status.windowsDone); // the first windows are playable before the job ends
  }
}

// Loads the track (again) when more windows are in, keeping the listening position.
async function loadFoley(job, windows) {
  if (windows <= job.audioWindows) {
    return;
  }
  job.audioWindows = windows;
  const audio = $('foley');
  const at = $('video').currentTime;
  const version = windows === Infinity ? 'complete' : windows;
  try {
    audio.src = await mediaUrl(`/api/jobs/${job.jobId}/audio.wav?v=${version}`);
  } catch (error) {
    job.audioWindows = -1; // not yet: try again at the next event
    return;
  }
  audio.addEventListener('loadedmetadata', () => { audio.currentTime = at; sync(); }, { once: true });
}

function showMetrics(metrics) {
  const body = $('metrics').querySelector('tbody');
  body.innerHTML = '';
  for (const [name, value] of Object.entries(metrics)) {
    const row = body.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = Number(value).toFixed(4);
  }
}

async function loadEnvelopes(job) {
  if (job.envelopes) {
    return;
  }
  job.envelopes = true;
  try {
    drawEnvelopes(await api(`/api/jobs/${job.jobId}/envelopes.json`));
  } catch (error) {
    job.envelopes = false;
    $('envelope-plot').textContent = 'envelopes: ' + error.message;
  }
}

const SVG = 'http://www.w3.org/2000/svg';

function drawEnvelopes(plot) {
  const width = 1000;
  const height = 140;
  const seconds = plot.target.length * plot.secondsPerPoint;
  const peak = Math.max(1e-9, ...plot.target, ...plot.generated);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const line = (values, cls) => {
    const path = document.createElementNS(SVG, 'polyline');
    path.setAttribute('class', cls);
    path.setAttribute('points', values.map((v, i) =>
      `${(i * plot.secondsPerPoint / seconds * width).toFixed(1)},${(height - 4 - v / peak * (height - 8)).toFixed(1)}`).join(' '));
    svg.appendChild(path);
  };
  line(plot.target, 'target');
  line(plot.generated, 'generated');
  for (const onset of plot.generatedOnsetsS) {
    const tick = document.createElementNS(SVG, 'line');
    const x = (onset / seconds * width).toFixed(1);
    tick.setAttribute('class', 'onset');
    tick.setAttribute('x1', x); tick.setAttribute('x2', x); tick.setAttribute('y1', height - 14); tick.setAttribute('y2', height);
    svg.appendChild(tick);
  }
  const playhead = document.createElementNS(SVG, 'line');
  playhead.setAttribute('class', 'playhead');
  playhead.setAttribute('y1', 0); playhead.setAttribute('y2', height);
  svg.appendChild(playhead);
  svg.dataset.seconds = seconds;
  $('envelope-plot').replaceChildren(svg);
  movePlayhead();
}

function movePlayhead() {
  const svg = $('envelope-plot').querySelector('svg');
  if (svg) {
    const x = ($('video').currentTime / Number(svg.dataset.seconds) * 1000).toFixed(1);
    const playhead = svg.querySelector('.playhead');
    playhead.setAttribute('x1', x); playhead.setAttribute('x2', x);
  }
}

// ---- A/B: the video's own sound is the original, the audio element the Foley, kept on the video's clock ----

function listenTo() {
  return document.querySelector('input[name=ab]:checked').value;
}

function applyMix() {
  const video = $('video');
  const foley = $('foley');
  const balance = Number($('balance').value);
  const mode = listenTo();
  video.muted = mode === 'foley';
  video.volume = mode === 'both' ? 1 - balance : 1;
  foley.muted = mode === 'original';
  foley.volume = mode === 'both' ? balance : 1;
  $('balance-box').hidden = mode !== 'both';
}

function sync() {
  const video = $('video');
  const foley = $('foley');
  if (!foley.src || foley.readyState === 0) {
    return;
  }
  if (Math.abs(foley.currentTime - video.currentTime) > 0.08) {
    foley.currentTime = Math.min(video.currentTime, foley.duration || video.currentTime);
  }
  if (video.paused !== foley.paused) {
    if (video.paused) {
      foley.pause();
    } else {
      foley.play().catch(() => {});
    }
  }
}

// ---- jobs list ----

async function refreshJobs() {
  let jobs;
  try {
    jobs = await api('/api/jobs');
  } catch (error) {
    return;
  }
  const rendered = JSON.stringify(jobs);
  if (rendered === lastJobs) {
    return; // unchanged: keep the rows (and any button under the pointer)
  }
  lastJobs = rendered;
  const body = $('jobs').querySelector('tbody');
  body.innerHTML = '';
  for (const job of jobs) {
    const row = body.insertRow();
    row.dataset.jobId = job.jobId;
    row.insertCell().textContent = job.jobId.slice(0, 8);
    const state = row.insertCell();
    state.textContent = job.state;
    state.className = job.state;
    row.insertCell().textContent = job.windowsTotal ? `${job.windowsDone}/${job.windowsTotal}` : '';
    row.insertCell().textContent = job.metrics.envelope_l1 === undefined ? '' : job.metrics.envelope_l1.toFixed(4);
    row.insertCell().textContent = new Date(job.updatedAtMs).toLocaleTimeString();
    const actions = row.insertCell();
    const open = document.createElement('button');
    open.textContent = 'open';
    open.onclick = () => openJob(job.jobId);
    const again = document.createElement('button');
    again.textContent = 're-run';
    again.className = 'rerun';
    again.onclick = async () => {
      const detail = await api(`/api/jobs/${job.jobId}`);
      if (!detail.hasVideo) {
        showUpload(0, 'this job\'s upload is not kept here: upload it again');
        return;
      }
      enterRerun(job.jobId, detail.options || {});
    };
    actions.append(open, again);
  }
}

async function download(path, name) {
  const link = document.createElement('a');
  link.href = await mediaUrl(path);
  link.download = name;
  link.click();
}

// ---- wiring ----

async function init() {
  $('token').value = localStorage.getItem('foley-token') || '';
  $('token').addEventListener('change', () => { localStorage.setItem('foley-token', $('token').value); refreshJobs(); });
  config = await (await fetch('/api/config', { headers: authHeaders() })).json().catch(() => config);
  $('token-box').hidden = !config.authEnabled;
  for (const name of config.samplers || []) {
    $('sampler').add(new Option(name, name));
  }
  for (const name of config.envelopePresets || []) {
    $('envelope-preset').add(new Option(name, name));
  }
  $('upload-form').addEventListener('submit', submit);
  $('rerun-cancel').addEventListener('click', leaveRerun);
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (event.dataTransfer.files.length) {
      $('file').files = event.dataTransfer.files;
      $('drop-text').textContent = event.dataTransfer.files[0].name;
    }
  });
  document.querySelectorAll('input[name=ab]').forEach((radio) => radio.addEventListener('change', applyMix));
  $('balance').addEventListener('input', applyMix);
  const video = $('video');
  for (const event of ['play', 'pause', 'seeked', 'ratechange']) {
    video.addEventListener(event, () => { $('foley').playbackRate = video.playbackRate; sync(); });
  }
  video.addEventListener('timeupdate', () => { sync(); movePlayhead(); });
  $('download-wav').addEventListener('click', (event) => {
    event.preventDefault();
    if (current) {
      download(`/api/jobs/${current.jobId}/audio.wav?download=1`, current.jobId + '.foley.wav');
    }
  });
  $('download-mp4').addEventListener('click', (event) => {
    event.preventDefault();
    if (current) {
      download(`/api/jobs/${current.jobId}/foley.mp4`, current.jobId + '.foley.mp4');
    }
  });
  applyMix();
  refreshJobs();
  setInterval(refreshJobs, 5000);
}

init();
