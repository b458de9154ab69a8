"""The desk's object store: S3 when configured (MINHU_DESK_S3_*), else PostgreSQL
large objects in the desk's own database, behind the same interface."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.common.files.store import Missing, ObjectStore, S3Store
from services.desk.settings import DeskSettings
from services.desk.tables import file_objects


class LargeObjectStore:
    """Objects as PostgreSQL large objects, one row per key naming its oid."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        async with self.sessions() as session, session.begin():
            oid = (await session.execute(sa.select(sa.func.lo_from_bytea(0, data)))).scalar_one()
            await session.execute(
                insert(file_objects)
                .values(object_key=key, oid=oid, content_type=content_type)
                .on_conflict_do_nothing(index_elements=["object_key"])
            )

    async def get(self, key: str) -> bytes:
        async with self.sessions() as session:
            data = (
                await session.execute(
                    sa.select(sa.func.lo_get(file_objects.c.oid)).where(
                        file_objects.c.object_key == key
                    )
                )
            ).scalar()
        if data is None:
            raise Missing(key)
        return bytes(data)

    async def ready(self) -> bool:
        return True


async def open_store(own: DeskSettings, sessions: Any) -> ObjectStore:
    """The configured store, started (an S3 bucket is made if missing)."""
    if not own.s3_endpoint:
        return LargeObjectStore(sessions)
    store = S3Store(
        own.s3_endpoint,
        own.s3_bucket,
        own.s3_access_key,
        own.s3_secret_key.get_secret_value(),
        own.s3_region,
    )
    await store.start()
    return store


async def close_store(store: ObjectStore) -> None:
    if isinstance(store, S3Store):
        await store.stop()
