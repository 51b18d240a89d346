"""USB printers: ``usb://VID:PID``, through pyusb when installed, else through the kernel's usblp node.

With pyusb the printer's bulk IN endpoint answers status queries (add ``status=none`` for printers whose
IN endpoint never answers). Without pyusb, the /dev/usb/lpN node is written with a deadline and status is
"unknown": the kernel driver offers no dependable read-back. pyusb is python-escpos's ``[usb]`` extra.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from pathlib import Path
from typing import Any

from devices.printer.connection import Connection
from devices.printer.errors import make_error
from devices.printer.fileport import WriteOnlyPort
from devices.uri import DeviceURI

SYSFS_USBMISC = Path("/sys/class/usbmisc")


def find_usblp(vid: int, pid: int, sysfs: Path = SYSFS_USBMISC) -> str | None:
    """The /dev/usb/lpN node of the printer with this vendor and product id, if the kernel bound usblp."""
    if not sysfs.is_dir():
        return None
    for entry in sorted(sysfs.iterdir()):
        if not entry.name.startswith("lp"):
            continue
        device = (entry / "device").resolve()
        for folder in (device, *device.parents):  # the interface's parent holds idVendor/idProduct
            vendor, product = folder / "idVendor", folder / "idProduct"
            if vendor.is_file() and product.is_file():
                try:
                    found = int(vendor.read_text().strip(), 16), int(product.read_text().strip(), 16)
                except (OSError, ValueError):
                    break
                if found == (vid, pid):
                    return f"/dev/usb/{entry.name}"
                break
    return None


def _pyusb() -> Any | None:
    """pyusb's ``usb`` package with ``core`` and ``util`` loaded, or None (an optional dependency)."""
    try:
        usb = importlib.import_module("usb")
        importlib.import_module("usb.core")
        importlib.import_module("usb.util")
    except ImportError:
        return None
    return usb


class UsbConnection(Connection):
    """Picks pyusb (status read-back) or usblp (write only) when opened, whichever is present."""

    def __init__(self, uri: DeviceURI, sysfs: Path = SYSFS_USBMISC) -> None:
        super().__init__(uri)
        vid, _, pid = uri.target.partition(":")
        self.vid, self.pid = int(vid, 16), int(pid, 16)
        self.sysfs = sysfs
        self._usb = _pyusb()
        self._fallback: WriteOnlyPort | None = None
        self._dev: Any = None
        self._out: Any = None
        self._in: Any = None
        self.can_read = self._usb is not None and uri.param("status", "read") != "none"

    def _ids(self) -> str:
        return f"{self.vid:04x}:{self.pid:04x}"

    def open(self, timeout: float) -> None:
        self.close()
        if self._usb is None:
            node = find_usblp(self.vid, self.pid, self.sysfs)
            if node is None or not os.path.exists(node):
                raise make_error(
                    "not_found", f"no USB printer {self._ids()} (no usblp node, and pyusb is not installed)",
                    uri=self.name, phase="open",
                )  # fmt: skip
            self._fallback = WriteOnlyPort(self.uri, node)
            self._fallback.open(timeout)
            return
        usb = self._usb
        try:
            dev = usb.core.find(idVendor=self.vid, idProduct=self.pid)
            if dev is None:
                raise make_error("not_found", f"no USB device {self._ids()}", uri=self.name, phase="open")
            try:
                if dev.is_kernel_driver_active(0):
                    dev.detach_kernel_driver(0)
            except (NotImplementedError, usb.core.USBError):
                pass
            dev.set_configuration()
            intf = dev.get_active_configuration()[(0, 0)]

            def direction(want: int) -> Any:
                return usb.util.find_descriptor(
                    intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == want
                )

            self._out, self._in = direction(usb.util.ENDPOINT_OUT), direction(usb.util.ENDPOINT_IN)
            if self._out is None:
                raise make_error(
                    "io_error", f"USB {self._ids()} has no OUT endpoint", uri=self.name, phase="open"
                )
            if self._in is None:
                self.can_read = False
            self._dev = dev
        except usb.core.USBError as exc:
            raise make_error(
                "io_error", f"USB {self._ids()}: {exc}", uri=self.name, errno=exc.errno, phase="open"
            ) from None

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback.close()
            self._fallback = None
        dev, self._dev = self._dev, None
        if dev is not None and self._usb is not None:
            with contextlib.suppress(Exception):  # closing must never raise; the device may be gone
                self._usb.util.dispose_resources(dev)

    def write(self, data: bytes, timeout: float) -> None:
        if self._fallback is not None:
            self._fallback.write(data, timeout)
            return
        if self._dev is None or self._usb is None:
            raise make_error("io_error", "USB device is not open", uri=self.name, phase="sending")
        try:
            self._dev.write(self._out, data, max(1, int(timeout * 1000)))
        except self._usb.core.USBTimeoutError:
            raise make_error(
                "timeout",
                f"printer accepted no more data within {timeout:g} s",
                uri=self.name,
                phase="sending",
            ) from None
        except self._usb.core.USBError as exc:
            raise make_error(
                "io_error", f"USB write: {exc}", uri=self.name, errno=exc.errno, phase="sending"
            ) from None

    def read(self, size: int, timeout: float) -> bytes:
        if self._dev is None or self._in is None or self._usb is None:
            return b""
        try:
            return bytes(self._dev.read(self._in, max(size, 64), max(1, int(timeout * 1000))))[:size]
        except self._usb.core.USBTimeoutError:
            return b""
        except self._usb.core.USBError as exc:
            raise make_error(
                "io_error", f"USB read: {exc}", uri=self.name, errno=exc.errno, phase="status"
            ) from None

    def discard_input(self) -> None:
        while self._dev is not None and self.read(64, 0.01):
            pass
