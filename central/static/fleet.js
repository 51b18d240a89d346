// The fleet page: once signed in (staff.js) as a technician, supervisor or admin, every kiosk the
// account may see, worst first, with its colour, last heartbeat, device states, paper forecast and
// version, and buttons that queue a command for it (test print, screenshot, logs, restart, reboot) with
// each command's state followed to its result. Talks to /api/v1/staff/fleet and reloads every 10 s.
"use strict";

const POLL_MS = 10000;
const T = {  // on top of the shared staff texts in staff.js
  ru: {
    title: "Киоски", kiosk: "Киоск", state: "Состояние", last: "Последний сигнал", devices: "Устройства",
    paper: "Бумага", version: "Версия", c_online: "на связи", c_offline: "нет связи", c_never_seen: "ещё не выходил на связь",
    k_green: "исправен", k_yellow: "требует внимания", k_red: "неисправен", ago_s: "с назад", ago_min: "мин назад",
    printer: "Принтер", card_reader: "Картридер", scanner: "Сканер", ok: "в порядке", absent: "нет",
    not_fitted: "не установлен", tickets_left: "талонов осталось около", near_end: "рулон кончается",
    unknown: "нет данных", summary: "Всего", r_kiosk_offline: "нет связи с киоском",
    r_printer_media_low: "бумага кончается", r_printer_media_empty: "нет бумаги", r_printer_door_open: "открыта крышка",
    r_printer_offline: "принтер не отвечает", r_printer_jam: "ошибка принтера", r_printer_other: "принтер: другое",
    r_card_reader_absent: "картридер не найден", r_scanner_absent: "сканер не найден",
    r_outbox_refused: "центр отклонил записи", r_outbox_backlog: "очередь отправки растёт",
    r_disk_low: "мало места на диске", r_sync_stale: "давно не синхронизировался", forbidden: "Нет доступа к киоскам",
    commands: "Команды", cmd_test_print: "Пробная печать", cmd_screenshot: "Снимок экрана", cmd_upload_logs: "Журнал",
    cmd_restart_app: "Перезапуск приложения", cmd_reboot: "Перезагрузка", confirm: "Нажмите ещё раз, чтобы подтвердить",
    s_queued: "в очереди", s_sent: "отправлена", s_acknowledged: "выполняется", s_done: "выполнена",
    s_failed: "не выполнена", s_expired: "истёк срок", open: "открыть",
  },
  "zh-Hant": {
    title: "自助機", kiosk: "自助機", state: "狀態", last: "最後訊號", devices: "裝置", paper: "紙捲", version: "版本",
    c_online: "連線中", c_offline: "已離線", c_never_seen: "從未連線", k_green: "正常", k_yellow: "需要注意",
    k_red: "故障", ago_s: "秒前", ago_min: "分鐘前", printer: "印表機", card_reader: "讀卡機", scanner: "掃描器",
    ok: "正常", absent: "未偵測到", not_fitted: "未安裝", tickets_left: "約剩號碼牌張數", near_end: "紙捲即將用完",
    unknown: "無資料", summary: "共計", r_kiosk_offline: "自助機已離線", r_printer_media_low: "紙張即將用完",
    r_printer_media_empty: "紙張用完", r_printer_door_open: "印表機蓋開啟", r_printer_offline: "印表機無回應",
    r_printer_jam: "印表機錯誤", r_printer_other: "印表機其他狀況", r_card_reader_absent: "找不到讀卡機",
    r_scanner_absent: "找不到掃描器", r_outbox_refused: "中心拒收部分紀錄", r_outbox_backlog: "待傳送紀錄累積",
    r_disk_low: "磁碟空間不足", r_sync_stale: "長時間未同步", forbidden: "無權檢視自助機",
    commands: "指令", cmd_test_print: "測試列印", cmd_screenshot: "螢幕截圖", cmd_upload_logs: "記錄檔",
    cmd_restart_app: "重新啟動程式", cmd_reboot: "重新開機", confirm: "再按一次以確認",
    s_queued: "排隊中", s_sent: "已送出", s_acknowledged: "執行中", s_done: "已完成", s_failed: "失敗",
    s_expired: "已逾期", open: "開啟",
  },
  en: {
    title: "Fleet", kiosk: "Kiosk", state: "State", last: "Last heartbeat", devices: "Devices", paper: "Paper",
    version: "Version", c_online: "online", c_offline: "offline", c_never_seen: "never seen", k_green: "healthy",
    k_yellow: "needs attention", k_red: "out of order", ago_s: "s ago", ago_min: "min ago", printer: "Printer",
    card_reader: "Card reader", scanner: "Scanner", ok: "OK", absent: "absent", not_fitted: "not fitted",
    tickets_left: "tickets left, about", near_end: "roll near its end", unknown: "unknown", summary: "Total",
    r_kiosk_offline: "kiosk offline", r_printer_media_low: "paper low", r_printer_media_empty: "paper out",
    r_printer_door_open: "cover open", r_printer_offline: "printer not answering", r_printer_jam: "printer error",
    r_printer_other: "printer: other", r_card_reader_absent: "card reader missing", r_scanner_absent: "scanner missing",
    r_outbox_refused: "central refused records", r_outbox_backlog: "outbox backlog", r_disk_low: "disk space low",
    r_sync_stale: "no sync for a while", forbidden: "No access to the fleet",
    commands: "Commands", cmd_test_print: "Test print", cmd_screenshot: "Screenshot", cmd_upload_logs: "Logs",
    cmd_restart_app: "Restart app", cmd_reboot: "Reboot", confirm: "Tap again to confirm",
    s_queued: "queued", s_sent: "sent", s_acknowledged: "running", s_done: "done", s_failed: "failed",
    s_expired: "expired", open: "open",
  },
};

