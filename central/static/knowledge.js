// The knowledge page: once signed in (staff.js, the same session as the counter console), the
// articles of every language with their state, an editor for drafts (maintainer, admin), review
// with a comment (reviewer, admin: never one's own change), the history of each article, and the
// reports (searches that found nothing by week and language, helpfulness from the ratings).
// Talks to /api/v1/staff/knowledge; the server decides who may do what, the page only hides
// buttons that would be refused.
"use strict";

const BASE = "/api/v1/staff/knowledge";
const LANGS = ["ru", "zh-Hant", "en"];
const SECTIONS = ["answers", "regulations", "guides", "faq", "contacts", "tariffs", "benefits", "templates",
  "promotions"];
const STATES = ["published", "draft", "in_review", "rejected", "removed"];
const T = {  // on top of the shared staff texts in staff.js
  ru: {
    title: "База знаний", lang: "Язык", section: "Раздел", state: "Состояние", find: "Найти", new: "Новая статья",
    id: "Код", title_col: "Заголовок", body: "Текст", steps: "Шаги (по одному в строке)",
    topic: "Темы (до трёх, через «/»)", keywords: "Ключевые слова (через запятую)",
    synonyms: "Синонимы (через запятую)", related: "Связанные статьи (коды через запятую)",
    save: "Сохранить черновик", submit: "Отправить на проверку", withdraw: "Отозвать",
    remove: "Снять с публикации", comment: "Комментарий", approve: "Одобрить и опубликовать",
    reject: "Вернуть на доработку", history: "История", reports: "Отчёты", from: "С", to: "По", show: "Показать",
    misses: "Поиски без результата", helpfulness: "Полезность статей", week: "Неделя", query: "Запрос", count: "Раз",
    all: "все", ratings: "Оценки (да/нет)", yes: "Да", no: "Нет", new_article: "Новая статья", none: "Нет статей",
    st_published: "опубликована", st_draft: "черновик", st_in_review: "на проверке", st_rejected: "возвращена",
    st_removed: "снята", st_withdrawn: "отозвана",
    sec_answers: "Ответы", sec_regulations: "Регламенты", sec_guides: "Как получить услугу", sec_faq: "Частые вопросы",
    sec_contacts: "Контакты", sec_tariffs: "Тарифы", sec_benefits: "Льготы", sec_templates: "Шаблоны документов",
    sec_promotions: "Акции",
    a_drafted: "черновик создан", a_edited: "черновик изменён", a_submitted: "отправлено на проверку",
    a_approved: "одобрено", a_rejected: "возвращено", a_published: "опубликовано", a_removed: "снято с публикации",
    a_removal_asked: "запрошено снятие", a_withdrawn: "отозвано",
    saved: "Черновик сохранён", submitted: "Отправлено на проверку", approved: "Опубликовано",
    rejected: "Возвращено на доработку", withdrawn: "Изменение отозвано", removal_asked: "Снятие ждёт проверки",
    sure_remove: "Точно снять?", by: "автор", reviewer_said: "проверяющий", was: "было",
    e_own_change: "Своё изменение одобряет другой человек", e_forbidden: "Недостаточно прав",
    e_change_open: "У статьи уже есть изменение в работе", e_comment_required: "Напишите, что исправить",
    e_lang_mismatch: "У этого кода другой язык", e_not_in_review: "Изменение не на проверке",
  },
  "zh-Hant": {
    title: "知識庫", lang: "語言", section: "分類", state: "狀態", find: "搜尋", new: "新增文章", id: "代碼",
    title_col: "標題", body: "內文", steps: "步驟（每行一項）", topic: "主題（最多三層，以「/」分隔）",
    keywords: "關鍵字（以逗號分隔）", synonyms: "同義詞（以逗號分隔）", related: "相關文章（代碼，以逗號分隔）",
    save: "儲存草稿", submit: "送交審核", withdraw: "撤回", remove: "下架", comment: "意見",
    approve: "核准並發布", reject: "退回修改", history: "歷程", reports: "報表", from: "自", to: "至", show: "顯示",
    misses: "查無結果的搜尋", helpfulness: "文章實用度", week: "週", query: "搜尋內容", count: "次數",
    all: "全部", ratings: "評分（有/無幫助）", yes: "有幫助", no: "無幫助", new_article: "新增文章", none: "沒有文章",
    st_published: "已發布", st_draft: "草稿", st_in_review: "審核中", st_rejected: "已退回", st_removed: "已下架",
    st_withdrawn: "已撤回",
    sec_answers: "問答", sec_regulations: "規章", sec_guides: "服務辦理步驟", sec_faq: "常見問題", sec_contacts: "聯絡方式",
    sec_tariffs: "費率", sec_benefits: "優惠", sec_templates: "文件範本", sec_promotions: "活動",
    a_drafted: "建立草稿", a_edited: "修改草稿", a_submitted: "送交審核", a_approved: "核准", a_rejected: "退回",
    a_published: "發布", a_removed: "下架", a_removal_asked: "申請下架", a_withdrawn: "撤回",
    saved: "草稿已儲存", submitted: "已送交審核", approved: "已發布", rejected: "已退回修改", withdrawn: "變更已撤回",
    removal_asked: "下架申請待審核", sure_remove: "確定下架？", by: "作者", reviewer_said: "審核人", was: "原為",
    e_own_change: "自己的變更須由他人核准", e_forbidden: "權限不足", e_change_open: "此文章已有進行中的變更",
    e_comment_required: "請說明需修改之處", e_lang_mismatch: "此代碼屬於其他語言", e_not_in_review: "此變更不在審核中",
  },
  en: {
    title: "Knowledge base", lang: "Language", section: "Section", state: "State", find: "Find", new: "New article",
    id: "Id", title_col: "Title", body: "Text", steps: "Steps (one per line)", topic: "Topics (up to three, split by “/”)",
    keywords: "Keywords (comma-separated)", synonyms: "Synonyms (comma-separated)",
    related: "Related articles (ids, comma-separated)", save: "Save draft", submit: "Submit for review",
    withdraw: "Withdraw", remove: "Remove from kiosks", comment: "Comment", approve: "Approve and publish",
    reject: "Send back", history: "History", reports: "Reports", from: "From", to: "To", show: "Show",
    misses: "Searches that found nothing", helpfulness: "Helpfulness", week: "Week", query: "Query", count: "Times",
    all: "all", ratings: "Ratings (yes/no)", yes: "Yes", no: "No", new_article: "New article", none: "No articles",
    st_published: "published", st_draft: "draft", st_in_review: "in review", st_rejected: "sent back",
    st_removed: "removed", st_withdrawn: "withdrawn",
    sec_answers: "Answers", sec_regulations: "Regulations", sec_guides: "How to get a service", sec_faq: "FAQ",
    sec_contacts: "Contacts", sec_tariffs: "Tariffs and fees", sec_benefits: "Benefits", sec_templates: "Templates",
    sec_promotions: "Promotions",
    a_drafted: "draft created", a_edited: "draft edited", a_submitted: "submitted", a_approved: "approved",
    a_rejected: "sent back", a_published: "published", a_removed: "removed", a_removal_asked: "removal asked",
    a_withdrawn: "withdrawn",
    saved: "Draft saved", submitted: "Submitted for review", approved: "Published", rejected: "Sent back",
    withdrawn: "Change withdrawn", removal_asked: "The removal waits for review", sure_remove: "Really remove?",
    by: "by", reviewer_said: "reviewer", was: "was",
    e_own_change: "Someone else approves your own change", e_forbidden: "Not allowed for your role",
    e_change_open: "The article already has a change in progress", e_comment_required: "Say what to fix",
    e_lang_mismatch: "This id belongs to another language", e_not_in_review: "The change is not in review",
  },
};

