// The scanning station: one input a keyboard-wedge scanner types into; every Enter is one scan, sent to the API in
// the order scanned while the next one is already being typed. No build step, no library.
"use strict";

const GS = "\x1d", RS = "\x1e", EOT = "\x04", FS = "\x1c", US = "\x1f";
const TOKEN_KEY = "barcode-plugins-token";

// Ctrl+key chords a scanner sends for control characters. Browsers treat several as shortcuts (Ctrl+D bookmarks a
// page), so they are caught on keydown and typed into the field instead.
function controlFor(event) {
  if (!event.ctrlKey || event.altKey || event.metaKey) return null;
  const key = event.key, code = event.code;
  if (key === "]" || code === "BracketRight" && !event.shiftKey) return GS;
  if (key === "^" || (code === "Digit6" && event.shiftKey)) return RS;
  if (key === "d" || key === "D") return EOT;
  if (key === "\\" || code === "Backslash") return FS;
  if (key === "_" || (code === "Minus" && event.shiftKey)) return US;
  // Some keyboard layouts deliver the chord as the control character itself.
  if (key.length === 1 && key.charCodeAt(0) < 32) return key;
  return null;
}

// Unicode control pictures (what many scanner apps type for separators) back to the characters they picture.
function fromControlPictures(text) {
  return text.replace(/[\u2400-\u241f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x2400));
}

function visible(text) {
  return text.replace(/[\x00-\x1f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));
}

const $ = (id) => document.getElementById(id);
const state = { mode: "scan", pendingLink: null, queue: Promise.resolve(), altDigits: "", order: "" };

function insertAtCaret(input, text) {
  const start = input.selectionStart ?? input.value.length, end = input.selectionEnd ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(end);
  input.selectionStart = input.selectionEnd = start + text.length;
  showPreview();
}

function showPreview() {
  const value = $("scan").value;
  $("preview").textContent = /[\x00-\x1f\u2400-\u241f]/.test(value) ? visible(fromControlPictures(value)) : "";
}

function onKeyDown(event) {
  const input = event.target;
  // Alt + numpad digits: the code of one character, typed when Alt is released (Windows' Alt codes).
  if (event.altKey && !event.ctrlKey && /^Numpad[0-9]$/.test(event.code)) {
    state.altDigits += event.code.slice(6);
    event.preventDefault();
    return;
  }
  const control = controlFor(event);
  if (control !== null) {
    event.preventDefault();
    insertAtCaret(input, control);
    return;
  }
  if (event.key === "Enter" && !event.isComposing) {
    event.preventDefault();
    const raw = fromControlPictures(input.value);
    input.value = "";
    showPreview();
    if (raw.trim() !== "") submit(raw);
  }
}

function onKeyUp(event) {
  if (event.key === "Alt" && state.altDigits) {
    const code = parseInt(state.altDigits, 10);
    state.altDigits = "";
    // Only control characters: the operating system types printable Alt codes itself where it supports them.
    if (code > 0 && code < 32) insertAtCaret(event.target, String.fromCharCode(code));
  }
}

// -- talking to the API ---------------------------------------------------------------------------------------
function token() { return localStorage.getItem(TOKEN_KEY) || ""; }

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (token()) headers["Authorization"] = "Token " + token();
  const form = body instanceof FormData;  // a file upload: the browser sets the multipart type and its boundary
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined || form ? body : JSON.stringify(body) });
  let data;
  try { data = await response.json(); } catch (_) { data = { error: "the server sent no JSON (" + response.status + ")" }; }
  return { status: response.status, data };
}

function submit(raw) {
  const mode = state.mode;
  const row = addResult(raw, "pending", "…", "");
  // One request at a time, in scan order: a scanner outruns the network, and receipts must not overtake each other.
  state.queue = state.queue.then(() => runRow(mode, raw, row));
}

async function runRow(mode, raw, row) {
  try {
    await run(mode, raw, row);
  } catch (error) {
    fill(row, "bad", "error", String(error), null);
    beep();
  }
}

