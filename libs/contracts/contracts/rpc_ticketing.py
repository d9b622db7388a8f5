"""Ticketing's request/reply methods: their names, the parameters each one takes and the
answer each one gives. The gateway sends these models; ticketing validates each request with
the same model (``servicekit.rpc.typed``) and refuses one that does not fit with 422.

Parameters that are a request body on their own (a query, a new agent) reuse the body's
model; a body that acts on one ticket travels with the ticket's reference (``ref``: its id or
protocol number)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.approvals import (
    ApprovalEdit,
    ApprovalQuery,
    ApprovalRead,
    ApprovalRejection,
    ApprovalResubmission,
)
from contracts.base import Contract
from contracts.calendars import CalendarCreate, CalendarRead
from contracts.canned import CannedCreate, CannedQuery, CannedRead
from contracts.console_pages import (
    InboxPageQuery,
    InboxPageRead,
    TicketPageQuery,
    TicketPageRead,
)
from contracts.credentials import (
    AccessLink,
    AccessLinkRequest,
    PasswordSet,
    PasswordSetting,
    SessionEnded,
    SessionKey,
    SessionRead,
    SignInAttempt,
)
from contracts.moderation import ModerationAction
from contracts.opinions import OpinionRequestCreate, OpinionRequestRead
from contracts.people import AgentCreate, AgentRead, LevelCreate, LevelRead, TeamCreate, TeamRead
from contracts.persons import (
    GroupCreate,
    GroupMember,
    GroupRead,
    PersonDetail,
    PersonPage,
    PersonPatch,
    PersonQuery,
    PersonRead,
    PersonSplit,
    PersonSplitResult,
    PersonUnify,
    Proposal,
    UnificationSettings,
)
from contracts.replies import ReplyCreate
from contracts.reports import (
    BacklogQuery,
    BacklogReport,
    TimesQuery,
    TimesReport,
    VolumeQuery,
    VolumeReport,
)
from contracts.tickets import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    BulkReport,
    ChildCreate,
    HistoryEntry,
    InteractionPage,
    InteractionQuery,
    InteractionTags,
    LevelSlaCounts,
    NoteCreate,
    StoredInteraction,
    TicketAssign,
    TicketBulk,
    TicketCreate,
    TicketDetail,
    TicketExport,
    TicketMerge,
    TicketMerged,
    TicketPage,
    TicketPatch,
    TicketQuery,
    TicketRead,
)
from contracts.views import (
    Board,
    SearchQuery,
    SearchResults,
    ViewCreate,
    ViewRead,
    ViewTicketsQuery,
)


class TicketingMethod(StrEnum):
    """Every method ticketing answers on ``topology.TICKETING_RPC``; the values are the wire
    names."""

    TICKETS_LIST = "tickets.list"
    TICKETS_GET = "tickets.get"
    TICKETS_UPDATE = "tickets.update"
    TICKETS_HISTORY = "tickets.history"
    TICKETS_ASSIGN = "tickets.assign"
    TICKETS_CREATE = "tickets.create"
    TICKETS_NOTE = "tickets.note"
    TICKETS_MERGE = "tickets.merge"
    TICKETS_CHILD = "tickets.child"
    TICKETS_REMOVE = "tickets.remove"
    TICKETS_EXPORT = "tickets.export"
    TICKETS_BULK = "tickets.bulk"
    INTERACTIONS_LIST = "interactions.list"
    INTERACTIONS_TAG = "interactions.tag"
    INTERACTIONS_MODERATE = "interactions.moderate"
    AGENTS_LIST = "agents.list"
    AGENTS_GET = "agents.get"
    AGENTS_CREATE = "agents.create"
    AGENTS_REPLACE = "agents.replace"
    AGENTS_DELETE = "agents.delete"
    TEAMS_LIST = "teams.list"
    TEAMS_GET = "teams.get"
    TEAMS_CREATE = "teams.create"
    TEAMS_REPLACE = "teams.replace"
    TEAMS_DELETE = "teams.delete"
    LEVELS_LIST = "levels.list"
    LEVELS_GET = "levels.get"
    LEVELS_CREATE = "levels.create"
    LEVELS_REPLACE = "levels.replace"
    LEVELS_DELETE = "levels.delete"
    LEVELS_SLA = "levels.sla"
    CALENDARS_LIST = "calendars.list"
    CALENDARS_GET = "calendars.get"
    CALENDARS_CREATE = "calendars.create"
    CALENDARS_REPLACE = "calendars.replace"
    CALENDARS_DELETE = "calendars.delete"
    OPINIONS_REQUEST = "opinions.request"
    TICKETS_REPLY = "tickets.reply"
    DESK_VOCABULARY = "desk.vocabulary"
    PEOPLE_LIST = "people.list"
    PEOPLE_GET = "people.get"
    PEOPLE_UPDATE = "people.update"
    PEOPLE_PROPOSALS = "people.proposals"
    PEOPLE_UNIFY = "people.unify"
    PEOPLE_SPLIT = "people.split"
    PEOPLE_SETTINGS_GET = "people.settings_get"
    PEOPLE_SETTINGS_SET = "people.settings_set"
    GROUPS_LIST = "groups.list"
    GROUPS_GET = "groups.get"
    GROUPS_CREATE = "groups.create"
    GROUPS_REPLACE = "groups.replace"
    GROUPS_DELETE = "groups.delete"
    GROUPS_MEMBERS = "groups.members"
    GROUPS_ADD = "groups.add"
    GROUPS_REMOVE = "groups.remove"
    CREDENTIALS_LINK = "credentials.link"
    CREDENTIALS_SET_PASSWORD = "credentials.set_password"
    SESSIONS_OPEN = "sessions.open"
    SESSIONS_GET = "sessions.get"
    SESSIONS_END = "sessions.end"
    REPORTS_VOLUME = "reports.volume"
    REPORTS_TIMES = "reports.times"
    REPORTS_BACKLOG = "reports.backlog"
    VIEWS_LIST = "views.list"
    VIEWS_GET = "views.get"
    VIEWS_CREATE = "views.create"
    VIEWS_REPLACE = "views.replace"
    VIEWS_DELETE = "views.delete"
    VIEWS_TICKETS = "views.tickets"
    VIEWS_BOARD = "views.board"
    SEARCH = "search"
    APPROVALS_LIST = "approvals.list"
    APPROVALS_EDIT = "approvals.edit"
    APPROVALS_APPROVE = "approvals.approve"
    APPROVALS_REJECT = "approvals.reject"
    APPROVALS_RESUBMIT = "approvals.resubmit"
    CANNED_LIST = "canned.list"
    CANNED_GET = "canned.get"
    CANNED_CREATE = "canned.create"
    CANNED_REPLACE = "canned.replace"
    CANNED_DELETE = "canned.delete"
    CONSOLE_TICKET_PAGE = "console.ticket_page"
    CONSOLE_INBOX_PAGE = "console.inbox_page"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(_Params):
    """For the methods that take nothing (the directory's lists)."""


class TicketRef(_Params):
    """One ticket, by id or protocol number (e.g. ``2026-000123``)."""

    ref: str


class TicketUpdate(TicketRef):
    patch: TicketPatch


class TicketAssignment(TicketRef):
    assign: TicketAssign


class TicketNote(TicketRef):
    note: NoteCreate


class TicketMerging(TicketRef):
    merge: TicketMerge


class TicketChild(TicketRef):
    child: ChildCreate


class TicketExportRequest(TicketRef):
    format: Literal["json", "text"] = "json"


class OpinionRequesting(TicketRef):
    request: OpinionRequestCreate


class TicketReplying(TicketRef):
    reply: ReplyCreate


class InteractionTagging(_Params):
    id: str
    tags: InteractionTags


class InteractionModerating(_Params):
    id: str
    action: ModerationAction


class DirectoryKey(_Params):
    """An agent's id, or a team's or level's name."""

    key: str


class DirectoryRevised(DirectoryKey):
    """A replacement; with ``expected_revision``, refused (409, code ``stale_revision``) when
    the record is no longer at that revision. Without it the write replaces whatever is there."""

    expected_revision: int | None = Field(default=None, ge=0)


class AgentReplace(DirectoryRevised):
    body: AgentCreate


class TeamReplace(DirectoryRevised):
    body: TeamCreate


class LevelReplace(DirectoryRevised):
    body: LevelCreate


class CalendarReplace(DirectoryRevised):
    body: CalendarCreate


class PersonRef(_Params):
    id: UUID


class PersonUpdate(PersonRef):
    patch: PersonPatch


class PersonUnifying(PersonRef):
    unify: PersonUnify


class PersonSplitting(PersonRef):
    split: PersonSplit


class GroupReplace(DirectoryKey):
    body: GroupCreate


class GroupMembersQuery(DirectoryKey):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


class GroupMembership(DirectoryKey):
    """Add (or remove) one person to the group named by ``key``."""

    member: GroupMember


class ViewRef(_Params):
    """A saved view's id, or ``builtin:<name>``."""

    id: str


class ViewReplace(ViewRef):
    body: ViewCreate


class ApprovalRef(_Params):
    """A reply held for approval, by its id (the reply interaction's)."""

    reply_id: UUID


class ApprovalEditing(ApprovalRef):
    edit: ApprovalEdit


class ApprovalRejecting(ApprovalRef):
    rejection: ApprovalRejection


class ApprovalResubmitting(ApprovalRef):
    resubmission: ApprovalResubmission


class CannedRef(_Params):
    id: UUID


class CannedReplace(CannedRef):
    """With ``expected_revision``, refused (409, code ``stale_revision``) when the canned
    response is no longer at that revision."""

    body: CannedCreate
    expected_revision: int | None = Field(default=None, ge=0)


class ViewTickets(ViewRef):
    query: ViewTicketsQuery = ViewTicketsQuery()


class DeskVocabulary(Contract):
    """The names a rule may use for a ticket (the rules service refuses others when a rule is
    saved or tried): the priority scale this deployment runs, highest first, and the levels
    that exist; and the business calendars, whole, which a ``business_hours`` condition may
    name and the rules service evaluates with."""

    priorities: list[str]
    levels: list[str]
    calendars: list[CalendarRead] = []


M = TicketingMethod

PARAMS: dict[TicketingMethod, type[BaseModel]] = {
    M.TICKETS_LIST: TicketQuery,
    M.TICKETS_GET: TicketRef,
    M.TICKETS_UPDATE: TicketUpdate,
    M.TICKETS_HISTORY: TicketRef,
    M.TICKETS_ASSIGN: TicketAssignment,
    M.TICKETS_CREATE: TicketCreate,
    M.TICKETS_NOTE: TicketNote,
    M.TICKETS_MERGE: TicketMerging,
    M.TICKETS_CHILD: TicketChild,
    M.TICKETS_REMOVE: TicketRef,
    M.TICKETS_EXPORT: TicketExportRequest,
    M.TICKETS_BULK: TicketBulk,
    M.INTERACTIONS_LIST: InteractionQuery,
    M.INTERACTIONS_TAG: InteractionTagging,
    M.INTERACTIONS_MODERATE: InteractionModerating,
    M.AGENTS_LIST: NoParams,
    M.AGENTS_GET: DirectoryKey,
    M.AGENTS_CREATE: AgentCreate,
    M.AGENTS_REPLACE: AgentReplace,
    M.AGENTS_DELETE: DirectoryKey,
    M.TEAMS_LIST: NoParams,
    M.TEAMS_GET: DirectoryKey,
    M.TEAMS_CREATE: TeamCreate,
    M.TEAMS_REPLACE: TeamReplace,
    M.TEAMS_DELETE: DirectoryKey,
    M.LEVELS_LIST: NoParams,
    M.LEVELS_GET: DirectoryKey,
    M.LEVELS_CREATE: LevelCreate,
    M.LEVELS_REPLACE: LevelReplace,
    M.LEVELS_DELETE: DirectoryKey,
    M.LEVELS_SLA: DirectoryKey,
    M.CALENDARS_LIST: NoParams,
    M.CALENDARS_GET: DirectoryKey,
    M.CALENDARS_CREATE: CalendarCreate,
    M.CALENDARS_REPLACE: CalendarReplace,
    M.CALENDARS_DELETE: DirectoryKey,
    M.OPINIONS_REQUEST: OpinionRequesting,
    M.TICKETS_REPLY: TicketReplying,
    M.DESK_VOCABULARY: NoParams,
    M.PEOPLE_LIST: PersonQuery,
    M.PEOPLE_GET: PersonRef,
    M.PEOPLE_UPDATE: PersonUpdate,
    M.PEOPLE_PROPOSALS: PersonRef,
    M.PEOPLE_UNIFY: PersonUnifying,
    M.PEOPLE_SPLIT: PersonSplitting,
    M.PEOPLE_SETTINGS_GET: NoParams,
    M.PEOPLE_SETTINGS_SET: UnificationSettings,
    M.GROUPS_LIST: NoParams,
    M.GROUPS_GET: DirectoryKey,
    M.GROUPS_CREATE: GroupCreate,
    M.GROUPS_REPLACE: GroupReplace,
    M.GROUPS_DELETE: DirectoryKey,
    M.GROUPS_MEMBERS: GroupMembersQuery,
    M.GROUPS_ADD: GroupMembership,
    M.GROUPS_REMOVE: GroupMembership,
    M.CREDENTIALS_LINK: AccessLinkRequest,
    M.CREDENTIALS_SET_PASSWORD: PasswordSetting,
    M.SESSIONS_OPEN: SignInAttempt,
    M.SESSIONS_GET: SessionKey,
    M.SESSIONS_END: SessionKey,
    M.REPORTS_VOLUME: VolumeQuery,
    M.REPORTS_TIMES: TimesQuery,
    M.REPORTS_BACKLOG: BacklogQuery,
    M.VIEWS_LIST: NoParams,
    M.VIEWS_GET: ViewRef,
    M.VIEWS_CREATE: ViewCreate,
    M.VIEWS_REPLACE: ViewReplace,
    M.VIEWS_DELETE: ViewRef,
    M.VIEWS_TICKETS: ViewTickets,
    M.VIEWS_BOARD: ViewRef,
    M.SEARCH: SearchQuery,
    M.APPROVALS_LIST: ApprovalQuery,
    M.APPROVALS_EDIT: ApprovalEditing,
    M.APPROVALS_APPROVE: ApprovalRef,
    M.APPROVALS_REJECT: ApprovalRejecting,
    M.APPROVALS_RESUBMIT: ApprovalResubmitting,
    M.CANNED_LIST: CannedQuery,
    M.CANNED_GET: CannedRef,
    M.CANNED_CREATE: CannedCreate,
    M.CANNED_REPLACE: CannedReplace,
    M.CANNED_DELETE: CannedRef,
    M.CONSOLE_TICKET_PAGE: TicketPageQuery,
    M.CONSOLE_INBOX_PAGE: InboxPageQuery,
}
"""The parameters model of each method."""

ANSWERS: dict[TicketingMethod, Any] = {
    M.TICKETS_LIST: TicketPage,
    M.TICKETS_GET: TicketDetail,
    M.TICKETS_UPDATE: TicketRead,
    M.TICKETS_HISTORY: list[HistoryEntry],
    M.TICKETS_ASSIGN: TicketRead,
    M.TICKETS_CREATE: TicketRead,
    M.TICKETS_NOTE: HistoryEntry,
    M.TICKETS_MERGE: TicketMerged,
    M.TICKETS_CHILD: TicketRead,
    M.TICKETS_REMOVE: TicketRead,
    M.TICKETS_EXPORT: TicketExport | str,
    M.TICKETS_BULK: BulkReport,
    M.INTERACTIONS_LIST: InteractionPage,
    M.INTERACTIONS_TAG: StoredInteraction,
    M.INTERACTIONS_MODERATE: StoredInteraction,
    M.AGENTS_LIST: list[AgentRead],
    M.AGENTS_GET: AgentRead,
    M.AGENTS_CREATE: AgentRead,
    M.AGENTS_REPLACE: AgentRead,
    M.AGENTS_DELETE: None,
    M.TEAMS_LIST: list[TeamRead],
    M.TEAMS_GET: TeamRead,
    M.TEAMS_CREATE: TeamRead,
    M.TEAMS_REPLACE: TeamRead,
    M.TEAMS_DELETE: None,
    M.LEVELS_LIST: list[LevelRead],
    M.LEVELS_GET: LevelRead,
    M.LEVELS_CREATE: LevelRead,
    M.LEVELS_REPLACE: LevelRead,
    M.LEVELS_DELETE: None,
    M.LEVELS_SLA: LevelSlaCounts,
    M.CALENDARS_LIST: list[CalendarRead],
    M.CALENDARS_GET: CalendarRead,
    M.CALENDARS_CREATE: CalendarRead,
    M.CALENDARS_REPLACE: CalendarRead,
    M.CALENDARS_DELETE: None,
    M.OPINIONS_REQUEST: OpinionRequestRead,
    M.TICKETS_REPLY: StoredInteraction,
    M.DESK_VOCABULARY: DeskVocabulary,
    M.PEOPLE_LIST: PersonPage,
    M.PEOPLE_GET: PersonDetail,
    M.PEOPLE_UPDATE: PersonRead,
    M.PEOPLE_PROPOSALS: list[Proposal],
    M.PEOPLE_UNIFY: PersonRead,
    M.PEOPLE_SPLIT: PersonSplitResult,
    M.PEOPLE_SETTINGS_GET: UnificationSettings,
    M.PEOPLE_SETTINGS_SET: UnificationSettings,
    M.GROUPS_LIST: list[GroupRead],
    M.GROUPS_GET: GroupRead,
    M.GROUPS_CREATE: GroupRead,
    M.GROUPS_REPLACE: GroupRead,
    M.GROUPS_DELETE: None,
    M.GROUPS_MEMBERS: PersonPage,
    M.GROUPS_ADD: PersonRead,
    M.GROUPS_REMOVE: PersonRead,
    M.CREDENTIALS_LINK: AccessLink,
    M.CREDENTIALS_SET_PASSWORD: PasswordSet,
    M.SESSIONS_OPEN: SessionRead,
    M.SESSIONS_GET: SessionRead,
    M.SESSIONS_END: SessionEnded,
    M.REPORTS_VOLUME: VolumeReport,
    M.REPORTS_TIMES: TimesReport,
    M.REPORTS_BACKLOG: BacklogReport,
    M.VIEWS_LIST: list[ViewRead],
    M.VIEWS_GET: ViewRead,
    M.VIEWS_CREATE: ViewRead,
    M.VIEWS_REPLACE: ViewRead,
    M.VIEWS_DELETE: None,
    M.VIEWS_TICKETS: TicketPage,
    M.VIEWS_BOARD: Board,
    M.SEARCH: SearchResults,
    M.APPROVALS_LIST: list[ApprovalRead],
    M.APPROVALS_EDIT: ApprovalRead,
    M.APPROVALS_APPROVE: StoredInteraction,
    M.APPROVALS_REJECT: ApprovalRead,
    M.APPROVALS_RESUBMIT: ApprovalRead,
    M.CANNED_LIST: list[CannedRead],
    M.CANNED_GET: CannedRead,
    M.CANNED_CREATE: CannedRead,
    M.CANNED_REPLACE: CannedRead,
    M.CANNED_DELETE: None,
    M.CONSOLE_TICKET_PAGE: TicketPageRead,
    M.CONSOLE_INBOX_PAGE: InboxPageRead,
}
"""What each method answers (``tickets.export`` with ``format="text"`` answers the text)."""
