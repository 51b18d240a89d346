// The staff appeals page: once signed in (staff.js, the same session as the counter console), the
// registry filtered (open, mine, overdue, all; a status), and one appeal with the visitor's own
// words, its history and answers, a repeat proposal when there is one, and the actions: route,
// ask for information, information received, extend, answer, close, reject with a reason.
// Talks to /api/v1/staff/appeals; reloads the list every 30 s.
"use strict";

const POLL_MS = 30000;
const STATUSES = ["registered", "needs_info", "in_progress", "extended", "answered", "closed", "rejected", "overdue"];
const REASONS = ["abusive", "unreadable", "commercial_secret", "repeat", "not_competent"];
const T = {
  ru: {
    title: "Обращения", appointments: "Записи", show: "Показать", f_open: "Открытые", f_mine: "Мои",
    f_overdue: "Просроченные", f_all: "Все", status: "Статус", any: "любой", number: "Номер", kind: "Вид",
    due: "Срок", handler: "Исполнитель", none: "Нет обращений", history: "История", route: "Направить",
    ask: "Запросить сведения", info_received: "Сведения получены", extend: "Продлить срок", answer: "Ответить",
    close: "Закрыть", reject: "Отклонить", nobody: "— никто —", repeat: "Похоже на повтор уже дважды отвеченного:",
    printed: "на квитанции", k_question: "вопрос", k_application: "заявление", k_complaint: "жалоба",
    k_feedback: "отзыв", s_registered: "зарегистрировано", s_needs_info: "нужны сведения",
    s_in_progress: "в работе", s_extended: "срок продлён", s_answered: "дан ответ", s_closed: "закрыто",
    s_rejected: "отклонено", s_overdue: "просрочено", r_abusive: "оскорбления или угрозы",
    r_unreadable: "нечитаемо", r_commercial_secret: "коммерческая тайна", r_repeat: "повтор без новых доводов",
    r_not_competent: "вне компетенции", reply_hint: "Куда обратиться / пояснение",
    e_forbidden: "Нет доступа: обращение другого офиса или исполнителя, либо нужна роль руководителя",
    e_not_found: "Такого обращения нет", e_wrong_status: "В этом статусе так сделать нельзя; обращение обновлено",
    e_invalid_request: "Проверьте поля формы", e_not_later: "Новый срок должен быть позже текущего",
    e_reply_required: "Укажите, куда обратиться заявителю", e_unknown_department: "Такого отдела нет",
    e_unknown_handler: "Этот сотрудник не работает с обращениями",
  },
  "zh-Hant": {
    title: "申訴", appointments: "預約", show: "顯示", f_open: "處理中", f_mine: "我的", f_overdue: "逾期",
    f_all: "全部", status: "狀態", any: "全部", number: "編號", kind: "類型", due: "期限", handler: "承辦人",
    none: "沒有申訴", history: "紀錄", route: "分派", ask: "要求補件", info_received: "已收到補件",
    extend: "延長期限", answer: "答覆", close: "結案", reject: "駁回", nobody: "— 無 —",
    repeat: "疑似重複申訴（已答覆兩次）：", printed: "收據所載", k_question: "詢問", k_application: "申請",
    k_complaint: "申訴", k_feedback: "意見", s_registered: "已登記", s_needs_info: "需補件", s_in_progress: "處理中",
    s_extended: "已延期", s_answered: "已答覆", s_closed: "已結案", s_rejected: "已駁回", s_overdue: "已逾期",
    r_abusive: "侮辱或威脅", r_unreadable: "無法辨識", r_commercial_secret: "商業機密", r_repeat: "重複且無新事實",
    r_not_competent: "非本公司職權", reply_hint: "應洽詢之單位／說明",
    e_forbidden: "無權限：此申訴屬於其他服務中心或承辦人，或需主管權限", e_not_found: "查無此申訴",
    e_wrong_status: "此申訴目前的狀態不能執行此操作；已重新載入", e_invalid_request: "請檢查表單欄位",
    e_not_later: "新期限必須晚於目前期限", e_reply_required: "請說明申訴人應洽詢之單位",
    e_unknown_department: "查無此部門", e_unknown_handler: "此員工不處理申訴",
  },
  en: {
    title: "Appeals", appointments: "Appointments", show: "Show", f_open: "Open", f_mine: "Mine",
    f_overdue: "Overdue", f_all: "All", status: "Status", any: "any", number: "Number", kind: "Kind", due: "Due",
    handler: "Handler", none: "No appeals", history: "History", route: "Route", ask: "Ask for information",
    info_received: "Information received", extend: "Extend", answer: "Answer", close: "Close", reject: "Reject",
    nobody: "— nobody —", repeat: "Looks like a repeat of appeals already answered twice:", printed: "on the receipt",
    k_question: "question", k_application: "application", k_complaint: "complaint", k_feedback: "feedback",
    s_registered: "registered", s_needs_info: "needs information", s_in_progress: "in progress",
    s_extended: "extended", s_answered: "answered", s_closed: "closed", s_rejected: "rejected",
    s_overdue: "overdue", r_abusive: "obscene or threatening", r_unreadable: "unreadable",
    r_commercial_secret: "commercial secret", r_repeat: "repeat with no new facts",
    r_not_competent: "not within our competence", reply_hint: "Where to turn / explanation",
    e_forbidden: "Not allowed: the appeal is another center's or another handler's, or this needs a supervisor",
    e_not_found: "No such appeal", e_wrong_status: "The appeal's status does not allow this; it is reloaded",
    e_invalid_request: "Check the form's fields", e_not_later: "The new date must be after the current one",
    e_reply_required: "Say where the visitor should turn", e_unknown_department: "No such department",
    e_unknown_handler: "This person does not handle appeals",
  },
};

