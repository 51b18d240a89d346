// What the staff pages (the counter console, the appointments page) share: the sign-in with the
// forced change of the initial password, the session check and sign-out, the language switch and
// JSON calls to the API. Loaded with a plain <script> before the page's own script, it adds the
// shared markup at once (who is signed in, the language buttons and Sign out in the header, then
// the error line and the two forms), so the page's script finds every element in place. The page
// then calls Staff.start() with its own texts and what to do once someone is signed in.
"use strict";

const Staff = (() => {
  const TEXTS = {
    ru: {
      console: "Пульт оператора", signout: "Выйти", signin: "Вход", username: "Имя пользователя",
      password: "Пароль", signin_button: "Войти", change_title: "Смените начальный пароль",
      change_hint: "Новый пароль: не короче 10 символов.", old_password: "Текущий пароль",
      new_password: "Новый пароль", repeat_password: "Повторите новый пароль", change_button: "Сменить пароль",
      mismatch: "Пароли не совпадают", center: "Офис",
    },
    "zh-Hant": {
      console: "櫃檯操作台", signout: "登出", signin: "登入", username: "使用者名稱", password: "密碼",
      signin_button: "登入", change_title: "請變更初始密碼", change_hint: "新密碼至少 10 個字元。",
      old_password: "目前密碼", new_password: "新密碼", repeat_password: "再次輸入新密碼",
      change_button: "變更密碼", mismatch: "兩次輸入的密碼不一致", center: "服務中心",
    },
    en: {
      console: "Counter console", signout: "Sign out", signin: "Sign in", username: "Username",
      password: "Password", signin_button: "Sign in", change_title: "Change your initial password",
      change_hint: "The new password needs at least 10 characters.", old_password: "Current password",
      new_password: "New password", repeat_password: "Repeat the new password", change_button: "Change password",
      mismatch: "The passwords differ", center: "Center",
    },
  };
  const LANG_KEY = "counter-lang"; // one choice for all staff pages

  const $ = (id) => document.getElementById(id);
  let texts = TEXTS;
  let lang = new URLSearchParams(location.search).get("lang") || localStorage.getItem(LANG_KEY) || guessLang();
  let me = null;
  let page = null;
  let pollTimer = null;

  document.querySelector("header.top .right").insertAdjacentHTML("beforeend", `
    <span id="who" class="who"></span>
    <nav class="langs" aria-label="language">
      <button type="button" data-lang="ru">RU</button>
      <button type="button" data-lang="zh-Hant">繁中</button>
      <button type="button" data-lang="en">EN</button>
    </nav>
    <button id="signout" type="button" class="quiet" data-t="signout" hidden>Выйти</button>`);
  document.querySelector("header.top").insertAdjacentHTML("afterend", `
<div id="error" class="error" role="alert" hidden></div>

<section id="signin" class="panel narrow" hidden>
  <h2 data-t="signin">Вход</h2>
  <form id="signin-form">
    <label><span data-t="username">Имя пользователя</span><input id="username" name="username" autocomplete="username" required></label>
    <label><span data-t="password">Пароль</span><input id="password" name="password" type="password" autocomplete="current-password" required></label>
    <button id="signin-submit" type="submit" class="primary" data-t="signin_button">Войти</button>
  </form>
</section>

<section id="change" class="panel narrow" hidden>
  <h2 data-t="change_title">Смените начальный пароль</h2>
  <p data-t="change_hint">Новый пароль: не короче 10 символов.</p>
  <form id="change-form">
    <label><span data-t="old_password">Текущий пароль</span><input id="old-password" type="password" autocomplete="current-password" required></label>
    <label><span data-t="new_password">Новый пароль</span><input id="new-password" type="password" autocomplete="new-password" required></label>
    <label><span data-t="repeat_password">Повторите новый пароль</span><input id="repeat-password" type="password" autocomplete="new-password" required></label>
    <button id="change-submit" type="submit" class="primary" data-t="change_button">Сменить пароль</button>
  </form>
</section>`);

  function guessLang() {
    const nav = (navigator.language || "ru").toLowerCase();
    if (nav.startsWith("zh")) return "zh-Hant";
    if (nav.startsWith("en")) return "en";
    return "ru";
  }

  function t(key) {
    return (texts[lang] && texts[lang][key]) || texts.en[key] || key;
  }

  // A multilingual name from the API ({"ru": ..., "zh-Hant": ..., "en": ...}).
  function name(text) {
    return (text && (text[lang] || text.en)) || "";
  }

  function applyLang() {
    if (!texts[lang]) lang = "ru";
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    document.querySelectorAll("[data-lang]").forEach((el) => {
      el.setAttribute("aria-current", String(el.dataset.lang === lang));
    });
    if (page && page.onLang) page.onLang();
  }

  function showError(message) {
    $("error").textContent = message || "";
    $("error").hidden = !message;
  }

  // A JSON call with the session cookie; an error response throws with .status, .code (the API's
  // "error") and .data (the whole body, e.g. "opens_at").
  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({ error: "bad_response", message: response.statusText }));
    if (!response.ok) {
      const error = new Error(data.message || data.error || String(response.status));
      error.status = response.status;
      error.code = data.error;
      error.data = data;
      throw error;
    }
    return data;
  }

  // Shows one section (the sign-in, the password change or one of the page's own) and stops the
  // polling: the page starts it again once its data is on screen.
  function show(section) {
    for (const id of ["signin", "change", ...page.sections]) $(id).hidden = id !== section;
    $("signout").hidden = section === "signin";
    stopPolling();
  }

  function startPolling(fn, ms) {
    stopPolling();
    pollTimer = setInterval(fn, ms);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  async function route() {
    if (!me) {
      $("who").textContent = "";
      show("signin");
      $("username").focus();
      return;
    }
    $("who").textContent = `${me.username} (${me.role})`;
    if (me.must_change_password) {
      show("change");
      $("old-password").focus();
      return;
    }
    await page.ready(me);
  }

  // The API answered 401 (the session expired or was ended elsewhere): back to the sign-in.
  async function sessionLost() {
    me = null;
    await route();
  }

  async function submit(event, path, body, clear) {
    event.preventDefault();
    showError("");
    try {
      me = (await api("POST", path, body())).staff;
      for (const id of clear) $(id).value = "";
      await route();
    } catch (e) {
      showError(e.message);
    }
  }

  // options: texts ({lang: {key: text}}, added to the shared ones), sections (the ids of the
  // page's own sections), ready(me) (someone is signed in with a usable password: show the page),
  // signedOut() (forget the page's data), onLang() (render again in the new language).
  async function start(options) {
    page = options;
    texts = {};
    for (const code of Object.keys(TEXTS)) texts[code] = { ...TEXTS[code], ...(options.texts[code] || {}) };

    $("signin-form").addEventListener("submit", (event) => submit(event, "/api/v1/staff/login", () => ({
      username: $("username").value.trim(),
      password: $("password").value,
    }), ["password"]));

    $("change-form").addEventListener("submit", (event) => {
      if ($("new-password").value !== $("repeat-password").value) {
        event.preventDefault();
        showError(t("mismatch"));
        return;
      }
      submit(event, "/api/v1/staff/password", () => ({
        old_password: $("old-password").value,
        new_password: $("new-password").value,
      }), ["old-password", "new-password", "repeat-password"]);
    });

    $("signout").addEventListener("click", async () => {
      try {
        await api("POST", "/api/v1/staff/logout");
      } catch (e) {
        /* already signed out */
      }
      me = null;
      if (page.signedOut) page.signedOut();
      await route();
    });

    document.querySelectorAll("[data-lang]").forEach((el) => {
      el.addEventListener("click", () => {
        lang = el.dataset.lang;
        localStorage.setItem(LANG_KEY, lang);
        applyLang();
      });
    });

    applyLang();
    try {
      me = (await api("GET", "/api/v1/staff/me")).staff;
    } catch (e) {
      me = null;
    }
    await route();
  }

  return {
    $, t, name, api, showError, show, startPolling, stopPolling, sessionLost, start,
    get me() { return me; }, // the signed-in staff member (null when signed out)
  };
})();
