"""What an incoming letter shows to the search: subject, sender, numbers, summary,
the notes and reports of its dispositions, and the text of its scans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eoffice import access
from eoffice.dispositions.models import Disposition, DispositionRecipient
from eoffice.files import StoredFile
from eoffice.letters.access import OBJECT_TYPE
from eoffice.letters.models import IncomingLetter, LetterAttachment
from eoffice.search.index import Document, SearchSource, Summary
from eoffice.search.text import highlight, snippet

LETTER_COLUMNS = ("subject", "sender", "sender_number", "agenda_number", "summary",
                  "filed_note", "cancel_reason", "received_date")


class IncomingLetterSearch(SearchSource):
    name = "incoming_letters"
    object_type = OBJECT_TYPE
    label = _l("Incoming letter")

    def touched(self, flushed, connection) -> set[int]:
        ids = {item.id for item, state in flushed.rows(IncomingLetter)
               if flushed.changed(item, state, *LETTER_COLUMNS)}
        ids |= {item.letter_id for item, state in flushed.rows(LetterAttachment)
                if flushed.changed(item, state, "letter_id", "file_id")}
        ids |= {item.letter_id for item, state in flushed.rows(Disposition)
                if flushed.changed(item, state, "letter_id", "note")}
        pending = {item.disposition_id for item, state in flushed.rows(DispositionRecipient)
                   if flushed.changed(item, state, "report", "return_note", "disposition_id")}
        if pending:
            ids |= set(connection.scalars(sa.select(Disposition.letter_id).where(
                Disposition.id.in_(pending))))
        return ids

    def documents(self, connection, ids: list[int]) -> Iterator[Document]:
        letter = IncomingLetter
        extra: dict[int, list[str]] = defaultdict(list)
        attached: dict[int, list[str]] = defaultdict(list)
        for letter_id, note in connection.execute(
                sa.select(Disposition.letter_id, Disposition.note)
                .where(Disposition.letter_id.in_(ids), Disposition.note.is_not(None))
                .order_by(Disposition.id)):
            extra[letter_id].append(note)
        for letter_id, report, returned in connection.execute(
                sa.select(Disposition.letter_id, DispositionRecipient.report,
                          DispositionRecipient.return_note)
                .join(Disposition, DispositionRecipient.disposition_id == Disposition.id)
                .where(Disposition.letter_id.in_(ids),
                       sa.or_(DispositionRecipient.report.is_not(None),
                              DispositionRecipient.return_note.is_not(None)))
                .order_by(DispositionRecipient.id)):
            extra[letter_id] += [t for t in (report, returned) if t]
        for letter_id, content in connection.execute(
                sa.select(LetterAttachment.letter_id, StoredFile.text)
                .join(StoredFile, StoredFile.id == LetterAttachment.file_id)
                .where(LetterAttachment.letter_id.in_(ids), StoredFile.text.is_not(None))
                .order_by(LetterAttachment.id)):
            attached[letter_id].append(content)
        for row in connection.execute(sa.select(
                letter.id, letter.received_date, letter.subject, letter.sender,
                letter.sender_number, letter.agenda_number, letter.summary, letter.filed_note,
                letter.cancel_reason).where(letter.id.in_(ids))):
            yield Document(
                object_id=row.id, sort_key=access.day_number(row.received_date),
                title=row.subject, parties=row.sender,
                numbers=f"{row.agenda_number} {row.sender_number}",
                body=" ".join(t for t in (row.summary, row.filed_note, row.cancel_reason,
                                          *extra[row.id]) if t),
                attachments=" ".join(attached[row.id]))

    def summaries(self, ids: list[int], query) -> dict[int, Summary]:
        from flask import url_for

        from eoffice.extensions import db

        texts = self.texts(ids)
        out = {}
        for letter in db.session.scalars(sa.select(IncomingLetter).where(
                IncomingLetter.id.in_(ids))):
            text = texts.get(letter.id, {})
            out[letter.id] = Summary(
                url=url_for("letters.detail", letter_id=letter.id),
                title=highlight(letter.subject, query),
                parties=highlight(letter.sender, query),
                numbers=highlight(f"{letter.agenda_number} · {letter.sender_number}", query),
                date=letter.received_date, security=letter.security, status=letter.status,
                snippet=snippet(text.get("body"), query) or snippet(text.get("attachments"),
                                                                    query))
        return out

    def ids_with_files(self, connection, file_ids: list[int]) -> set[int]:
        return set(connection.scalars(sa.select(LetterAttachment.letter_id).where(
            LetterAttachment.file_id.in_(file_ids))))

    def all_ids(self, connection) -> Iterator[list[int]]:
        last = 0
        while True:
            chunk = list(connection.scalars(sa.select(IncomingLetter.id).where(
                IncomingLetter.id > last).order_by(IncomingLetter.id).limit(5000)))
            if not chunk:
                return
            yield chunk
            last = chunk[-1]


SOURCE = IncomingLetterSearch()