const { $, t, name, api, showError, show } = Staff;
let current = null; // the open appeal (the API's body)
let list = [];
let overdue = 0; // in the whole registry: the supervisor sees it whatever the filter

// The page's language for the API's error codes; the API's own message (English) for a code not
// listed, and beside the text for a form error, which names the field and its limit.
function errorText(e) {
  const key = `e_${e.code}`;
  const known = t(key) === key ? "" : t(key);
  if (known && e.code === "invalid_request" && e.message) return `${known} (${e.message})`;
  return known || e.message;
}

function esc(text) {
  const div = document.createElement("div");
  div.textContent = text == null ? "" : String(text);
  return div.innerHTML;
}

function statusBadge(status) {
  return `<span class="status ${esc(status)}">${esc(t(`s_${status}`))}</span>`;
}

function fillSelects() {
  const keep = $("status-filter").value;
  $("status-filter").innerHTML = `<option value="">${esc(t("any"))}</option>` +
    STATUSES.map((s) => `<option value="${s}">${esc(t(`s_${s}`))}</option>`).join("");
  $("status-filter").value = keep;
  const reason = $("reject-reason").value;
  $("reject-reason").innerHTML = REASONS.map((r) => `<option value="${r}">${esc(t(`r_${r}`))}</option>`).join("");
  if (reason) $("reject-reason").value = reason;
  $("reject-reply").placeholder = t("reply_hint");
}

async function ready() {
  show("registry");
  fillSelects();
  await load();
  Staff.startPolling(() => load(true), POLL_MS);
  const asked = new URLSearchParams(location.search).get("n"); // the link in an overdue reminder
  if (asked && !current) await open(asked);
}

async function load(keepError = false) {
  const query = new URLSearchParams({ filter: $("filter").value });
  if ($("status-filter").value) query.set("status", $("status-filter").value);
  try {
    const answer = await api("GET", `/api/v1/staff/appeals?${query}`);
    list = answer.appeals;
    overdue = answer.overdue;
    renderList();
    if (!keepError) showError("");
  } catch (e) {
    if (e.status === 401) return Staff.sessionLost();
    showError(errorText(e));
  }
}

function renderList() {
  const option = $("filter").querySelector("option[value='overdue']");
  option.textContent = overdue ? `${t("f_overdue")} (${overdue})` : t("f_overdue");
  option.classList.toggle("alert", overdue > 0);
  $("rows").innerHTML = list.map((a) => `
    <tr data-number="${esc(a.number)}" class="${current && current.number === a.number ? "current" : ""}">
      <td class="number">${esc(a.number)}</td><td>${esc(t(`k_${a.kind}`))}</td><td>${statusBadge(a.status)}</td>
      <td>${esc(a.due_on || "")}</td><td>${esc(a.handler || "")}</td></tr>`).join("");
  $("empty").hidden = list.length > 0;
  $("rows").querySelectorAll("tr").forEach((tr) => tr.addEventListener("click", () => open(tr.dataset.number)));
}

