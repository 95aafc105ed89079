"""report.html in a real browser: headless Chromium (Debian's ``chromium``) loads the page, the DOM it
builds has the summary first and the heat-map with one cell per category x transform, and a screenshot
shows the heat-map's colours actually painted. A missing Chromium fails the test (it is a CI dependency)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html import escape
from pathlib import Path

import pytest

from tests.redteam.conftest import Plant, load

BASE_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
              "--disable-dev-shm-usage"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.fail("chromium is not installed (apt-get install chromium); the report's browser test needs it")
    return found


def run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), *BASE_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=90)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGBA bytes) of an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = colour = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line) if bpp == 4 else b"".join(bytes(line[i:i + 3]) + b"\xff"
                                                           for i in range(0, stride, 3)))
        prev = line
    return width, height, rows


def test_report_renders_in_headless_chromium(plant: Plant, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert plant.run(out, transforms=("none", "base64", "rot13")).exit_code == 0
    page = (out / "report.html").resolve()
    html = page.read_text()
    assert "<script" not in html and "http://" not in html.replace(plant.url, "") and "https://" not in html

    dom = run_chromium(["--dump-dom", page.as_uri()], tmp_path / "profile1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert text.index('id="summary"') < text.index('id="asr-heatmap"') < text.index('id="over-refusal"')
    doc = load(out)
    cells = re.findall(r'<g class="cell" data-category="([^"]+)" data-transform="([^"]+)" data-asr="([^"]*)"', text)
    categories = {c["category"] for c in doc["metrics"]["asr"]["cells"]}
    assert len(cells) == len(categories) * 3
    for c in doc["metrics"]["asr"]["cells"]:
        assert (c["category"], c["transform"], f"{c['rate']:.4f}") in cells
    overall = doc["metrics"]["asr"]["overall"]
    assert f"of {overall['n']} harmful attempts, {overall['k']} succeeded" in text
    assert escape(doc["target"]["model"]) in text

    shot = tmp_path / "shot.png"
    res = run_chromium([f"--screenshot={shot}", "--window-size=1200,1100", page.as_uri()], tmp_path / "profile2")
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1100)
    # the 100% cells (cyber x base64 and others) are painted deep red: rgb(250, 47, 30)
    red = sum(1 for row in rows for i in range(0, len(row), 4)
              if abs(row[i] - 250) < 8 and abs(row[i + 1] - 47) < 8 and abs(row[i + 2] - 30) < 8)
    assert red > 2000, red
