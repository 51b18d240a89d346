// The staff appointments page: once signed in (staff.js, the same session as the counter
// console), one center's bookings of one day per service. Check a visitor in by code (shows the
// ticket number), mark a no-show once the slot has begun, cancel for a visitor. Talks to
// /api/v1/staff/appointments; reloads the list every 15 s so check-ins made at the kiosks show up.
"use strict";

const POLL_MS = 15000;
const T = {  // on top of the shared staff texts in staff.js
  ru: {
    title: "Записи на приём", date: "Дата", today: "Сегодня", code: "Код записи", check_in: "Отметить приход",
    time: "Время", name: "Имя", phone: "Телефон", status: "Статус", none: "На этот день записей нет",
    st_confirmed: "ожидается", st_checked_in: "пришёл", st_missed: "не пришёл", st_cancelled: "отменена",
    st_held: "бронь", missed: "Не пришёл", cancel: "Отменить", sure: "Точно отменить?",
    checked_in: "Отмечен, талон", marked_missed: "Отмечено: не пришёл", cancelled: "Запись отменена",
    by_staff: "сотрудником", by_visitor: "посетителем", moved: "перенесена",
    e_not_found: "Запись с таким кодом не найдена", e_too_early: "Отметка откроется в",
    e_too_late: "Время отметки истекло", e_not_confirmed: "Запись не активна", e_forbidden: "Запись другого офиса",
    e_not_started: "Время записи ещё не наступило", e_not_cancellable: "Эту запись нельзя отменить",
  },
  "zh-Hant": {
    title: "預約名單", date: "日期", today: "今天", code: "預約代碼", check_in: "報到", time: "時間", name: "姓名",
    phone: "電話", status: "狀態", none: "這一天沒有預約",
    st_confirmed: "待報到", st_checked_in: "已報到", st_missed: "未到", st_cancelled: "已取消", st_held: "保留中",
    missed: "未到", cancel: "取消", sure: "確定取消？", checked_in: "已報到，號碼牌", marked_missed: "已標記未到",
    cancelled: "預約已取消", by_staff: "由服務人員", by_visitor: "由民眾", moved: "已改期",
    e_not_found: "查無此預約代碼", e_too_early: "報到開放時間：", e_too_late: "已超過報到時間",
    e_not_confirmed: "此預約已失效", e_forbidden: "此為其他服務中心的預約", e_not_started: "預約時間尚未開始",
    e_not_cancellable: "此預約無法取消",
  },
  en: {
    title: "Appointments", date: "Date", today: "Today", code: "Booking code", check_in: "Check in", time: "Time",
    name: "Name", phone: "Phone", status: "Status", none: "No appointments on this day",
    st_confirmed: "expected", st_checked_in: "arrived", st_missed: "missed", st_cancelled: "cancelled",
    st_held: "held", missed: "Missed", cancel: "Cancel", sure: "Really cancel?", checked_in: "Checked in, ticket",
    marked_missed: "Marked as missed", cancelled: "Appointment cancelled", by_staff: "by staff",
    by_visitor: "by the visitor", moved: "moved",
    e_not_found: "No appointment with this code", e_too_early: "Check-in opens at",
    e_too_late: "The check-in time is over", e_not_confirmed: "The appointment is no longer active",
    e_forbidden: "The appointment is at another center", e_not_started: "The slot has not begun yet",
    e_not_cancellable: "This appointment cannot be cancelled",
  },
};

const { $, t, name, api, showError, show } = Staff;
let view = null;
let armed = null; // the appointment whose Cancel was clicked once; kept across re-renders

function errorText(e) {
  const key = `e_${e.code}`;
  const known = t(key) === key ? "" : t(key);
  if (e.code === "too_early" && e.data && e.data.opens_at) {
    return `${known} ${centerTime(e.data.opens_at)}`;
  }
  return known || e.message;
}

function centerTime(iso) {
  // The center's wall clock, not the browser's: the offset of the day's slots (e.g. +03:00).
  const sample = view && view.services.flatMap((s) => s.appointments)[0];
  const match = sample && /([+-])(\d\d):(\d\d)$/.exec(sample.slot_start);
  const offsetMin = match ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  return new Date(Date.parse(iso) + offsetMin * 60000).toISOString().slice(11, 16);
}

async function ready() {
  show("day");
  await load();
  Staff.startPolling(load, POLL_MS);
  $("checkin-code").focus();
}

// keepError: after an action, a refusal stays on screen while the list refreshes.
async function load(keepError = false) {
  const query = new URLSearchParams();
  if (view) query.set("center_id", $("center").value || view.center_id);
  if ($("date").value) query.set("date", $("date").value);
  try {
    render(await api("GET", `/api/v1/staff/appointments?${query}`));
    if (!keepError) showError("");
  } catch (e) {
    if (e.status === 401) await Staff.sessionLost();
    else showError(errorText(e));
  }
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (text instanceof Node) td.append(text);
  else td.textContent = text;
  return td;
}

