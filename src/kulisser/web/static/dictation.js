// Dictation pages: the review editor's audio keys, word highlighting and autosave; the
// recorder on the upload page. The pages pass data in data-* attributes (CSP: no inline JS).
(function () {
  "use strict";
  var KEYS_STORE = "kulisser.dictation.keys";
  var SPEED_STORE = "kulisser.dictation.speed";
  var COMMANDS = ["playPause", "back", "forward", "slower", "faster", "nextMark"];
  // Foot pedals usually send function keys; F3/F4/F5 are the common back/play/forward.
  var DEFAULTS = { playPause: "F4", back: "F3", forward: "F5", slower: "F6", faster: "F7", nextMark: "F8", step: 3 };
  var MODIFIERS = ["Control", "Alt", "Shift", "Meta", "AltGraph", "CapsLock"];

  function $(id) { return document.getElementById(id); }

  function fmtTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    var s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // -- shortcuts: stored per browser, so each secretary keeps her own pedal set-up -----------

  function loadKeys() {
    var keys = Object.assign({}, DEFAULTS);
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEYS_STORE) || "{}");
      COMMANDS.forEach(function (c) { if (typeof saved[c] === "string" && saved[c]) keys[c] = saved[c]; });
      var step = Number(saved.step);
      if (step >= 1 && step <= 30) keys.step = Math.round(step);
    } catch (e) { /* private mode or bad JSON: the defaults */ }
    return keys;
  }

  function storeKeys(keys) {
    try { window.localStorage.setItem(KEYS_STORE, JSON.stringify(keys)); } catch (e) { /* not kept */ }
  }

  // A key press as text: "F4", "Ctrl+Space", "Alt+Shift+P".
  function keyName(e) {
    if (MODIFIERS.indexOf(e.key) >= 0 || !e.key) return "";
    var key = e.key === " " ? "Space" : e.key;
    if (key.length === 1) key = key.toUpperCase();
    var parts = [];
    if (e.ctrlKey) parts.push("Ctrl");
    if (e.altKey) parts.push("Alt");
    if (e.shiftKey) parts.push("Shift");
    if (e.metaKey) parts.push("Meta");
    parts.push(key);
    return parts.join("+");
  }

  // A plain letter, digit or space would stop that character from being typed in the text.
  function typable(name) {
    return name.indexOf("+") < 0 && (name.length === 1 || name === "Space" || name === "Enter" ||
      name === "Backspace" || name === "Tab" || name === "Delete" || name.indexOf("Arrow") === 0);
  }

  function showKeys(keys) {
    document.querySelectorAll("[data-key-for]").forEach(function (el) {
      var k = keys[el.getAttribute("data-key-for")];
      if (k) el.textContent = k;
    });
    document.querySelectorAll("[data-step-label]").forEach(function (el) { el.textContent = String(keys.step); });
  }

  function initKeyDialog(state) {
    var dialog = $("keys-dialog"), open = $("keys-open"), form = $("keys-form");
    if (!dialog || !open || !form || typeof dialog.showModal !== "function") {
      if (open) open.hidden = true;
      return;
    }
    var error = $("keys-error");
    function fill(keys) {
      COMMANDS.forEach(function (c) { var input = $("key-" + c); if (input) input.value = keys[c]; });
      $("key-step").value = keys.step;
    }
    open.addEventListener("click", function () { error.textContent = ""; fill(state.keys); dialog.showModal(); });
    dialog.querySelectorAll("[data-key-input]").forEach(function (input) {
      input.addEventListener("keydown", function (e) {
        if (e.key === "Tab" && !e.ctrlKey && !e.altKey) return;  // keep moving between fields
        if (e.key === "Escape") return;  // closes the dialog
        var name = keyName(e);
        if (!name) return;
        e.preventDefault();
        e.stopPropagation();
        input.value = name;
      });
    });
    $("keys-reset").addEventListener("click", function () { error.textContent = ""; fill(DEFAULTS); });
    form.addEventListener("submit", function (e) {
      if (!e.submitter || e.submitter.value !== "save") return;
      var keys = { step: Number($("key-step").value) };
      var seen = {};
      for (var i = 0; i < COMMANDS.length; i++) {
        var c = COMMANDS[i], value = $("key-" + c).value.trim();
        if (!value) { error.textContent = "Välj en tangent för varje funktion."; e.preventDefault(); return; }
        if (typable(value)) {
          error.textContent = value + ": välj en funktionstangent (F1–F12) eller en kombination med Ctrl eller Alt, annars går tecknet inte att skriva.";
          e.preventDefault(); return;
        }
        if (seen[value]) { error.textContent = value + " används redan för en annan funktion."; e.preventDefault(); return; }
        seen[value] = true;
        keys[c] = value;
      }
      if (!(keys.step >= 1 && keys.step <= 30)) { error.textContent = "Steget ska vara 1–30 sekunder."; e.preventDefault(); return; }
      keys.step = Math.round(keys.step);
      state.keys = keys;
      storeKeys(keys);
      showKeys(keys);
    });
  }

  // -- the player and the draft's words ------------------------------------------------------

  function initPlayer(state) {
    var audio = $("audio");
    if (!audio) return;
    var speed = $("speed"), position = $("position"), playButton = $("play-button");
    var box = $("words");
    var words = box ? Array.prototype.slice.call(box.querySelectorAll(".w")) : [];
    var starts = words.map(function (w) { return parseFloat(w.getAttribute("data-start")) || 0; });
    var current = -1, frame = 0;

    function setRate(rate) {
      rate = Math.min(2, Math.max(0.5, Math.round(rate * 10) / 10));
      audio.defaultPlaybackRate = rate;  // survives the element's (re)load
      audio.playbackRate = rate;
      if (speed) speed.value = rate.toFixed(1);
      try { window.localStorage.setItem(SPEED_STORE, String(rate)); } catch (e) { /* not kept */ }
    }
    var savedRate = 1;
    try { savedRate = Number(window.localStorage.getItem(SPEED_STORE)) || 1; } catch (e) { /* default */ }
    setRate(savedRate);
    if (speed) speed.addEventListener("change", function () { setRate(Number(speed.value)); });

    // The last word that has started by time t (binary search: drafts have thousands of words).
    function wordAt(t) {
      var lo = 0, hi = starts.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (starts[mid] <= t + 0.02) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return found;
    }
    function reveal(word) {
      // Scroll the words box only (never the page: the secretary may be typing elsewhere).
      var top = word.offsetTop, bottom = top + word.offsetHeight;
      if (top < box.scrollTop || bottom > box.scrollTop + box.clientHeight) {
        box.scrollTop = Math.max(0, top - box.clientHeight / 3);
      }
    }
    function update() {
      if (position) position.textContent = fmtTime(audio.currentTime) + " / " + fmtTime(audio.duration);
      if (!words.length) return;
      var i = wordAt(audio.currentTime);
      if (i === current) return;
      if (current >= 0) { words[current].classList.remove("now"); words[current].removeAttribute("aria-current"); }
      current = i;
      if (i >= 0) { words[i].classList.add("now"); words[i].setAttribute("aria-current", "true"); reveal(words[i]); }
    }
    function loop() { update(); if (!audio.paused) frame = window.requestAnimationFrame(loop); }
    function seek(t) {
      var end = isFinite(audio.duration) ? audio.duration : Infinity;
      audio.currentTime = Math.min(end, Math.max(0, t));
      update();
    }
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("loadedmetadata", update);
    audio.addEventListener("play", function () {
      if (playButton) playButton.setAttribute("aria-pressed", "true");
      window.cancelAnimationFrame(frame);
      frame = window.requestAnimationFrame(loop);
    });
    audio.addEventListener("pause", function () { if (playButton) playButton.setAttribute("aria-pressed", "false"); update(); });

    var run = {
      playPause: function () {
        if (audio.paused) {
          var p = audio.play();
          if (p && p.catch) p.catch(function () { /* refused until the page is used: the click or key plays */ });
        } else { audio.pause(); }
      },
      back: function () { seek(audio.currentTime - state.keys.step); },
      forward: function () { seek(audio.currentTime + state.keys.step); },
      slower: function () { setRate(audio.playbackRate - 0.1); },
      faster: function () { setRate(audio.playbackRate + 0.1); },
      nextMark: function () {
        for (var i = 0; i < words.length; i++) {
          if (starts[i] > audio.currentTime + 0.05 && words[i].classList.contains("att")) {
            seek(Math.max(0, starts[i] - 0.3));
            return;
          }
        }
      }
    };
    state.run = run;
    document.querySelectorAll("[data-cmd]").forEach(function (button) {
      button.addEventListener("click", function () { var f = run[button.getAttribute("data-cmd")]; if (f) f(); });
    });
    if (box) {
      box.addEventListener("click", function (e) {
        var word = e.target.closest ? e.target.closest(".w") : null;
        if (word && box.contains(word)) seek(parseFloat(word.getAttribute("data-start")) || 0);
      });
    }
    update();
  }

  function initShortcuts(state) {
    // Capture phase, so the keys work while the focus is in the text area (and F5 never reloads).
    document.addEventListener("keydown", function (e) {
      var dialog = $("keys-dialog");
      if (dialog && dialog.open) return;
      var name = keyName(e);
      if (!name) return;
      // The pages' access keys, the same way in every browser: Alt+letter (or Alt+Shift+letter).
      if (e.altKey && !e.ctrlKey && !e.metaKey && /^Key[A-Z]$/.test(e.code || "")) {
        var target = document.querySelector('[accesskey="' + e.code.slice(3).toLowerCase() + '"]');
        if (target && !target.disabled && target.getClientRects().length) {
          e.preventDefault();
          if (target.tagName === "TEXTAREA" || target.tagName === "INPUT") target.focus(); else target.click();
          return;
        }
      }
      if (name === "Ctrl+S" && state.autosave) {
        e.preventDefault();
        state.autosave.save();
        return;
      }
      if (!state.run) return;
      for (var i = 0; i < COMMANDS.length; i++) {
        if (state.keys[COMMANDS[i]] === name) {
          e.preventDefault();
          e.stopPropagation();
          state.run[COMMANDS[i]]();
          return;
        }
      }
    }, true);
  }

  // -- autosave: every few seconds while changed, and when the page is left -------------------

  function initAutosave(state) {
    var root = $("editor"), area = $("note-text");
    if (!root || !area || root.getAttribute("data-editable") !== "1") return;
    var url = root.getAttribute("data-save-url"), csrf = root.getAttribute("data-csrf");
    var revision = parseInt(root.getAttribute("data-revision"), 10) || 0;
    var revisionInput = $("base-revision"), status = $("save-status");
    var saved = area.value;      // what the server has (or the page opened with)
    var sending = null;          // the text of the save in flight
    var inFlight = null, timer = 0, conflict = false;

    function setStatus(text, kind) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("save-error", kind === "error");
      status.classList.toggle("save-ok", kind === "ok");
    }
    function dirty() { return area.value !== (sending === null ? saved : sending); }
    function form(text, base) {
      var body = new FormData();
      body.append("text", text);
      body.append("base_revision", String(base));
      body.append("csrf_token", csrf);
      return body;
    }
    function schedule(ms) { window.clearTimeout(timer); timer = window.setTimeout(save, ms || 2000); }

    function save(options) {
      if (conflict) return Promise.resolve(false);
      if (inFlight) return inFlight.then(function () { return save(options); });
      if (area.value === saved) return Promise.resolve(true);
      var text = area.value;
      sending = text;
      setStatus("Sparar …");
      var keepalive = !!(options && options.keepalive) && text.length < 60000;  // keepalive bodies are capped at 64 kB
      inFlight = fetch(url, { method: "POST", body: form(text, revision), credentials: "same-origin",
                              headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, keepalive: keepalive })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (data) { return { r: r, data: data }; });
        })
        .then(function (res) {
          inFlight = null; sending = null;
          if (res.r.ok) {
            revision = res.data.revision;
            if (revisionInput) revisionInput.value = String(revision);
            saved = text;
            setStatus(res.data.message || "Sparat", "ok");
            // The first save starts the review: the status on the page follows.
            var badge = $("st-" + root.getAttribute("data-dictation"));
            if (badge && res.data.status_label) badge.textContent = res.data.status_label;
            if (area.value !== saved) schedule();
            return true;
          }
          var detail = res.data.detail || ("fel " + res.r.status);
          if (res.data.error === "edit_conflict") {
            // Someone else saved: stop, and keep this text on screen to copy.
            conflict = true;
            setStatus(detail, "error");
          } else {
            setStatus("Kunde inte spara: " + detail, "error");
          }
          return false;
        })
        .catch(function () {
          inFlight = null; sending = null;
          setStatus("Kunde inte spara: ingen kontakt med servern. Försöker igen …", "error");
          schedule(5000);
          return false;
        });
      return inFlight;
    }

    area.addEventListener("input", function () {
      if (!conflict) { setStatus("Ändrat – sparas strax"); schedule(2000); }
    });
    // Also on a steady beat, in case an input event was missed (drag and drop, IME).
    window.setInterval(function () { if (!inFlight && area.value !== saved) save(); }, 5000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && area.value !== saved) save({ keepalive: true });
    });
    // Leaving: sendBeacon cannot set headers, so the CSRF token goes in the form body.
    window.addEventListener("pagehide", function () {
      if (conflict || !dirty() || !navigator.sendBeacon) return;
      var base = inFlight ? revision + 1 : revision;  // the save in flight will have bumped it
      navigator.sendBeacon(url, form(area.value, base));
    });
    var beat = initHeartbeat(root, area, csrf);
    var insert = $("insert-draft");
    if (insert) {
      insert.addEventListener("click", function () {
        area.value = area.value.replace(/\s*$/, "") + "\n\n" + insert.getAttribute("data-draft") + "\n";
        area.dispatchEvent(new Event("input"));
        area.focus();
        beat.now("restore");
      });
    }
    // Starting from an empty text discards what was typed: ask first, then stop autosaving
    // (the server keeps the draft; the page comes back with the bare headings).
    var empty = $("empty-form");
    if (empty) {
      empty.addEventListener("submit", function (e) {
        var typed = area.value.trim();
        if (typed && typed !== (empty.getAttribute("data-draft-start") || "").trim() &&
            !window.confirm("Din text ersätts med en tom anteckning. Utkastet finns kvar att infoga. Fortsätta?")) {
          e.preventDefault();
          return;
        }
        conflict = true;
        window.clearTimeout(timer);
      });
    }
    state.autosave = { save: save, dirty: function () { return area.value !== saved; } };
  }

  // -- activity heartbeat: that she types or listens, at most once per 30 s, never what -------

  function initHeartbeat(root, area, csrf) {
    var url = root.getAttribute("data-activity-url");
    var last = 0, pending = null, timer = 0;
    function send(kind) {
      if (!url) return;
      last = Date.now();
      pending = null;
      var body = new FormData();
      body.append("kind", kind);
      body.append("csrf_token", csrf);
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "X-CSRF-Token": csrf } }).catch(function () { /* a lost beat is a short gap */ });
    }
    function mark(kind) {
      pending = pending === "key" ? "key" : kind;
      var wait = last + 30000 - Date.now();
      if (wait <= 0) { window.clearTimeout(timer); send(pending); return; }
      if (!timer) timer = window.setTimeout(function () { timer = 0; if (pending) send(pending); }, wait);
    }
    area.addEventListener("keydown", function () { mark("key"); });
    area.addEventListener("input", function () { mark("key"); });
    var audio = $("audio");
    if (audio) {
      audio.addEventListener("play", function () { mark("play"); });
      audio.addEventListener("timeupdate", function () { if (!audio.paused) mark("play"); });
    }
    return { now: send };
  }

  // Actions save the text first, then submit (a form's own POST would race the autosave).
  function initFlush(state) {
    document.querySelectorAll("form[data-flush]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!state.autosave || f.getAttribute("data-flushed") === "1") return;
        e.preventDefault();
        state.autosave.save().then(function (ok) {
          if (!ok && state.autosave.dirty()) return;  // the message says why; nothing is sent
          var revision = $("base-revision"), carried = f.querySelector("input[name=base_revision]");
          if (revision && carried) carried.value = revision.value;
          var submitter = e.submitter || undefined;
          // A new task: while the first submit event is still being fired (a save that had
          // nothing to do resolves at once), requestSubmit would be silently ignored.
          window.setTimeout(function () {
            f.setAttribute("data-flushed", "1");
            if (f.requestSubmit) f.requestSubmit(submitter); else f.submit();
            f.removeAttribute("data-flushed");
          }, 0);
        });
      });
    });
  }

  // While the recognizer works, the page polls its state; when the draft is there, show it.
  function initDraftWatch(state) {
    var box = $("transcription");
    if (!box) return;
    var id = box.getAttribute("data-dictation");
    function check() {
      var badge = $("ts-" + id);
      if (!badge || badge.getAttribute("data-status") !== "done") return;
      if (!state.autosave || !state.autosave.dirty()) {
        window.location.reload();
      } else {
        $("draft-arrived").hidden = false;
      }
    }
    document.body.addEventListener("htmx:oobAfterSwap", function () { window.setTimeout(check, 0); });
    document.body.addEventListener("htmx:afterRequest", function () { window.setTimeout(check, 0); });
    var reload = $("draft-reload");
    if (reload) {
      reload.addEventListener("click", function () {
        var done = state.autosave ? state.autosave.save() : Promise.resolve(true);
        done.then(function (ok) { if (ok) window.location.reload(); });
      });
    }
  }

  // A <details> opened by its access key puts the focus in its first field.
  function initDetails() {
    document.addEventListener("toggle", function (e) {
      var d = e.target;
      if (!d || d.tagName !== "DETAILS" || !d.open) return;
      var field = d.querySelector("textarea, input:not([type=hidden]), select");
      if (field) field.focus();
    }, true);
  }

  // -- the recorder (upload page) ------------------------------------------------------------

  function initRecorder() {
    var box = $("recorder"), formEl = $("upload-form");
    if (!box || !formEl) return;
    var supported = window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
    var startB = $("rec-start"), stopB = $("rec-stop"), playB = $("rec-play"), discardB = $("rec-discard");
    var time = $("rec-time"), status = $("rec-status"), uploadStatus = $("upload-status");
    var recorder = null, chunks = [], blob = null, started = 0, ticker = 0, audioCtx = null, source = null;
    if (supported) box.hidden = false;

    function say(text) { status.textContent = text; }
    function buttons(recording) {
      startB.disabled = recording;
      stopB.disabled = !recording;
      playB.disabled = recording || !blob;
      discardB.disabled = recording || !blob;
    }
    function stopPlayback() { if (source) { try { source.stop(); } catch (e) { /* ended */ } source = null; playB.textContent = "▶ Lyssna"; } }

    if (supported) {
      startB.addEventListener("click", function () {
        stopPlayback();
        navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
          var type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"].filter(function (t) {
            return MediaRecorder.isTypeSupported(t);
          })[0];
          recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
          chunks = [];
          blob = null;
          recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) chunks.push(e.data); });
          recorder.addEventListener("stop", function () {
            window.clearInterval(ticker);
            stream.getTracks().forEach(function (t) { t.stop(); });
            blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
            buttons(false);
            say("Inspelningen är klar (" + fmtTime((Date.now() - started) / 1000) + "). Lyssna, spela in igen eller ladda upp.");
          });
          recorder.start(1000);
          started = Date.now();
          ticker = window.setInterval(function () { time.textContent = fmtTime((Date.now() - started) / 1000); }, 250);
          buttons(true);
          say("Spelar in …");
        }).catch(function (err) {
          say("Mikrofonen gick inte att använda (" + (err && err.name ? err.name : "fel") + "). Välj en ljudfil i stället.");
        });
      });
      stopB.addEventListener("click", function () { if (recorder && recorder.state !== "inactive") recorder.stop(); });
      // Played with Web Audio: the page's CSP allows no blob: media URLs.
      playB.addEventListener("click", function () {
        if (!blob) return;
        if (source) { stopPlayback(); return; }
        audioCtx = audioCtx || new (window.AudioContext || window.webkitAudioContext)();
        blob.arrayBuffer().then(function (buf) { return audioCtx.decodeAudioData(buf); }).then(function (decoded) {
          source = audioCtx.createBufferSource();
          source.buffer = decoded;
          source.connect(audioCtx.destination);
          source.addEventListener("ended", stopPlayback);
          source.start();
          playB.textContent = "■ Sluta lyssna";
        }).catch(function () { say("Inspelningen gick inte att spela upp här; den kan ändå laddas upp."); });
      });
      discardB.addEventListener("click", function () {
        stopPlayback(); blob = null; chunks = []; time.textContent = "0:00"; buttons(false);
        say("Inspelningen är borttagen.");
      });
    }

    formEl.addEventListener("submit", function (e) {
      var fileInput = $("f-file");
      if (!blob || (fileInput && fileInput.files && fileInput.files.length)) return;  // a file: the plain form post
      e.preventDefault();
      var body = new FormData(formEl);
      var ext = blob.type.indexOf("ogg") >= 0 ? "ogg" : "webm";
      body.set("file", blob, "inspelning." + ext);
      var csrf = body.get("csrf_token") || "";
      var submit = $("upload-submit");
      submit.disabled = true;
      uploadStatus.textContent = "Laddar upp …";
      fetch(formEl.action, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } })
        .then(function (r) {
          if (r.ok && r.redirected) { window.location.href = r.url; return; }
          return r.text().then(function (html) {
            submit.disabled = false;
            uploadStatus.textContent = "";
            var page = new DOMParser().parseFromString(html, "text/html");
            // The form's fields with their messages and the typed values; the recording stays.
            ["upload-fields", "file-field"].forEach(function (id) {
              var fresh = page.getElementById(id), old = $(id);
              if (fresh && old) old.replaceWith(document.importNode(fresh, true));
            });
            if (!page.getElementById("upload-fields")) uploadStatus.textContent = "Uppladdningen misslyckades (" + r.status + ").";
            var summary = document.querySelector(".error-summary");
            if (summary) summary.focus();
          });
        })
        .catch(function () { submit.disabled = false; uploadStatus.textContent = "Ingen kontakt med servern; försök igen."; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var state = { keys: loadKeys(), run: null, autosave: null };
    showKeys(state.keys);
    initPlayer(state);
    initAutosave(state);
    initShortcuts(state);
    initKeyDialog(state);
    initFlush(state);
    initDraftWatch(state);
    initDetails();
    initRecorder();
  });
})();
