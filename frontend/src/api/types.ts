// Shapes of the API's JSON bodies: names for the types generated from the backend's OpenAPI
// document (schema.d.ts; `make types` regenerates it, `make test` fails when it is stale).
import type { components } from './schema'

type Schemas = components['schemas']

/**
 * `T` with some fields narrowed to the values the backend sends where its schema says only
 * "string"; each narrowing must fit the generated type, and becomes a no-op once the backend
 * declares the values itself.
 */
type Narrow<T, N extends { [K in keyof N]: K extends keyof T ? T[K] : never }> = Omit<T, keyof N> & N

/** Assigned roles, plus `member` and the superadmin flag of the account (stores/auth.ts). */
export type Role = Schemas['RoleAssignmentCreate']['role'] | 'member' | 'superadmin'
export type MemberCategory = Schemas['MemberCreate']['category']
export type OrganisationKind = Schemas['OrganisationCreate']['kind']
export type Organisation = Schemas['OrganisationPublic']

export type TokenResponse = Schemas['TokenResponse']
export type MeUser = Schemas['MeUser']
export type MeMember = Narrow<Schemas['MeMember'], { category: MemberCategory }>
export type RoleAssignment = Narrow<
  Schemas['MeRole'],
  { role: Role; organisation_kind: OrganisationKind }
>
export type Me = Narrow<Schemas['MeResponse'], { member: MeMember | null; roles: RoleAssignment[] }>

// ---- The monthly cycle (claims, the branch's month, points) --------------------------------

/** Points travel as decimal strings ("0.5") so nothing is lost to floating point. */
export type Points = string

export type Dimension = Schemas['ItemCreate']['dimension']
export type ClaimStatus = Schemas['ClaimStatus']
export type Decision = Schemas['BulkDecision']['decision']

/** A page of a list; every list endpoint answers this shape (Page_ClaimPublic_, …). */
export type Page<T> = Omit<Schemas['Page_ClaimPublic_'], 'items'> & { items: T[] }

export type PersonRef = Schemas['PersonRef']
export type ItemRef = Schemas['ItemRef']
export type StandardItem = Narrow<
  Schemas['ItemPublic'],
  {
    dimension: Dimension
    kind: Schemas['ItemCreate']['kind']
    source: Schemas['ItemCreate']['source']
    categories: MemberCategory[] | null
  }
>
export type Standard = Narrow<Schemas['StandardPublic'], { items: StandardItem[] }>
export type Evidence = Schemas['EvidencePublic']
export type Claim = Schemas['ClaimPublic']
export type ClaimDetail = Schemas['ClaimDetail']
export type ClaimCreateBody = Schemas['ClaimCreate']
export type ClaimUpdateBody = Schemas['ClaimUpdate']
export type TimelineEvent = Schemas['TimelineEvent']
export type BulkDecision = Schemas['BulkDecision']
export type BulkResult = Schemas['BulkResult']
export type BulkReviewResult = Schemas['BulkReviewResult']
export type Blocker = Schemas['Blocker']
export type MonthView = Schemas['MonthPublic']
export type CloseResult = Schemas['CloseResult']
export type EntryCreateBody = Schemas['EntryCreate']
export type Entry = Schemas['EntryPublic']
export type EntryDetail = Schemas['EntryDetail']
export type RankingRow = Schemas['RankingRow']
export type Ranking = Schemas['Ranking']
export type DimensionPoints = Schemas['DimensionPoints']
export type MonthPoints = Schemas['MonthPoints']
export type PointsSummary = Schemas['PointsSummary']
export type ItemRoom = Schemas['ItemRoom']
export type MonthState = Schemas['MonthState']
export type MemberRoom = Schemas['MemberRoom']
export type MemberSummary = Schemas['MemberPublic']

// ---- Following up declarations: the to-do, members who have not declared, reminders ---------
export type Todo = Schemas['Todo']
export type TodoBranch = Schemas['TodoBranch']
export type UndeclaredMember = Schemas['UndeclaredMember']
export type ReminderSendBody = Schemas['ReminderSend']
export type ReminderSendResult = Schemas['ReminderSendResult']
export type Reminder = Schemas['ReminderPublic']
export type LedgerRow = Schemas['LedgerRow']
export type LedgerMonth = Schemas['LedgerMonth']
export type LedgerPage = Schemas['LedgerPage']
export type AttendanceRow = Schemas['AttendanceRow']
export type YearRanking = Schemas['YearRanking']
export type YearRankingRow = Schemas['YearRankingRow']

// ---- The quarterly evaluation (群众评议) ------------------------------------------------------
export type Rating = Schemas['RatingIn']['rating']
export type RatingIn = Schemas['RatingIn']
export type RoundPhase = Schemas['RoundPublic']['phase']
export type EvaluationRound = Schemas['RoundPublic']
export type RoundCreateBody = Schemas['RoundCreate']
export type RoundUpdateBody = Schemas['RoundUpdate']
export type RoundProgress = Schemas['RoundProgress']
export type MemberProgress = Schemas['MemberProgress']
export type BallotForm = Schemas['BallotForm']
export type BallotAccepted = Schemas['BallotAccepted']
export type MyRound = Schemas['MyRound']
export type RoundResults = Schemas['RoundResults']
export type MemberResult = Schemas['MemberResult']
export type ResultComment = Schemas['ResultComment']
export type MemberEvaluation = Schemas['MemberEvaluation']
export type QuarterEvaluation = Schemas['QuarterEvaluation']
