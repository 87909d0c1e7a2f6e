"""Queries of standard versions used by validation and the diff."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Organisation, StandardVersion


async def published_clash(session: AsyncSession, standard: StandardVersion) -> int | None:
    """Another version already published for the same organisation and year."""
    return await session.scalar(
        select(col(StandardVersion.id)).where(
            col(StandardVersion.organisation_id) == standard.organisation_id,
            col(StandardVersion.year) == standard.year,
            col(StandardVersion.status) == "published",
            col(StandardVersion.id) != standard.id,
        )
    )


async def latest_published_before(
    session: AsyncSession, *, organisation_id: int, year: int
) -> StandardVersion | None:
    """The version that applied to an organisation in the latest year before `year` that had
    one: its own, or the nearest organisation's above."""
    org_path = await session.scalar(
        select(col(Organisation.path)).where(col(Organisation.id) == organisation_id)
    )
    if org_path is None:
        return None
    ancestors = [int(x) for x in org_path.strip("/").split("/") if x]
    rows = await session.execute(
        select(StandardVersion, col(Organisation.path))
        .join(Organisation, col(Organisation.id) == col(StandardVersion.organisation_id))
        .where(
            col(StandardVersion.organisation_id).in_(ancestors),
            col(StandardVersion.year) < year,
            col(StandardVersion.status) == "published",
        )
    )
    found = sorted(rows.all(), key=lambda r: (r[0].year, len(r[1])), reverse=True)
    return found[0][0] if found else None
