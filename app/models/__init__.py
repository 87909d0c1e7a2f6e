"""Every table, imported here so Alembic's metadata sees them all."""

from app.models.audit import AuditEvent
from app.models.claim import CLAIM_STATES, Claim, ClaimEvidence, ClaimStatus, IdempotencyRecord
from app.models.evaluation import (
    EvaluationCode,
    EvaluationRating,
    EvaluationReceipt,
    EvaluationRound,
)
from app.models.grading import (
    GradingFollowUp,
    GradingObjection,
    GradingResult,
    GradingRun,
    GradingVote,
    GradingVoter,
)
from app.models.imports import ActivationCode, MemberImport, MemberImportRow
from app.models.ledger import BranchEntry, BranchMonth, LedgerEntry
from app.models.member import Member, MemberTransfer
from app.models.org import Organisation
from app.models.reminder import Reminder
from app.models.standard import StandardItem, StandardVersion
from app.models.user import AuthThrottle, RefreshToken, RoleAssignment, ServiceAccount, User

__all__ = [
    "CLAIM_STATES",
    "ActivationCode",
    "AuditEvent",
    "AuthThrottle",
    "BranchEntry",
    "BranchMonth",
    "Claim",
    "ClaimEvidence",
    "ClaimStatus",
    "EvaluationCode",
    "EvaluationRating",
    "EvaluationReceipt",
    "EvaluationRound",
    "GradingFollowUp",
    "GradingObjection",
    "GradingResult",
    "GradingRun",
    "GradingVote",
    "GradingVoter",
    "IdempotencyRecord",
    "LedgerEntry",
    "Member",
    "MemberImport",
    "MemberImportRow",
    "MemberTransfer",
    "Organisation",
    "RefreshToken",
    "Reminder",
    "RoleAssignment",
    "ServiceAccount",
    "StandardItem",
    "StandardVersion",
    "User",
]