async function open(number) {
  try {
    render(await api("GET", `/api/v1/staff/appeals/${encodeURIComponent(number)}`));
    showError("");
  } catch (e) {
    if (e.status === 401) return Staff.sessionLost();
    showError(errorText(e));
  }
}

function note(value) {
  if (value == null) return "";
  return typeof value === "string" ? value : name(value);
}

function render(appeal) {
  current = appeal;
  $("detail").hidden = false;
  $("d-number").innerHTML = `${esc(appeal.number)} ${statusBadge(appeal.status)}`;
  const contact = [appeal.phone, appeal.email].filter(Boolean).join(", ");
  $("d-meta").textContent = `${t(`k_${appeal.kind}`)} · ${appeal.name} · ${contact} · ${appeal.topic || ""} · ` +
    `${t("due")}: ${appeal.due_on || "—"} (${t("printed")}: ${appeal.deadline || "—"})`;
  $("d-text").textContent = appeal.text;
  $("d-extra").textContent = [appeal.concerns, appeal.happened_on, appeal.info_request].filter(Boolean).join(" · ");
  $("d-repeat").hidden = appeal.repeat_of.length === 0;
  $("d-repeat").textContent = `${t("repeat")} ${appeal.repeat_of.join(", ")}`;
  $("d-answers").innerHTML = appeal.answers.map((a) =>
    `<div class="answer">${esc(a.text)}\n— ${esc(a.by_name)}, ${esc(a.by_contact)}</div>`).join("");
  $("d-events").innerHTML = appeal.events.map((e) =>
    `<li>${esc(e.at.slice(0, 16).replace("T", " "))} · ${statusBadge(e.status)} · ${esc(e.action)} · ` +
    `${esc(e.by)} ${esc(note(e.note))}</li>`).join("");
  $("route-dept").innerHTML = appeal.departments.map((d) =>
    `<option value="${esc(d.id)}">${esc(name(d.name))}</option>`).join("");
  $("route-dept").value = appeal.department_id || "";
  $("route-handler").innerHTML = `<option value="">${esc(t("nobody"))}</option>` + appeal.handlers.map((h) =>
    `<option value="${esc(h.username)}">${esc(h.name)} (${esc(h.username)})</option>`).join("");
  $("route-handler").value = appeal.handler || "";
  if (appeal.repeat_of.length) $("reject-reason").value = "repeat";
  renderList();
}

function act(form, path, body) {
  $(form).addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    try {
      const payload = body ? body() : undefined;
      render(await api("POST", `/api/v1/staff/appeals/${encodeURIComponent(current.number)}/${path}`, payload));
      $(form).querySelectorAll("textarea, input").forEach((el) => { el.value = ""; });
      showError("");
      await load(true);
    } catch (e) {
      if (e.status === 401) return Staff.sessionLost();
      if (e.code === "wrong_status") await reopen(); // somebody else moved it meanwhile
      showError(errorText(e));
    }
  });
}

async function reopen() {
  try {
    render(await api("GET", `/api/v1/staff/appeals/${encodeURIComponent(current.number)}`));
    await load(true);
  } catch (_e) {
    // the error already shown is the one that matters
  }
}

const orNull = (value) => (value.trim() ? value.trim() : null);
act("f-route", "route", () => ({ department_id: $("route-dept").value || null, handler: $("route-handler").value || null }));
act("f-ask", "ask", () => ({ request: $("ask-text").value }));
act("f-info", "info-received", () => ({ note: null }));
act("f-extend", "extend", () => ({ new_date: $("extend-date").value, reason: orNull($("extend-reason").value) }));
act("f-answer", "answer", () => ({ text: $("answer-text").value }));
act("f-close", "close");
act("f-reject", "reject", () => ({ reason: $("reject-reason").value, reply: orNull($("reject-reply").value) }));
$("filter").addEventListener("change", () => load());
$("status-filter").addEventListener("change", () => load());

Staff.start({
  texts: T,
  sections: ["registry"],
  ready,
  signedOut: () => { current = null; list = []; $("detail").hidden = true; },
  onLang: () => { fillSelects(); if (current) render(current); else renderList(); },
});
