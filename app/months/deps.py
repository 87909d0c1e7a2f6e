"""Load-or-404 branch dependency for month routes; access is checked per use case."""

from typing import Annotated

from fastapi import Depends, Path

from app.db import SessionDep
from app.deps import CurrentPrincipal
from app.models import Organisation
from app.orgs import service as orgs
from app.periods import PERIOD_PATTERN
from app.schemas import IdPath


async def branch_of_month(org_id: IdPath, session: SessionDep, _: CurrentPrincipal) -> Organisation:
    return await orgs.get_branch(session, org_id)


Branch = Annotated[Organisation, Depends(branch_of_month)]
PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, description="YYYY-MM, e.g. 2026-11")]
