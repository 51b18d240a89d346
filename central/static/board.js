// The hall board: polls /api/v1/board/{center} every 500 ms, flashes each new call for a few
// seconds and (when sound is on) plays a two-tone chime. Keeps showing the last data with a
// "reconnecting" banner while central is unreachable.
"use strict";

const POLL_MS = 500;
const TIMEOUT_MS = 2000;
const NEW_MS = 8000;
const OFFLINE_AFTER_MS = 2000;

const centerId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const $ = (id) => document.getElementById(id);

let seen = null; // call_ids already shown; null until the first answer
const newUntil = new Map(); // call_id -> Date.now() until which it flashes
let lastOk = Date.now();
let lastData = null;
let clockOffset = 0; // central time minus this screen's time, ms
let shownLatest = null;
let audio = null;
let soundOn = localStorage.getItem("board-sound") === "on";

function chime() {
  if (!soundOn) return;
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
    const start = audio.currentTime + 0.02;
    [[880, 0], [660, 0.45]].forEach(([freq, at]) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + at);
      gain.gain.exponentialRampToValueAtTime(0.4, start + at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + at);
      osc.stop(start + at + 0.65);
    });
  } catch (e) {
    /* no audio device: the flash is enough */
  }
}

function showSound() {
  $("sound").textContent = soundOn ? "♪ Звук вкл. · 音效開 · Sound on" : "Звук выкл. · 音效關 · Sound off";
  $("sound").setAttribute("aria-pressed", String(soundOn));
}

$("sound").addEventListener("click", () => {
  soundOn = !soundOn;
  localStorage.setItem("board-sound", soundOn ? "on" : "off");
  showSound();
  if (soundOn) chime();
});

function isNew(callId, now) {
  return (newUntil.get(callId) || 0) > now;
}

function note(data) {
  const now = Date.now();
  const serverNow = Date.parse(data.time);
  clockOffset = serverNow - now;
  let fresh = false;
  if (seen === null) {
    // First answer: calls made in the last few seconds still count as new.
    seen = new Set();
    for (const call of data.calls) {
      seen.add(call.call_id);
      const age = serverNow - Date.parse(call.called_at);
      if (age < NEW_MS) newUntil.set(call.call_id, now + NEW_MS - age);
    }
  } else {
    for (const call of data.calls) {
      if (!seen.has(call.call_id)) {
        seen.add(call.call_id);
        newUntil.set(call.call_id, now + NEW_MS);
        fresh = true;
      }
    }
  }
  if (fresh) chime();
}

function rowFor(call) {
  const row = document.createElement("div");
  row.className = "row";
  row.dataset.callId = call.call_id;
  const ticket = document.createElement("div");
  ticket.className = "ticket";
  ticket.textContent = call.display;
  const counter = document.createElement("div");
  counter.className = "counter";
  counter.textContent = call.counter;
  row.append(ticket, counter);
  return row;
}

function render() {
  const data = lastData;
  if (!data) return;
  const now = Date.now();
  $("name-ru").textContent = data.name.ru;
  $("name-zh").textContent = data.name["zh-Hant"];
  $("name-en").textContent = data.name.en;
  $("waiting").textContent = String(data.waiting);
  const [latest, ...rest] = data.calls;
  $("latest").hidden = !latest;
  $("idle").hidden = Boolean(latest);
  if (latest) {
    if (shownLatest !== latest.call_id) {
      shownLatest = latest.call_id;
      $("latest-ticket").textContent = latest.display;
      $("latest-counter").textContent = latest.counter;
      $("latest").dataset.callId = latest.call_id;
    }
    $("latest").classList.toggle("new", isNew(latest.call_id, now));
  }
  // Keyed rows: existing rows stay in place, so their flashing is not restarted every poll.
  const box = $("calls");
  const wanted = rest.slice(0, 6);
  const existing = new Map([...box.children].map((el) => [el.dataset.callId, el]));
  wanted.forEach((call, index) => {
    let el = existing.get(call.call_id);
    if (!el) el = rowFor(call);
    existing.delete(call.call_id);
    if (box.children[index] !== el) box.insertBefore(el, box.children[index] || null);
    el.classList.toggle("new", isNew(call.call_id, now));
  });
  for (const el of existing.values()) el.remove();
}

function tickClock() {
  if (!lastData) return;
  const when = new Date(Date.now() + clockOffset);
  try {
    $("clock").textContent = when.toLocaleTimeString("ru-RU", {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: lastData.timezone,
    });
  } catch (e) {
    $("clock").textContent = when.toTimeString().slice(0, 5);
  }
}

function setOnline(ok) {
  const offline = !ok && Date.now() - lastOk > OFFLINE_AFTER_MS;
  $("offline").hidden = !offline;
  document.body.classList.toggle("stale", offline);
  document.body.dataset.state = offline ? "offline" : "online";
}

async function poll() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(`/api/v1/board/${encodeURIComponent(centerId)}`, {
      cache: "no-store",
      signal: abort.signal,
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    lastOk = Date.now();
    note(data);
    lastData = data;
    setOnline(true);
  } catch (e) {
    setOnline(false);
  } finally {
    clearTimeout(timer);
    render();
    tickClock();
    setTimeout(poll, POLL_MS);
  }
}

showSound();
poll();