// A photo (or PDF) of labels: uploaded at once, then every code found is handled in the mode chosen when the photo
// was taken, one after the other as if each had been scanned, at the photo's place among the scans.
function submitPhoto(file) {
  const mode = state.mode;
  const row = addResult(file.name || "photo", "pending", "reading photo…", "");
  const form = new FormData();
  form.append("image", file, file.name || "photo.jpg");
  const uploaded = api("POST", "/api/barcode/image/", form)
    .catch((error) => ({ status: 0, data: { error: "upload failed: " + error } }));
  state.queue = state.queue.then(async () => {
    const { status, data } = await uploaded;
    if (status !== 200) return show(row, status, data, "photo");
    const texts = data.symbols.map((symbol) => symbol.text).filter((text) => text.trim() !== "");
    fill(row, "ok", "photo", texts.length + (texts.length === 1 ? " code" : " codes") + " found", null);
    for (const text of texts) await runRow(mode, text, addResult(text, "pending", "…", ""));
  }).catch((error) => {
    fill(row, "bad", "photo", String(error), null);
    beep();
  });
}

async function run(mode, raw, row) {
  if (mode === "link") return runLink(raw, row);
  if (mode === "undo") {
    const { status, data } = await api("POST", "/api/barcode/undo/", { barcode: raw });
    return show(row, status, data, data.status || "error");
  }
  if (mode === "receive") {
    const body = { barcode: raw, explain: true, allow_over: $("allow-over").checked };
    if ($("order").value) body.purchase_order = $("order").value;
    if ($("location").value.trim()) body.location = $("location").value.trim();
    if ($("quantity").value) body.quantity = Number($("quantity").value);
    const { status, data } = await api("POST", "/api/barcode/po-receive/", body);
    show(row, status, data, data.status || "error");
    if (data.purchase_order) loadLines(data.purchase_order);
    if (status === 200) addUndo(row, data);
    return;
  }
  const { status, data } = await api("POST", "/api/barcode/", { barcode: raw, explain: true });
  const label = status === 200 ? "found" : status === 404 ? "unknown" : "error";
  show(row, status, data, label);
  if (status === 200 && data.po_lines && data.po_lines.length) loadLines(data.po_lines[0].purchase_order);
}

async function runLink(raw, row) {
  if (state.pendingLink === null) {
    state.pendingLink = raw;
    fill(row, "warn", "link", "now scan or type the item (e.g. stockitem:42)", null);
    $("prompt").textContent = "Scan the item to link it to";
    return;
  }
  const barcode = state.pendingLink;
  state.pendingLink = null;
  $("prompt").textContent = promptFor("link");
  let item = raw.trim();
  if (!/^[a-z][a-z0-9_]*:\S+$/.test(item)) {  // not TYPE:ID typed by hand: an internal label names the item
    const decoded = await api("POST", "/api/barcode/decode/", { barcode: raw });
    if (decoded.status !== 200 || !decoded.data.item) {
      fill(row, "bad", "not an item", "scan one of our item labels or type TYPE:ID", decoded.data);
      beep();
      return;
    }
    item = decoded.data.item;
  }
  const { status, data } = await api("POST", "/api/barcode/link/", { barcode, item });
  row.querySelector(".scan").textContent = visible(barcode) + "  →  " + item;
  show(row, status, data, status === 200 ? "linked" : "refused");
}

function show(row, status, data, label) {
  const kind = status === 200 ? "ok" : status === 409 ? "warn" : "bad";
  const message = data.message || data.success || data.error || data.detail || "";
  fill(row, kind, label.replace(/_/g, " "), message, data);
  if (status === 401) {
    $("token-state").textContent = "a valid token is needed";
    $("token").focus();
  }
  if (kind !== "ok") beep();
}

// -- the page ----------------------------------------------------------------------------------------------------
function addResult(raw, kind, label, message) {
  const row = document.createElement("li");
  row.innerHTML = '<span class="status"></span><span class="message"></span><span class="scan"></span>';
  row.querySelector(".scan").textContent = visible(raw);
  fill(row, kind, label, message, null);
  const list = $("results");
  list.insertBefore(row, list.firstChild);
  while (list.children.length > 200) list.removeChild(list.lastChild);
  return row;
}

