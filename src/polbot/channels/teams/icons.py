"""The Teams app's two icons, drawn in code so that the package is reproducible byte for byte.

Teams wants a 192x192 colour icon and a 32x32 outline icon (white on transparent). Both show
a speech bubble; a tiny PNG writer keeps the project free of an imaging dependency.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

ACCENT = (0x1F, 0x4E, 0x79)
"""The app's accent colour, also the colour icon's background."""
ACCENT_HEX = "#{:02X}{:02X}{:02X}".format(*ACCENT)

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG whose pixel at column x, row y is ``pixel(x / width, y / height)``."""
    rows = b"".join(
        b"\x00"
        + b"".join(bytes(pixel((x + 0.5) / width, (y + 0.5) / height)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _in_bubble(x: float, y: float, inset: float = 0.0) -> bool:
    """Whether (x, y), in units of the icon's size, lies in the speech bubble."""
    left, top, right, bottom, radius = 0.2 + inset, 0.24 + inset, 0.8 - inset, 0.66 - inset, 0.1
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    in_body = (x - cx) ** 2 + (y - cy) ** 2 <= radius**2 and left <= x <= right
    # The tail: a triangle below the body, pointing down-left.
    in_tail = (
        0.3 + inset <= x <= 0.46 - inset
        and bottom <= y <= 0.8 - inset
        and (x - 0.3 <= (0.8 - y) * (0.16 / 0.14))
    )
    return in_body or in_tail


def color_icon() -> bytes:
    """192x192: a white speech bubble on the accent colour."""
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    return png(192, 192, lambda x, y: white if _in_bubble(x, y) else accent)


def outline_icon() -> bytes:
    """32x32: the speech bubble's outline in white on a transparent background."""
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)

    def pixel(x: float, y: float) -> Pixel:
        return white if _in_bubble(x, y) and not _in_bubble(x, y, inset=0.07) else clear

    return png(32, 32, pixel)
