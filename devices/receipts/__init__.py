"""Receipts as data: a document model, templates in assets/receipts/, and the layout to ESC/POS bytes."""

from devices.receipts.appointment import AppointmentData, appointment_receipt
from devices.receipts.layout import RenderedReceipt, render
from devices.receipts.model import (
    QR,
    BigNumber,
    Block,
    Cut,
    Feed,
    KeyValue,
    Picture,
    Receipt,
    Separator,
    Text,
)
from devices.receipts.template import NotBuiltError, TemplateError
from devices.receipts.ticket import TicketData, ticket_receipt

__all__ = [
    "QR",
    "AppointmentData",
    "BigNumber",
    "Block",
    "Cut",
    "Feed",
    "KeyValue",
    "NotBuiltError",
    "Picture",
    "Receipt",
    "RenderedReceipt",
    "Separator",
    "TemplateError",
    "Text",
    "TicketData",
    "appointment_receipt",
    "render",
    "ticket_receipt",
]
