"""What an outgoing letter shows to the search: subject, recipients, number, text
and details, and the text of its attachments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eoffice import access
from eoffice.files import StoredFile
from eoffice.org.models import Position
from eoffice.outgoing.access import OBJECT_TYPE
from eoffice.outgoing.models import OutgoingAttachment, OutgoingLetter, OutgoingRecipient
from eoffice.search.index import Document, SearchSource, Summary
from eoffice.search.text import highlight, snippet


def _text(html: str | None) -> str:
    from eoffice.outgoing.services import html_to_text

    return html_to_text(html or "")


def _details_text(details) -> str:
    if not isinstance(details, dict):
        return ""
    return " ".join(str(v) for k, v in details.items()
                    if isinstance(v, str | int) and k != "assigned_staff")


class OutgoingLetterSearch(SearchSource):
    name = "outgoing_letters"
    object_type = OBJECT_TYPE
    label = _l("Outgoing letter")

    def touched(self, flushed, connection) -> set[int]:
        # Any change of the letter moves its sort key (updated_at).
        ids = {item.id for item, state in flushed.rows(OutgoingLetter)
               if flushed.changed(item, state)}
        ids |= {item.letter_id for item, state in flushed.rows(OutgoingRecipient)
                if flushed.changed(item, state, "letter_id", "name", "agency", "position_id")}
        ids |= {item.letter_id for item, state in flushed.rows(OutgoingAttachment)
                if flushed.changed(item, state, "letter_id", "file_id")}
        return ids

    def documents(self, connection, ids: list[int]) -> Iterator[Document]:
        letter = OutgoingLetter
        parties: dict[int, list[str]] = defaultdict(list)
        attached: dict[int, list[str]] = defaultdict(list)
        for letter_id, name, agency, position in connection.execute(
                sa.select(OutgoingRecipient.letter_id, OutgoingRecipient.name,
                          OutgoingRecipient.agency, Position.name)
                .outerjoin(Position, Position.id == OutgoingRecipient.position_id)
                .where(OutgoingRecipient.letter_id.in_(ids)).order_by(OutgoingRecipient.id)):
            parties[letter_id] += [t for t in (name, agency, position) if t]
        for letter_id, content in connection.execute(
                sa.select(OutgoingAttachment.letter_id, StoredFile.text)
                .join(StoredFile, StoredFile.id == OutgoingAttachment.file_id)
                .where(OutgoingAttachment.letter_id.in_(ids), StoredFile.text.is_not(None))
                .order_by(OutgoingAttachment.id)):
            attached[letter_id].append(content)
        for row in connection.execute(sa.select(
                letter.id, letter.updated_at, letter.subject, letter.number, letter.body_html,
                letter.details).where(letter.id.in_(ids))):
            yield Document(
                object_id=row.id, sort_key=access.second_number(row.updated_at),
                title=row.subject, parties=" ".join(parties[row.id]), numbers=row.number or "",
                body=f"{_text(row.body_html)} {_details_text(row.details)}",
                attachments=" ".join(attached[row.id]))

    def summaries(self, ids: list[int], query) -> dict[int, Summary]:
        from flask import url_for
        from sqlalchemy.orm import selectinload

        from eoffice.extensions import db
        from eoffice.ui import to_local

        texts = self.texts(ids)
        out = {}
        for letter in db.session.scalars(sa.select(OutgoingLetter).where(
                OutgoingLetter.id.in_(ids)).options(selectinload(OutgoingLetter.recipients)
                                                    .joinedload(OutgoingRecipient.position))):
            text = texts.get(letter.id, {})
            out[letter.id] = Summary(
                url=url_for("outgoing.detail", letter_id=letter.id),
                title=highlight(letter.subject, query),
                parties=highlight(", ".join(r.label for r in letter.to_recipients), query),
                numbers=highlight(letter.number or "", query),
                date=letter.signed_date or to_local(letter.updated_at).date(),
                security=letter.security,
                status=letter.status,
                snippet=snippet(text.get("body"), query) or snippet(text.get("attachments"),
                                                                    query))
        return out

    def ids_with_files(self, connection, file_ids: list[int]) -> set[int]:
        return set(connection.scalars(sa.select(OutgoingAttachment.letter_id).where(
            OutgoingAttachment.file_id.in_(file_ids))))

    def all_ids(self, connection) -> Iterator[list[int]]:
        last = 0
        while True:
            chunk = list(connection.scalars(sa.select(OutgoingLetter.id).where(
                OutgoingLetter.id > last).order_by(OutgoingLetter.id).limit(5000)))
            if not chunk:
                return
            yield chunk
            last = chunk[-1]


SOURCE = OutgoingLetterSearch()