function statusText(appt) {
  let text = t(`st_${appt.status}`);
  if (appt.status === "checked_in" && appt.ticket) text += ` · ${appt.ticket}`;
  if (appt.status === "cancelled" && appt.cancelled_by) {
    const by = appt.cancelled_by;
    if (by.startsWith("staff:")) text += ` ${t("by_staff")} ${by.slice(6)}`;
    else if (by.startsWith("rescheduled:")) text = `${t("moved")} → ${by.slice(12)}`;
    else text += ` ${t("by_visitor")}`;
  }
  return text;
}

function actionButton(appt, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.action = action;
  if (action === "check_in") {
    button.textContent = t("check_in");
    button.addEventListener("click", () => checkIn(appt.code));
  } else if (action === "mark_missed") {
    button.textContent = t("missed");
    button.addEventListener("click", () => act(appt, "missed", t("marked_missed")));
  } else {
    const arm = () => {
      button.classList.add("armed");
      button.textContent = t("sure");
    };
    button.textContent = t("cancel");
    if (armed === appt.id) arm();
    button.addEventListener("click", () => {
      if (armed !== appt.id) {  // two clicks: a cancelled booking cannot be undone
        armed = appt.id;
        render(view);
        return;
      }
      armed = null;
      act(appt, "cancel", t("cancelled"));
    });
  }
  return button;
}

function render(data) {
  view = data;
  const select = $("center");
  select.replaceChildren(...data.centers.map((c) => new Option(`${c.id} · ${name(c.name)}`, c.id)));
  select.value = data.center_id;
  $("center-box").hidden = data.centers.length < 2;
  $("date").value = data.date;
  const box = $("services");
  box.replaceChildren();
  for (const service of data.services) {
    const section = document.createElement("section");
    section.className = "service";
    section.dataset.service = service.service_id;
    const title = document.createElement("h2");
    title.textContent = name(service.name);
    section.append(title);
    if (!service.appointments.length) {
      const empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = t("none");
      section.append(empty);
      box.append(section);
      continue;
    }
    const table = document.createElement("table");
    table.className = "appts";
    const head = document.createElement("tr");
    for (const key of ["time", "code", "name", "phone", "status"]) {
      const th = document.createElement("th");
      th.textContent = t(key);
      head.append(th);
    }
    head.append(document.createElement("th"));
    const thead = document.createElement("thead");
    thead.append(head);
    const tbody = document.createElement("tbody");
    for (const appt of service.appointments) {
      const row = document.createElement("tr");
      row.id = `appt-${appt.code}`;
      row.className = appt.status;
      row.dataset.status = appt.status;
      const badge = document.createElement("span");
      badge.className = `status ${appt.status}`;
      badge.textContent = statusText(appt);
      const actions = cell("", "row-actions");
      for (const action of appt.actions) actions.append(actionButton(appt, action));
      row.append(
        cell(`${appt.slot_start.slice(11, 16)}–${appt.slot_end.slice(11, 16)}`, "time"),
        cell(appt.code, "code"),
        cell(appt.name),
        cell(appt.phone),
        cell(badge),
        actions,
      );
      tbody.append(row);
    }
    table.append(thead, tbody);
    section.append(table);
    box.append(section);
  }
}

function showResult(text, ticket) {
  const result = $("result");
  result.replaceChildren(text);
  if (ticket) {
    const number = document.createElement("span");
    number.className = "ticket";
    number.id = "result-ticket";
    number.textContent = ticket;
    result.append(number);
  }
}

async function checkIn(code) {
  showError("");
  showResult("");
  try {
    const done = await api("POST", "/api/v1/staff/appointments/check-in", { code });
    showResult(`${done.appointment.code} · ${done.appointment.name} · ${t("checked_in")}`, done.ticket.display);
    $("checkin-code").value = "";
  } catch (e) {
    showError(errorText(e));
  }
  await load(true);
}

async function act(appt, path, message) {
  showError("");
  showResult("");
  try {
    await api("POST", `/api/v1/staff/appointments/${encodeURIComponent(appt.id)}/${path}`);
    showResult(`${appt.code} · ${message}`);
  } catch (e) {
    showError(errorText(e));
  }
  await load(true);
}

$("checkin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const code = $("checkin-code").value.replace(/\D/g, "");
  if (code) checkIn(code);
});

$("center").addEventListener("change", load);
$("date").addEventListener("change", load);
$("today").addEventListener("click", () => {
  if (view) $("date").value = view.today;
  load();
});

Staff.start({
  texts: T,
  sections: ["day"],
  ready,
  signedOut: () => { view = null; },
  onLang: () => { if (view) render(view); },
});