const { $, t, api, showError, show } = Staff;
let view = null;

// Commands: the buttons queue one through the staff API; the kiosk pulls it with its next heartbeat.
// Restart and reboot take a second tap within CONFIRM_MS. What this page queued is followed until done.
const COMMANDS = ["test_print", "screenshot", "upload_logs", "restart_app", "reboot"];
const DISRUPTIVE = new Set(["restart_app", "reboot"]);
const FINAL = new Set(["done", "failed", "expired"]);
const CONFIRM_MS = 5000;
const FOLLOW_MS = 2000;
const sent = new Map();  // kiosk id -> [{id, kind, status, error, upload}], newest first
let arming = null;  // {kiosk, kind, until}
let following = null;

async function ready() {
  show("fleet");
  await load();
  Staff.startPolling(load, POLL_MS);
  if (following === null) following = setInterval(follow, FOLLOW_MS);
}

async function load() {
  try {
    render(await api("GET", "/api/v1/staff/fleet"));
    showError("");
  } catch (e) {
    if (e.status === 401) await Staff.sessionLost();
    else showError(e.status === 403 ? t("forbidden") : e.message);
  }
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function reasonText(code) {
  const key = `r_${code.replace(/[:-]/g, "_")}`;
  return t(key) === key ? code : t(key);
}

function ago(iso, now) {
  if (!iso) return "—";
  const seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds} ${t("ago_s")}` : `${Math.round(seconds / 60)} ${t("ago_min")}`;
}

function deviceLine(label, device) {
  const line = el("div");
  line.append(`${t(label)}: `);
  if (device.configured === false) line.append(t("not_fitted"));
  else line.append(device.present === false ? t("absent") : t("ok"));
  if (device.raw) line.append(" ", el("span", device.raw, "raw"));
  return line;
}

function devices(kiosk) {
  const box = el("div");
  const hb = kiosk.heartbeat;
  if (!hb) return box;
  const printer = el("div");
  printer.dataset.device = "printer";
  printer.append(`${t("printer")}: `);
  printer.append(hb.printer.reasons.length ? hb.printer.reasons.join(", ") : t("ok"));
  if (hb.printer.raw) printer.append(" ", el("span", hb.printer.raw, "raw"));
  box.append(printer, deviceLine("card_reader", hb.card_reader), deviceLine("scanner", hb.scanner));
  return box;
}

function paper(kiosk) {
  const p = kiosk.heartbeat && kiosk.heartbeat.printer.paper;
  const cell = el("td", null, "paper");
  if (!p) {
    cell.textContent = t("unknown");
    return cell;
  }
  if (p.tickets_left !== null && p.tickets_left !== undefined) cell.append(`${t("tickets_left")} ${p.tickets_left}`);
  if (p.near_end) cell.append(el("div", t("near_end")));
  if (!cell.textContent) cell.textContent = t("unknown");
  return cell;
}

async function command(kioskId, kind) {
  if (DISRUPTIVE.has(kind) && !(arming && arming.kiosk === kioskId && arming.kind === kind && Date.now() < arming.until)) {
    arming = { kiosk: kioskId, kind, until: Date.now() + CONFIRM_MS };
    render(view);
    setTimeout(() => { if (arming && Date.now() >= arming.until) { arming = null; render(view); } }, CONFIRM_MS + 50);
    return;
  }
  arming = null;
  try {
    const made = await api("POST", `/api/v1/staff/fleet/${encodeURIComponent(kioskId)}/commands`, { kind });
    sent.set(kioskId, [{ id: made.id, kind, status: made.status }, ...(sent.get(kioskId) || [])].slice(0, 5));
    showError("");
  } catch (e) {
    if (e.status === 401) await Staff.sessionLost();
    else showError(e.message);
  }
  render(view);
}

async function follow() {
  let changed = false;
  for (const list of sent.values()) {
    for (const item of list) {
      if (FINAL.has(item.status)) continue;
      try {
        const found = await api("GET", `/api/v1/staff/fleet/commands/${encodeURIComponent(item.id)}`);
        if (found.status !== item.status || found.upload) changed = true;
        item.status = found.status;
        item.error = found.result && found.result.error;
        item.upload = found.upload;
      } catch (e) {
        if (e.status === 401) return Staff.sessionLost();
      }
    }
  }
  if (changed && view) render(view);
}

function commandsCell(kiosk) {
  const cell = el("td", null, "commands");
  const buttons = el("div", null, "command-buttons");
  for (const kind of COMMANDS) {
    const armed = arming && arming.kiosk === kiosk.kiosk_id && arming.kind === kind;
    const button = el("button", armed ? t("confirm") : t(`cmd_${kind}`), armed ? "armed" : "quiet");
    button.type = "button";
    button.dataset.command = kind;
    button.addEventListener("click", () => command(kiosk.kiosk_id, kind));
    buttons.append(button);
  }
  cell.append(buttons);
  const states = el("ul", null, "command-states");
  for (const item of sent.get(kiosk.kiosk_id) || []) {
    const line = el("li", `${t(`cmd_${item.kind}`)}: ${t(`s_${item.status}`)}`);
    line.dataset.command = item.id;
    line.dataset.status = item.status;
    if (item.error) line.append(` (${item.error})`);
    if (item.upload) {
      const link = el("a", t("open"));
      link.href = `/api/v1/staff/fleet/commands/${encodeURIComponent(item.id)}/upload`;
      link.target = "_blank";
      line.append(" · ", link);
    }
    states.append(line);
  }
  cell.append(states);
  return cell;
}

function row(kiosk, now) {
  const tr = el("tr", null, kiosk.connection);
  tr.id = `kiosk-${kiosk.kiosk_id}`;
  tr.dataset.colour = kiosk.colour || "none";
  tr.dataset.connection = kiosk.connection;
  const id = el("td", kiosk.kiosk_id, "id");
  id.append(el("small", kiosk.center_id));
  const state = el("td", null, "state");
  state.append(el("span", null, `dot ${kiosk.colour || "none"}`));
  state.append(kiosk.colour && kiosk.connection === "online" ? t(`k_${kiosk.colour}`) : t(`c_${kiosk.connection}`));
  const reasons = el("ul", null, "reasons");
  for (const code of kiosk.reasons) reasons.append(el("li", reasonText(code)));
  state.append(reasons);
  const devs = el("td");
  devs.append(devices(kiosk));
  const version = el("td", kiosk.app_version ? `${kiosk.app_version} · ${kiosk.config_version}` : "—");
  tr.append(
    id, state, el("td", ago(kiosk.last_heartbeat_at, now), "last"), devs, paper(kiosk), version, commandsCell(kiosk),
  );
  return tr;
}

function render(data) {
  view = data;
  $("rows").replaceChildren(...data.kiosks.map((k) => row(k, data.now)));
  const counts = { red: 0, yellow: 0, green: 0 };
  for (const k of data.kiosks) if (k.colour) counts[k.colour] += 1;
  $("summary").textContent =
    `${t("summary")}: ${data.kiosks.length} · ${t("k_red")} ${counts.red} · ${t("k_yellow")} ${counts.yellow}` +
    ` · ${t("k_green")} ${counts.green}`;
}

Staff.start({
  texts: T,
  sections: ["fleet"],
  ready,
  signedOut: () => { view = null; sent.clear(); arming = null; },
  onLang: () => { if (view) render(view); },
});
