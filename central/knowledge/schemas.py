"""Bodies of the knowledge endpoints, for kiosks (the contract in /work/briefs/kb-contract.md) and for staff.

An article record is one language; translations of one article share ``group``. Everything a
maintainer writes is checked here, so a draft that saves is one that can be published.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from central.schemas import FreeText, IsoDate, IsoDateTime, Out

Lang = Literal["ru", "zh-Hant", "en"]
Section = Literal[
    "answers", "regulations", "guides", "faq", "contacts", "tariffs", "benefits", "templates", "promotions"
]
ArticleId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
Word = Annotated[str, StringConstraints(min_length=1, max_length=100)]
KioskMadeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,64}$")]


class Promotion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    until: IsoDate | None = None


class ArticleContent(BaseModel):
    """What a maintainer writes; id and lang are the article's and do not change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    section: Section = "answers"
    topic_path: list[Word] = Field(default_factory=list, max_length=3)
    keywords: list[Word] = Field(default_factory=list, max_length=50)
    synonyms: list[Word] = Field(default_factory=list, max_length=50)
    steps: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=30
    )
    related: list[ArticleId] = Field(default_factory=list, max_length=20)
    group: Annotated[str, StringConstraints(max_length=100)] = ""
    order: int = Field(default=0, ge=-1000, le=1000)
    promotion: Promotion | None = Field(default=None, description="Only for section promotions")


class KbArticle(Out):
    """One published article in one language, as kiosks store it."""

    id: str
    lang: Lang
    title: str
    body: str
    topic_path: list[str]
    keywords: list[str]
    synonyms: list[str]
    updated_at: str = Field(description="When this revision was published (ISO 8601, UTC)")
    section: Section
    steps: list[str]
    related: list[str]
    group: str
    order: int
    revision: int
    promotion: Promotion | None


class KbRemoved(Out):
    id: str
    lang: Lang
    revision: int = Field(description="The revision of the removal (one above the last published text)")


class KbChanges(Out):
    cursor: str = Field(description="Give it back as ?cursor= for the next page or the next sync")
    full: bool = Field(description="A full listing: drop local articles not in it once more is false")
    articles: list[KbArticle]
    removed: list[KbRemoved]
    more: bool


class KbRating(BaseModel):
    id: KioskMadeId = Field(description="Made by the kiosk; a resend with the same id counts once")
    article_id: ArticleId
    lang: Lang
    helpful: StrictBool
    at: IsoDateTime


class KbMiss(BaseModel):
    id: KioskMadeId
    query: Annotated[FreeText, StringConstraints(min_length=1, max_length=200)]
    lang: Lang
    at: IsoDateTime


class Lead(BaseModel):
    id: KioskMadeId
    article_id: ArticleId
    lang: Lang
    name: Annotated[FreeText, StringConstraints(min_length=1, max_length=200)]
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{5,31}$")]
    consent: StrictBool = Field(description="Must be true: a lead is kept only with the visitor's consent")
    at: IsoDateTime


class Received(Out):
    id: str
    duplicate: bool = Field(description="True when this id had already been received")


# ----- staff -----


class ChangeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article_id: ArticleId
    lang: Lang
    content: ArticleContent


class ChangeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: ArticleContent


class RemovalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Annotated[str, StringConstraints(max_length=1000)] = ""


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Annotated[str, StringConstraints(max_length=1000)] = ""


class Change(Out):
    id: str
    article_id: str
    lang: Lang
    kind: Literal["edit", "remove"]
    state: Literal["draft", "in_review", "rejected", "published", "withdrawn"]
    content: ArticleContent | None
    base_revision: int
    author: str
    editors: list[str]
    created_at: IsoDateTime
    updated_at: IsoDateTime
    reviewer: str | None
    reviewed_at: IsoDateTime | None
    comment: str | None


class HistoryEntry(Out):
    action: str
    actor: str
    at: IsoDateTime
    change_id: str | None
    revision: int | None
    comment: str | None
    content: dict[str, object] | None
    previous: dict[str, object] | None


class ArticleRow(Out):
    """One line of the staff list: the published state and the open change, if any."""

    id: str
    lang: Lang
    section: str
    title: str
    state: Literal["published", "removed", "draft", "in_review", "rejected"]
    revision: int
    open_change: str | None
    helpful: int
    not_helpful: int


class ArticleList(Out):
    articles: list[ArticleRow]


class ArticleDetail(Out):
    id: str
    lang: Lang
    published: ArticleContent | None
    removed: bool
    revision: int
    open_change: Change | None
    history: list[HistoryEntry]


class ChangeEnvelope(Out):
    change: Change


class HelpfulnessRow(Out):
    article_id: str
    lang: str
    title: str
    helpful: int
    not_helpful: int
    share_helpful: float | None


class MissRow(Out):
    week: str
    lang: str
    query: str
    count: int


class KbReport(Out):
    helpfulness: list[HelpfulnessRow]
    misses: list[MissRow]
