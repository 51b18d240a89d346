// The counter console: once signed in (staff.js: sign-in, password change, language, API calls),
// pick a counter and its services, then work the queue. Talks only to /api/v1/staff and
// /api/v1/counters with the session cookie; polls the counter's state every 2 s so the waiting
// counts stay current.
"use strict";

const POLL_MS = 2000;
const T = {  // on top of the shared staff texts in staff.js
  ru: {
    pick_title: "Выберите окно", pick_services: "Услуги, которые вы обслуживаете", open: "Открыть окно",
    counter: "Окно", close: "Закрыть окно", current: "Текущий талон", call_next: "Вызвать следующего",
    recall: "Повторный вызов", start: "Начать приём", finish: "Завершить", no_show: "Не явился", park: "Отложить",
    transfer: "Перевести", queue: "Очередь", service: "Услуга", waiting: "Ждут", estimate: "Ожидание",
    open_counters: "Окон", parked: "Отложенные", unpark: "Вызвать", busy_by: "занято: ", min: "мин",
    status_called: "вызван", status_serving: "обслуживается", none: "Нет текущего талона",
    result_called: "Вызван талон", result_empty: "Очередь пуста", result_finished: "Обслуживание завершено",
    result_no_show: "Отмечено: не явился", result_parked: "Талон отложен", result_transferred: "Талон переведён",
    result_recalled: "Повторный вызов", result_started: "Приём начат", result_opened: "Окно открыто",
    waited: "ждёт", pr_disability: "инвалидность", pr_pregnancy: "беременность", pr_veteran: "ветеран",
    pr_appointment: "по записи", transfer_to: "Перевести в:",
  },
  "zh-Hant": {
    pick_title: "選擇櫃檯", pick_services: "您負責的服務項目", open: "開啟櫃檯", counter: "櫃檯", close: "關閉櫃檯",
    current: "目前號碼", call_next: "叫下一號", recall: "重新叫號", start: "開始服務", finish: "完成", no_show: "未到",
    park: "暫停", transfer: "轉移", queue: "等候狀況", service: "服務項目", waiting: "等候", estimate: "預估",
    open_counters: "櫃檯數", parked: "暫停中的號碼", unpark: "叫回", busy_by: "使用中：", min: "分",
    status_called: "已叫號", status_serving: "服務中", none: "目前沒有號碼",
    result_called: "已叫號", result_empty: "目前無人等候", result_finished: "服務完成", result_no_show: "已標記未到",
    result_parked: "號碼已暫停", result_transferred: "號碼已轉移", result_recalled: "已重新叫號",
    result_started: "開始服務", result_opened: "櫃檯已開啟", waited: "已等候", pr_disability: "身心障礙",
    pr_pregnancy: "孕婦", pr_veteran: "榮民", pr_appointment: "預約", transfer_to: "轉移至：",
  },
  en: {
    pick_title: "Choose your counter", pick_services: "Services you serve", open: "Open counter",
    counter: "Counter", close: "Close counter", current: "Current ticket", call_next: "Call next", recall: "Recall",
    start: "Start", finish: "Finish", no_show: "No-show", park: "Park", transfer: "Transfer", queue: "Queue",
    service: "Service", waiting: "Waiting", estimate: "Wait", open_counters: "Counters", parked: "Parked",
    unpark: "Unpark", busy_by: "taken: ", min: "min", status_called: "called", status_serving: "being served",
    none: "No current ticket", result_called: "Called", result_empty: "Nobody is waiting",
    result_finished: "Finished", result_no_show: "Marked as no-show", result_parked: "Parked",
    result_transferred: "Transferred", result_recalled: "Recalled", result_started: "Started",
    result_opened: "Counter open", waited: "waited", pr_disability: "disability", pr_pregnancy: "pregnancy",
    pr_veteran: "veteran", pr_appointment: "appointment", transfer_to: "Transfer to:",
  },
};

const { $, t, name, api, showError, show } = Staff;
let listing = null;
let counterId = null;
let chosenCounter = null;
let lastState = null;

async function ready(me) {
  if (me.counter_id) {
    counterId = me.counter_id;
    show("console");
    await refresh();
    Staff.startPolling(refresh, POLL_MS);
    return;
  }
  listing = await api("GET", "/api/v1/counters");
  show("pick");
  renderPick();
}

function renderPick() {
  const select = $("center");
  const previous = select.value;
  select.replaceChildren(
    ...listing.centers.map((c) => new Option(`${c.id} · ${name(c.name)}`, c.id)),
  );
  if (previous) select.value = previous;
  const center = select.value;
  const box = $("counter-list");
  box.replaceChildren();
  for (const counter of listing.counters.filter((c) => c.center_id === center)) {
    const button = document.createElement("button");
    button.type = "button";
    button.id = `pick-${counter.id}`;
    button.setAttribute("aria-pressed", String(chosenCounter === counter.id));
    const title = document.createElement("b");
    title.textContent = `${t("counter")} ${counter.name}`;
    const detail = document.createElement("small");
    const prefixes = counter.services.map((sid) => (listing.services.find((s) => s.id === sid) || {}).prefix).join(" ");
    detail.textContent = counter.open ? `${prefixes} · ${t("busy_by")}${counter.opened_by}` : prefixes;
    button.append(title, detail);
    button.addEventListener("click", () => {
      chosenCounter = counter.id;
      renderPick();
    });
    box.append(button);
  }
  const counter = listing.counters.find((c) => c.id === chosenCounter && c.center_id === center);
  $("service-box").hidden = !counter;
  $("open").disabled = !counter;
  const services = $("service-list");
  services.replaceChildren();
  if (counter) {
    for (const sid of counter.services) {
      const service = listing.services.find((s) => s.id === sid);
      const label = document.createElement("label");
      const box2 = document.createElement("input");
      box2.type = "checkbox";
      box2.value = sid;
      box2.checked = true;
      box2.id = `svc-${sid}`;
      const text = document.createElement("span");
      text.textContent = `${service ? service.prefix : ""} · ${service ? name(service.name) : sid}`;
      label.append(box2, text);
      services.append(label);
    }
  }
}

