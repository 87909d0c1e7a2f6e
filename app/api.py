"""The /api/v1 router that includes every domain router."""

from fastapi import APIRouter

from app.auth.router import router as auth_router
from app.integrations.router import router as integrations_router
from app.members.router import router as members_router
from app.orgs.router import router as orgs_router
from app.standards.router import router as standards_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth_router)
api_router.include_router(orgs_router)
api_router.include_router(members_router)
api_router.include_router(standards_router)
api_router.include_router(integrations_router)
