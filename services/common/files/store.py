"""Where the bytes of files live: an object store behind one small interface.

S3Store speaks S3 to any compatible store (SeaweedFS, Ceph RGW, a cloud bucket); MemoryStore
serves unit tests.
A put returns only once the store has the object, so whoever acknowledges an upload after
it (and after committing its metadata) never acknowledges bytes that are not kept. Bytes
never travel through Kafka: events and the record name a file by its key.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiobotocore.session import get_session  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]


class Missing(Exception):
    """No object under that key."""


class ObjectStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the bytes under the key (overwriting is allowed: keys are never reused)."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under the key, or Missing."""
        ...

    async def ready(self) -> bool:
        """Whether the store answers (the readiness probe asks)."""
        ...


class MemoryStore:
    """A dictionary: for unit tests and tools that need no server."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (bytes(data), content_type)

    async def get(self, key: str) -> bytes:
        try:
            return self.objects[key][0]
        except KeyError:
            raise Missing(key) from None

    async def ready(self) -> bool:
        return True


class S3Store:
    """One bucket of an S3-compatible store, through aiobotocore."""

    def __init__(
        self, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self._keys = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
        self._region = region
        self._session = get_session()
        self._client: Any = None
        self._context: Any = None

    async def start(self) -> None:
        """Opens the client and makes the bucket if it is missing."""
        config = Config(
            retries={"max_attempts": 4, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            s3={"addressing_style": "path"},
            # Checksums only where the API requires them: not every S3-compatible store
            # accepts the newer default trailing checksums.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._context = self._session.create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self._region,
            config=config,
            **self._keys,
        )
        self._client = await self._context.__aenter__()
        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except ClientError:
            await self._client.create_bucket(Bucket=self.bucket)

    async def stop(self) -> None:
        if self._context is not None:
            await self._context.__aexit__(None, None, None)
            self._context = self._client = None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
        )

    async def get(self, key: str) -> bytes:
        try:
            got = await self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise Missing(key) from exc
            raise
        async with got["Body"] as body:
            data: bytes = await body.read()
        return data

    async def ready(self) -> bool:
        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except Exception:
            return False
        return True