function priorityBadge(priority) {
  if (priority === "none") return null;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = t(`pr_${priority}`);
  return badge;
}

function renderState(state) {
  lastState = state;
  const services = state.queue.services;
  const serviceName = (sid) => {
    const s = services.find((x) => x.service_id === sid);
    return s ? `${s.prefix} · ${name(s.name)}` : sid;
  };
  $("counter-name").textContent = state.counter.name;
  $("counter-services").textContent = state.counter.serving
    .map((sid) => (services.find((x) => x.service_id === sid) || {}).prefix || sid)
    .join(" ");
  const current = state.current;
  $("cur-display").textContent = current ? current.display : "—";
  const info = $("cur-info");
  info.replaceChildren();
  if (current) {
    const waited = Math.max(0, Math.round((Date.now() - Date.parse(current.issued_at)) / 60000));
    info.append(`${serviceName(current.service_id)} · ${t(`status_${current.status}`)} · ${t("waited")} ${waited} ${t("min")}`);
    const badge = priorityBadge(current.priority);
    if (badge) info.append(badge);
  } else {
    info.append(t("none"));
  }
  const status = current ? current.status : null;
  $("btn-call-next").disabled = Boolean(current);
  $("btn-recall").disabled = status !== "called";
  $("btn-start").disabled = status !== "called";
  $("btn-finish").disabled = !current;
  $("btn-no-show").disabled = status !== "called";
  $("btn-park").disabled = !current;
  $("btn-transfer").disabled = !current;
  const target = $("transfer-to");
  const keep = target.value;
  target.replaceChildren(
    ...services
      .filter((s) => !current || s.service_id !== current.service_id)
      .map((s) => new Option(`${t("transfer_to")} ${s.prefix} · ${name(s.name)}`, s.service_id)),
  );
  if (keep && [...target.options].some((o) => o.value === keep)) target.value = keep;
  $("queue-rows").replaceChildren(
    ...services.map((s) => {
      const row = document.createElement("tr");
      row.dataset.service = s.service_id;
      const cells = [`${s.prefix} · ${name(s.name)}`, String(s.waiting), `${s.estimated_wait_min} ${t("min")}`, String(s.open_counters)];
      cells.forEach((text, index) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (index > 0) cell.className = "num";
        row.append(cell);
      });
      return row;
    }),
  );
  $("parked").replaceChildren(
    ...state.parked.map((ticket) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${ticket.display} · ${serviceName(ticket.service_id)}`;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t("unpark");
      button.disabled = Boolean(current);
      button.addEventListener("click", () => action("unpark", { ticket_id: ticket.id }));
      item.append(label, button);
      return item;
    }),
  );
}

async function refresh() {
  if (!counterId) return;
  try {
    renderState(await api("GET", `/api/v1/counters/${encodeURIComponent(counterId)}`));
    showError("");
  } catch (e) {
    if (e.status === 401) await Staff.sessionLost();
    else showError(e.message);
  }
}

async function action(name, body) {
  showError("");
  try {
    const state = await api("POST", `/api/v1/counters/${encodeURIComponent(counterId)}/${name}`, body);
    renderState(state);
    const text = t(`result_${state.result}`);
    $("result").textContent = state.result === "called" && state.current ? `${text}: ${state.current.display}` : text;
  } catch (e) {
    showError(e.message);
    await refresh();
  }
}

$("center").addEventListener("change", () => {
  chosenCounter = null;
  renderPick();
});

$("open").addEventListener("click", async () => {
  const services = [...document.querySelectorAll("#service-list input:checked")].map((el) => el.value);
  showError("");
  try {
    const state = await api("POST", `/api/v1/counters/${encodeURIComponent(chosenCounter)}/open`, { services });
    counterId = chosenCounter;
    Staff.me.counter_id = counterId;
    show("console");
    renderState(state);
    $("result").textContent = t("result_opened");
    Staff.startPolling(refresh, POLL_MS);
  } catch (e) {
    showError(e.message);
  }
});

$("close").addEventListener("click", async () => {
  try {
    await api("POST", `/api/v1/counters/${encodeURIComponent(counterId)}/close`);
  } catch (e) {
    showError(e.message);
  }
  counterId = null;
  lastState = null;
  Staff.me.counter_id = null;
  await ready(Staff.me);
});

for (const [id, name] of [
  ["btn-call-next", "call-next"],
  ["btn-recall", "recall"],
  ["btn-start", "start"],
  ["btn-finish", "finish"],
  ["btn-no-show", "no-show"],
  ["btn-park", "park"],
]) {
  $(id).addEventListener("click", () => action(name));
}
$("btn-transfer").addEventListener("click", () => action("transfer", { service_id: $("transfer-to").value }));

Staff.start({
  texts: T,
  sections: ["pick", "console"],
  ready,
  signedOut: () => {
    counterId = null;
    lastState = null;
  },
  onLang: () => {
    if (listing) renderPick();
    if (lastState) renderState(lastState);
  },
});
