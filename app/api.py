"""The /api/v1 router that includes every domain router."""

from fastapi import APIRouter

from app.auditlog.router import router as auditlog_router
from app.auth.router import router as auth_router
from app.claims.router import router as claims_router
from app.evaluation.router import public_router as evaluation_public_router
from app.evaluation.router import router as evaluation_router
from app.grading.router import router as grading_router
from app.imports.router import router as imports_router
from app.integrations.router import router as integrations_router
from app.members.router import router as members_router
from app.months.router import router as months_router
from app.orgs.router import router as orgs_router
from app.points.router import branch_router as points_branch_router
from app.points.router import router as points_router
from app.reminders.router import router as reminders_router
from app.room.router import router as room_router
from app.standards.router import router as standards_router

api_router = APIRouter(prefix="/api/v1")
# A request is matched against the routes in this order, so the month-end traffic (claims,
# then the branch's month) comes first; no two routers share a path prefix, so the order
# decides nothing else.
api_router.include_router(claims_router)
api_router.include_router(months_router)
api_router.include_router(auth_router)
api_router.include_router(orgs_router)
api_router.include_router(members_router)
api_router.include_router(imports_router)
api_router.include_router(standards_router)
api_router.include_router(integrations_router)
api_router.include_router(points_router)
# /branches/{org_id}/ranking (the year's closed months) beside the months router's paths.
api_router.include_router(points_branch_router)
api_router.include_router(room_router)
# /branches/{org_id}/months/{period}/undeclared and /reminders; /me/reminders and /me/todo.
api_router.include_router(reminders_router)
# /branches/{org_id}/evaluation-rounds, /evaluation-rounds/…, /me/evaluation-rounds,
# /members/{id}/evaluation; and the public page's /public/evaluation/… (no sign-in).
api_router.include_router(evaluation_router)
api_router.include_router(evaluation_public_router)
# /branches/{org_id}/gradings, /gradings/…, /me/grading, /members/{id}/score,
# /organisations/{org_id}/gradings.
api_router.include_router(grading_router)
# /audit-events and /audit-events.csv: the audit trail of the caller's subtree.
api_router.include_router(auditlog_router)
