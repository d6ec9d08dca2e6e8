"""Objects as the API shows them; each shape is described in ``openapi.py``."""

from __future__ import annotations

from flask import url_for

from eoffice.api.services import iso


def classification(item) -> dict | None:
    if item is None:
        return None
    return {"id": item.id, "code": item.code, "name": item.name}


def classification_full(item) -> dict:
    return {"id": item.id, "code": item.code, "name": item.name, "parent_id": item.parent_id,
            "active": item.active, "retention_active_years": item.retention_active_years,
            "retention_inactive_years": item.retention_inactive_years,
            "final_disposition": item.final_disposition, "level": item.level,
            "retention_note": item.retention_note, "retention_source": item.retention_source}


def unit(item) -> dict:
    return {"id": item.id, "code": item.code, "name": item.name, "kind": item.kind,
            "parent_id": item.parent_id, "active": item.active}


def position(item) -> dict:
    holder = item.holder
    return {"id": item.id, "name": item.name, "unit_id": item.unit_id,
            "parent_id": item.parent_id, "jabatan_type": item.jabatan_type,
            "is_head": item.is_head, "active": item.active,
            "holder": None if holder is None else {"id": holder.id,
                                                   "full_name": holder.full_name}}


def letter(item, *, detail: bool = False) -> dict:
    out = {
        "id": item.id, "agenda_number": item.agenda_number, "agenda_year": item.agenda_year,
        "sender": item.sender, "sender_number": item.sender_number,
        "letter_date": iso(item.letter_date), "received_date": iso(item.received_date),
        "subject": item.subject, "summary": item.summary,
        "classification": classification(item.classification), "security": item.security,
        "speed": item.speed, "status": item.status,
        "physical_attachments": item.physical_attachments,
        "recipients": [{"position_id": r.position_id, "position_name": r.position.name,
                        "kind": r.kind, "read_at": iso(r.read_at)} for r in item.recipients],
        "created_at": iso(item.created_at),
    }
    if detail:
        out["cancel_reason"] = item.cancel_reason
        out["filed_note"] = item.filed_note
        out["attachments"] = [{
            "id": a.id, "filename": a.filename, "size": a.file.size, "kind": a.file.kind,
            "sha256": a.file.sha256,
            "url": url_for("api.letter_attachment", letter_id=item.id, attachment_id=a.id),
        } for a in item.attachments]
        out["dispositions"] = [{
            "id": d.id, "from_position_id": d.from_position_id, "from_name": d.from_name,
            "note": d.note, "due_date": iso(d.due_date), "created_at": iso(d.created_at),
            "recipients": [{"id": r.id, "position_id": r.position_id, "status": r.status}
                           for r in d.recipients],
        } for d in item.dispositions]
    return out


def outgoing(item, *, detail: bool = False, deliveries=None) -> dict:
    out = {
        "id": item.id, "letter_type": item.letter_type, "number": item.number,
        "subject": item.subject, "status": item.status, "security": item.security,
        "speed": item.speed, "classification": classification(item.classification),
        "signed_date": iso(item.signed_date), "drafter": item.drafter.full_name,
        "signer_position": {"id": item.signer_position.id, "name": item.signer_position.name},
        "recipients": [{"id": r.id, "kind": r.kind, "position_id": r.position_id,
                        "label": r.label, "peer_id": r.peer_id,
                        "dispatch_method": r.dispatch_method,
                        "dispatched_on": iso(r.dispatched_on)} for r in item.recipients],
        "pdf_sha256": item.pdf_sha256,
        "updated_at": iso(item.updated_at),
    }
    if detail:
        out["body_html"] = item.body_html
        out["signatory"] = dict(item.signatory or {}) or None
        out["pdf_url"] = (url_for("api.outgoing_pdf", letter_id=item.id)
                          if item.pdf_file_id else None)
        out["deliveries"] = [delivery(d) for d in deliveries or []]
    return out


def delivery(item) -> dict:
    return {"id": item.id, "peer_id": item.peer_id, "peer_name": item.peer.name,
            "status": item.status, "attempts": item.attempts,
            "last_error": item.last_error, "reason": item.reason,
            "remote_agenda_number": item.remote_agenda_number,
            "next_attempt_at": iso(item.next_attempt_at)}


def disposition_row(recipient, today) -> dict:
    d = recipient.disposition
    return {
        "id": recipient.id, "status": recipient.status, "position_id": recipient.position_id,
        "read_at": iso(recipient.read_at), "done_at": iso(recipient.done_at),
        "report": recipient.report, "return_note": recipient.return_note,
        "overdue": recipient.is_overdue(today),
        "disposition": {"id": d.id, "from_position_id": d.from_position_id,
                        "from_name": d.from_name, "note": d.note, "due_date": iso(d.due_date),
                        "instructions": [i.text for i in d.instructions]},
        "letter": {"id": d.letter.id, "agenda_number": d.letter.agenda_number,
                   "subject": d.letter.subject, "security": d.letter.security,
                   "speed": d.letter.speed, "sender": d.letter.sender},
    }


def staff(item) -> dict:
    return {
        "id": item.id, "nip": item.nip, "pppk_number": item.pppk_number,
        "name": item.name, "front_title": item.front_title, "back_title": item.back_title,
        "full_name": item.full_name, "gender": item.gender, "birth_place": item.birth_place,
        "birth_date": iso(item.birth_date), "employment_type": item.employment_type,
        "golongan_code": item.golongan_code, "jabatan_type": item.jabatan_type,
        "jabatan_name": item.jabatan_name,
        "unit": None if item.unit is None else {"id": item.unit.id, "code": item.unit.code,
                                                "name": item.unit.name},
        "position": None if item.position is None else {"id": item.position.id,
                                                        "name": item.position.name},
        "phone": item.phone, "email": item.email, "status": item.status,
    }


def import_report(report, fmt: str) -> dict:
    return {"format": fmt, "mode": report.mode, "total": report.total,
            "valid_rows": report.valid_rows, "rejected_rows": report.rejected_rows,
            "created": report.created, "committed": report.committed,
            "row_errors": [{"row": e.row, "column": e.column, "value": e.value,
                            "message": e.message} for e in report.errors]}