function fill(row, kind, label, message, data) {
  row.className = kind;
  row.dataset.status = label;
  row.querySelector(".status").textContent = label;
  row.querySelector(".message").textContent = message;
  // A failure's explanation is one click away (when the server's engine gives one).
  if (data && data.explanation != null && !row.querySelector("button.why")) {
    const why = document.createElement("button");
    why.type = "button";
    why.className = "why";
    why.textContent = "why?";
    const pre = document.createElement("pre");
    pre.hidden = true;
    pre.textContent = typeof data.explanation === "string" ? data.explanation : JSON.stringify(data.explanation, null, 2);
    why.addEventListener("click", () => { pre.hidden = !pre.hidden; });
    row.append(why, pre);
  }
}

function addUndo(row, data) {
  if (!data.barcode || !data.barcode.barcode_hash) return;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "undo";
  button.addEventListener("click", () => {
    button.disabled = true;
    state.queue = state.queue.then(async () => {
      const result = await api("POST", "/api/barcode/undo/", { barcode_hash: data.barcode.barcode_hash });
      show(row, result.status, result.data, result.status === 200 ? "undone" : "undo refused");
      if (result.data.purchase_order) loadLines(result.data.purchase_order);
    });
    refocus();
  });
  row.append(button);
}

async function loadLines(reference) {
  const { status, data } = await api("GET", "/api/order/po/" + encodeURIComponent(reference) + "/");
  if (status !== 200) return;
  $("lines").hidden = false;
  $("lines-title").textContent = "Outstanding lines of " + data.reference;
  const body = $("lines-body");
  body.textContent = "";
  for (const line of data.lines) {
    const tr = document.createElement("tr");
    if (line.outstanding <= 0) tr.className = "done";
    for (const [value, numeric] of [[line.line, true], [line.sku || line.mpn || "", false], [line.quantity, true],
                                     [line.received, true], [line.outstanding, true]]) {
      const td = document.createElement("td");
      td.textContent = value;
      if (numeric) td.className = "num";
      tr.append(td);
    }
    body.append(tr);
  }
}

async function loadOrders() {
  const { status, data } = await api("GET", "/api/order/po/?status=placed");
  if (status !== 200 || !Array.isArray(data)) return;
  const select = $("order");
  const chosen = select.value;
  select.length = 1;
  for (const order of data) {
    const option = document.createElement("option");
    option.value = option.textContent = order.reference;
    select.append(option);
  }
  select.value = chosen;
}

let audio = null;
function beep() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const oscillator = audio.createOscillator(), gain = audio.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = 440;
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.25);
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  } catch (_) { /* no audio device: the red row still says it */ }
}

function promptFor(mode) {
  return { scan: "Scan a label", receive: "Scan a label to receive it", link: "Scan the barcode to link",
           undo: "Scan a received label to undo its receipt" }[mode];
}

function setMode(mode) {
  state.mode = mode;
  state.pendingLink = null;
  for (const button of document.querySelectorAll("#modes button")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  }
  $("prompt").textContent = promptFor(mode);
  $("receive-options").hidden = mode !== "receive";
  if (mode === "receive") loadOrders();
  $("scan").focus();  // at once: the next scan may already be on its way
}

// Keep the scan field focused: a scanner types wherever the focus is. Other fields keep it while used.
function refocus() {
  setTimeout(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.tagName === "BUTTON") $("scan").focus();
  }, 0);
}

document.addEventListener("DOMContentLoaded", () => {
  const input = $("scan");
  input.addEventListener("keydown", onKeyDown);
  input.addEventListener("keyup", onKeyUp);
  input.addEventListener("input", showPreview);
  input.addEventListener("blur", () => setTimeout(refocus, 300));
  $("scan-form").addEventListener("submit", (event) => event.preventDefault());
  for (const button of document.querySelectorAll("#modes button")) {
    button.addEventListener("click", () => setMode(button.dataset.mode));
  }
  $("photo").addEventListener("change", () => {
    for (const file of $("photo").files) submitPhoto(file);
    $("photo").value = "";  // the same picture may be chosen again
    $("scan").focus();
  });
  $("order").addEventListener("change", () => { if ($("order").value) loadLines($("order").value); refocus(); });
  $("token").value = token();
  $("token-state").textContent = token() ? "saved" : "no token yet";
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token-state").textContent = "saved";
    loadOrders();
    $("scan").focus();
  });
  input.focus();
});