const { $, t, api, showError, show } = Staff;
let list = [];
let current = null; // the open article's detail, or {id: null} for a new one
let armedRemove = false;

const WRITERS = ["maintainer", "admin"];
const CHECKERS = ["reviewer", "admin"];
const splitList = (text, sep) => text.split(sep).map((s) => s.trim()).filter(Boolean);

function errorText(e) {
  const key = `e_${e.code}`;
  return t(key) === key ? e.message : t(key);
}

function options(select, values, label, withAll) {
  const keep = select.value;
  select.replaceChildren(...(withAll ? [new Option(t("all"), "")] : []),
    ...values.map((v) => new Option(label(v), v)));
  if (keep) select.value = keep;
}

function fillSelects() {
  options($("filter-lang"), LANGS, (v) => v, true);
  options($("f-lang"), LANGS, (v) => v, false);
  options($("filter-section"), SECTIONS, (v) => t(`sec_${v}`), true);
  options($("f-section"), SECTIONS, (v) => t(`sec_${v}`), false);
  options($("filter-state"), STATES, (v) => t(`st_${v}`), true);
}

async function ready() {
  show("kb");
  fillSelects();
  await loadList();
  await loadReports();
}

async function loadList() {
  const query = new URLSearchParams();
  for (const [key, id] of [["lang", "filter-lang"], ["section", "filter-section"], ["state", "filter-state"],
    ["q", "filter-q"]]) {
    if ($(id).value.trim()) query.set(key, $(id).value.trim());
  }
  try {
    list = (await api("GET", `${BASE}/articles?${query}`)).articles;
    renderList();
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

function stateBadge(state) {
  const span = document.createElement("span");
  span.className = `state ${state}`;
  span.textContent = t(`st_${state}`);
  return span;
}

function renderList() {
  const body = $("articles");
  body.replaceChildren();
  if (!list.length) {
    const row = document.createElement("tr");
    row.append(cell(t("none")));
    body.append(row);
  }
  for (const a of list) {
    const row = document.createElement("tr");
    row.dataset.id = a.id;
    row.setAttribute("aria-selected", String(current !== null && current.id === a.id));
    row.append(cell(a.id), cell(a.lang), cell(a.title), cell(stateBadge(a.state)),
      cell(`${a.helpful}/${a.not_helpful}`));
    row.addEventListener("click", () => open(a.id));
    body.append(row);
  }
}

async function open(id) {
  showError("");
  try {
    current = await api("GET", `${BASE}/articles/${encodeURIComponent(id)}`);
  } catch (e) {
    showError(errorText(e));
    return;
  }
  armedRemove = false;
  renderEditor();
  renderList();
}

function newArticle() {
  current = { id: null, lang: $("filter-lang").value || "ru", published: null, open_change: null, history: [] };
  armedRemove = false;
  renderEditor();
  renderList();
  $("f-id").focus();
}

function fillForm(content) {
  const c = content || { title: "", body: "", steps: [], topic_path: [], keywords: [], synonyms: [], related: [],
    section: $("filter-section").value || "answers" };
  $("f-section").value = c.section || "answers";
  $("f-title").value = c.title;
  $("f-body").value = c.body;
  $("f-steps").value = (c.steps || []).join("\n");
  $("f-topic").value = (c.topic_path || []).join(" / ");
  $("f-keywords").value = (c.keywords || []).join(", ");
  $("f-synonyms").value = (c.synonyms || []).join(", ");
  $("f-related").value = (c.related || []).join(", ");
}

function formContent() {
  const base = (current.open_change && current.open_change.content) || current.published || {};
  return {
    title: $("f-title").value.trim(),
    body: $("f-body").value.trim(),
    section: $("f-section").value,
    steps: splitList($("f-steps").value, "\n"),
    topic_path: splitList($("f-topic").value, "/").slice(0, 3),
    keywords: splitList($("f-keywords").value, ","),
    synonyms: splitList($("f-synonyms").value, ","),
    related: splitList($("f-related").value, ","),
    group: base.group || "",
    order: base.order || 0,
    promotion: base.promotion || null,
  };
}

function renderEditor() {
  const me = Staff.me;
  const change = current.open_change;
  const writer = WRITERS.includes(me.role);
  const editable = writer && (!change || (change.kind === "edit" && ["draft", "rejected"].includes(change.state)));
  $("editor").hidden = false;
  $("editor-title").textContent = current.id || t("new_article");
  $("f-id").value = current.id || "";
  $("f-id").disabled = current.id !== null;
  $("f-lang").value = current.lang;
  $("f-lang").disabled = current.id !== null;
  fillForm(change && change.content ? change.content : current.published);
  for (const id of ["f-section", "f-title", "f-body", "f-steps", "f-topic", "f-keywords", "f-synonyms", "f-related"]) {
    $(id).disabled = !editable;
  }
  let state = "";
  if (change) {
    state = `${t(`st_${change.state}`)} · ${t("by")} ${change.editors.join(", ")}`;
    if (change.kind === "remove") state = `${t("a_removal_asked")} · ${t("by")} ${change.author}`;
    if (change.reviewer && change.comment) state += ` · ${t("reviewer_said")} ${change.reviewer}: «${change.comment}»`;
  } else if (current.id) {
    state = `${t(current.removed ? "st_removed" : "st_published")} · rev. ${current.revision}`;
  }
  $("change-state").textContent = state;
  $("save").hidden = !editable;
  $("submit").hidden = !editable;
  $("withdraw").hidden = !(writer && change);
  $("remove").hidden = !(writer && !change && current.published);
  $("remove").textContent = t(armedRemove ? "sure_remove" : "remove");
  const reviewable = change && change.state === "in_review" && CHECKERS.includes(me.role);
  $("review").hidden = !reviewable;
  $("approve").disabled = Boolean(reviewable && change.editors.includes(me.username));
  renderHistory();
}

function renderHistory() {
  const box = $("history");
  box.replaceChildren();
  for (const h of current.history) {
    const li = document.createElement("li");
    li.dataset.action = h.action;
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = h.at.slice(0, 16).replace("T", " ");
    li.append(when, `${t(`a_${h.action}`)} · ${h.actor}`);
    if (h.comment) {
      const comment = document.createElement("span");
      comment.className = "comment";
      comment.textContent = ` «${h.comment}»`;
      li.append(comment);
    }
    if (h.previous && h.content && h.previous.title !== h.content.title) {
      li.append(` · ${t("was")}: «${h.previous.title}»`);
    }
    box.append(li);
  }
}

async function run(doing, message) {
  showError("");
  $("result").textContent = "";
  try {
    const done = await doing();
    await loadList();
    await open(done.change.article_id);
    $("result").textContent = message;  // last: once it shows, the page shows the new state
    return done;
  } catch (e) {
    if (e.status === 401) await Staff.sessionLost();
    else showError(errorText(e));
    return null;
  }
}

async function save() {
  const change = current.open_change;
  const content = formContent();
  if (change) return api("PUT", `${BASE}/changes/${change.id}`, { content });
  return api("POST", `${BASE}/changes`, { article_id: current.id || $("f-id").value.trim(), lang: $("f-lang").value,
    content });
}

$("edit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run(save, t("saved"));
});
$("submit").addEventListener("click", () => {
  if (!$("edit-form").reportValidity()) return;
  run(async () => {
    const saved = await save();
    return api("POST", `${BASE}/changes/${saved.change.id}/submit`);
  }, t("submitted"));
});
$("withdraw").addEventListener("click", () => run(
  () => api("POST", `${BASE}/changes/${current.open_change.id}/withdraw`), t("withdrawn")));
$("remove").addEventListener("click", () => {
  if (!armedRemove) {  // two clicks: a removal goes to review at once
    armedRemove = true;
    renderEditor();
    return;
  }
  armedRemove = false;
  run(() => api("POST", `${BASE}/articles/${encodeURIComponent(current.id)}/remove`, { comment: "" }),
    t("removal_asked"));
});
$("approve").addEventListener("click", () => run(() => api("POST", `${BASE}/changes/${current.open_change.id}/approve`,
  { comment: $("review-comment").value.trim() }), t("approved")));
$("reject").addEventListener("click", () => run(() => api("POST", `${BASE}/changes/${current.open_change.id}/reject`,
  { comment: $("review-comment").value.trim() }), t("rejected")));
$("kb-new").addEventListener("click", newArticle);
$("filters").addEventListener("submit", (event) => { event.preventDefault(); loadList(); });
for (const id of ["filter-lang", "filter-section", "filter-state"]) $(id).addEventListener("change", loadList);
$("filter-q").addEventListener("input", () => { clearTimeout(window.kbSearchTimer); window.kbSearchTimer = setTimeout(loadList, 250); });

async function loadReports() {
  const query = new URLSearchParams();
  if ($("report-from").value) query.set("from", $("report-from").value);
  if ($("report-to").value) query.set("to", $("report-to").value);
  try {
    const report = await api("GET", `${BASE}/reports?${query}`);
    $("misses").replaceChildren(...report.misses.map((m) => {
      const row = document.createElement("tr");
      row.append(cell(m.week), cell(m.lang), cell(m.query), cell(String(m.count)));
      return row;
    }));
    $("helpful").replaceChildren(...report.helpfulness.map((h) => {
      const row = document.createElement("tr");
      const share = h.share_helpful === null ? "–" : `${Math.round(h.share_helpful * 100)}`;
      row.append(cell(h.article_id), cell(h.title), cell(String(h.helpful)), cell(String(h.not_helpful)), cell(share));
      return row;
    }));
  } catch (e) {
    showError(errorText(e));
  }
}
$("reports-form").addEventListener("submit", (event) => { event.preventDefault(); loadReports(); });

Staff.start({
  texts: T,
  sections: ["kb"],
  ready,
  signedOut: () => { list = []; current = null; $("editor").hidden = true; },
  onLang: () => { fillSelects(); renderList(); if (current) renderEditor(); },
});
