"""Central's "screenshot" command against the real app: the picture arrives at central with the
text fields painted over, and the visitor's screen is left as it was."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image

from central import db
from central.fleet import commands
from screens.screenshot import DOT, MASK, capture_from_worker, field_boxes
from tests.conftest import ARTIFACTS, CentralServer
from tests.ui.harness import UI

pytestmark = pytest.mark.ui


def test_screenshot_command_masks_the_fields(fresh: UI, central: CentralServer) -> None:
    app = fresh.app
    app.ctx.commands.screenshot = capture_from_worker  # as on_start wires it
    fresh.go("checkin")
    field = fresh.screen.ids.code
    field.text = "84736251"
    app.keyboard.detach()
    fresh.frames(5)
    engine = db.create_engine(central.db)
    try:
        command_id = commands.queue(engine, "KIOSK-UI-TEST", "screenshot", {}, "test", central.clock().now())
        worker = threading.Thread(target=app.ctx.health.send)  # the sync worker's job, off the UI thread
        worker.start()
        fresh.wait_for(lambda: not worker.is_alive(), timeout=20)
        found = commands.get(engine, command_id)
        upload = commands.upload_of(engine, command_id)
    finally:
        engine.dispose()
    assert found is not None
    assert found["status"] == "done", found["result"]
    assert upload is not None
    content_type, png = upload
    assert content_type == "image/png"
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == tuple(fresh.window.size)
    (ARTIFACTS / "fleet-screenshot.png").write_bytes(png)
    [box] = field_boxes()
    colours = {colour for _count, colour in image.crop(box).getcolors(maxcolors=1 << 16) or []}
    assert colours <= {MASK, DOT}  # nothing of the typed code survives
    assert field.text == "84736251"  # the visitor's field is untouched
