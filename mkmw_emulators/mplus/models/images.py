"""Article images: the ``Image`` records on articles and ``getImages`` (with bytes on request)."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from typing import Any

from mkmw_emulators.mplus.models.articles import ArticlesMixin


class ImagesMixin(ArticlesMixin):
    """Images on articles; a new version of a picture keeps its id and changes its hash."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self._image_seq = 5000
        self._image_versions: dict[int, int] = {}

    def image_record(self, image_id: int, name: str, version: int = 1) -> dict[str, Any]:
        """An ``Image`` dict (every element the WSDL requires); the hash follows the content."""
        digest = hashlib.sha1(f"{image_id}:{name}:{version}".encode(), usedforsecurity=False)
        content = digest.hexdigest()
        ts = self._ts()
        return {
            "imageId": image_id,
            "imageName": name,
            "imageHash": content,
            "imagePath": f"images/{image_id}/{name}",
            "imageUrl": f"https://images.mpluskassa.example/{image_id}/{content[:12]}/{name}",
            "imageData": "",
            "imageDataResult": "LOAD-FILE-NOT-REQUESTED",
            "thumbHash": content[::-1],
            "thumbPath": f"images/{image_id}/thumb-{name}",
            "thumbUrl": f"https://images.mpluskassa.example/{image_id}/thumb-{name}",
            "thumbData": "",
            "thumbDataResult": "LOAD-FILE-NOT-REQUESTED",
            "imageWidth": 800,
            "imageHeight": 800,
            "thumbWidth": 100,
            "thumbHeight": 100,
            "createdTimestamp": ts,
            "changedTimestamp": ts,
        }

    def set_image(
        self, article_number: int, name: str, position: int = 1, *, image_id: int | None = None
    ) -> int:
        """Test helper: put (or replace the content of) an article's image at a position (1-).

        Replacing keeps the image id and changes its hash, as editing a picture does.
        Returns the new syncMarker.
        """
        with self.lock:
            article = self.articles[article_number]
            images = list(article.get("imageList", {}).get("image", []))
            if position <= len(images):
                old = images[position - 1]
                number = image_id or old["imageId"]
                version = self._image_versions.get(number, 1) + 1
                self._image_versions[number] = version
                images[position - 1] = self.image_record(number, name, version)
            else:
                self._image_seq += 1
                images.append(self.image_record(image_id or self._image_seq, name))
            article["imageList"] = {"image": images}
            return self._touch_article(article)

    def get_images(self, req: dict[str, Any] | None) -> dict[str, Any]:
        """``getImages``: the images with these ids, with their bytes only when asked.

        ``getProducts`` never carries image bytes (``LOAD-FILE-NOT-REQUESTED``, API-NOTES.md
        §2.2); here ``imageData`` / ``thumbData`` are filled (``LOAD-FILE-OK``) when
        ``includeImageData`` / ``includeThumbData`` are true. The emulator holds no picture
        files, so the bytes are a PNG of the recorded size in a colour taken from the image
        hash: a new version of a picture has new bytes. [inferred] An unknown id is left out
        of the answer (no source says whether the server answers it with
        ``LOAD-FILE-NOT-FOUND``).
        """
        req = req or {}
        wanted = list(dict.fromkeys(req.get("imageIds", ())))
        with self.lock:
            known: dict[int, dict[str, Any]] = {}
            for article in self.articles.values():
                for image in article.get("imageList", {}).get("image", []):
                    known.setdefault(image["imageId"], image)
            out = []
            for image_id in wanted:
                image = known.get(image_id)
                if image is None:
                    continue
                record = dict(image)
                if req.get("includeImageData"):
                    record["imageData"] = _png_base64(
                        image["imageWidth"], image["imageHeight"], image["imageHash"]
                    )
                    record["imageDataResult"] = "LOAD-FILE-OK"
                if req.get("includeThumbData"):
                    record["thumbData"] = _png_base64(
                        image["thumbWidth"], image["thumbHeight"], image["thumbHash"]
                    )
                    record["thumbDataResult"] = "LOAD-FILE-OK"
                out.append(record)
            return {"imageList": {"image": out}}

    def remove_images(self, article_number: int) -> int:
        """Test helper: take every image off an article; returns the new syncMarker."""
        with self.lock:
            article = self.articles[article_number]
            article.pop("imageList", None)
            return self._touch_article(article)


def _png_base64(width: int, height: int, digest: str) -> str:
    """A solid PNG (8-bit RGB) of the given size in the colour of a hash, base64 encoded."""
    colour = bytes.fromhex(digest[:6])
    row = b"\x00" + colour * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode("ascii")
