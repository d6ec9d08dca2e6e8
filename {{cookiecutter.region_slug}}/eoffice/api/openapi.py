"""The OpenAPI 3.0 document of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the views it describes; ``tests/api/test_schemathesis.py``
checks every response against it, and ``/api/docs`` renders it.
"""

from __future__ import annotations

from flask import current_app

from eoffice.api.models import SCOPES
from eoffice.letters.models import SECURITY_LEVELS, SPEED_LEVELS
from eoffice.version import __version__

MAX_ID = 2**31 - 1


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def page_of(item: str) -> dict:
    return obj({
        "items": {"type": "array", "items": ref(item)}, "page": INT, "per_page": INT,
        "total": INT, "pages": INT, "links": ref("Links")})


def keyset_page_of(item: str) -> dict:
    """A page of a list paged by keys: follow links.next (no page numbers, no total
    beyond 1,000)."""
    return obj({
        "items": {"type": "array", "items": ref(item)}, "per_page": INT,
        "total": nullable({**INT, "description": "Rows in the whole list, on the first page "
                                                 "when there are at most 1,000."}),
        "more_than": nullable({**INT, "description": "On the first page: the list has more "
                                                     "rows than this."}),
        "next_cursor": nullable(STR), "prev_cursor": nullable(STR),
        "links": ref("KeysetLinks")})


def schemas() -> dict:
    classification = obj({"id": INT, "code": STR, "name": STR})
    return {
        "Error": obj({"error": STR, "message": STR,
                      "errors": {"type": "object", "additionalProperties": STR,
                                 "description": "Field name -> what is wrong with it."}},
                     required=["error", "message"]),
        "Links": obj({"self": STR, "first": STR, "last": STR, "next": nullable(STR),
                      "prev": nullable(STR)}),
        "KeysetLinks": obj({"self": STR, "first": STR, "next": nullable(STR),
                            "prev": nullable(STR)}),
        "Health": obj({"status": {"type": "string", "enum": ["ok", "degraded"]},
                       "database": {"type": "string", "enum": ["ok", "error"]},
                       "version": STR}),
        "Me": obj({
            "token": obj({"id": INT, "name": STR, "kind": {"type": "string",
                                                           "enum": ["personal", "system"]},
                          "scopes": {"type": "array", "items": STR}, "prefix": STR}),
            "user": nullable(obj({"id": INT, "username": STR, "full_name": STR,
                                  "roles": {"type": "array", "items": STR}})),
            "permissions": {"type": "array", "items": STR}}),
        "Classification": obj({"id": INT, "code": STR, "name": STR, "parent_id": nullable(INT),
                               "active": BOOL, "retention_active_years": nullable(INT),
                               "retention_inactive_years": nullable(INT),
                               "final_disposition": nullable(STR), "level": INT,
                               "retention_note": nullable(STR),
                               "retention_source": nullable(STR)}),
        "Unit": obj({"id": INT, "code": STR, "name": STR, "kind": STR,
                     "parent_id": nullable(INT), "active": BOOL}),
        "Position": obj({"id": INT, "name": STR, "unit_id": INT, "parent_id": nullable(INT),
                         "jabatan_type": STR, "is_head": BOOL, "active": BOOL,
                         "holder": nullable(obj({"id": INT, "full_name": STR}))}),
        "Letter": obj({
            "id": INT, "agenda_number": STR, "agenda_year": INT, "sender": STR,
            "sender_number": STR, "letter_date": DATE, "received_date": DATE, "subject": STR,
            "summary": nullable(STR), "classification": nullable(classification),
            "security": {"type": "string", "enum": list(SECURITY_LEVELS)},
            "speed": {"type": "string", "enum": list(SPEED_LEVELS)},
            "status": {"type": "string", "enum": ["registered", "filed", "cancelled"]},
            "physical_attachments": INT,
            "recipients": {"type": "array", "items": obj({
                "position_id": INT, "position_name": STR,
                "kind": {"type": "string", "enum": ["to", "cc"]},
                "read_at": nullable(DATETIME)})},
            "created_at": DATETIME}),
        "LetterDetail": {"allOf": [ref("Letter"), obj({
            "cancel_reason": nullable(STR), "filed_note": nullable(STR),
            "attachments": {"type": "array", "items": obj({
                "id": INT, "filename": STR, "size": INT, "kind": STR, "sha256": STR,
                "url": STR})},
            "dispositions": {"type": "array", "items": obj({
                "id": INT, "from_position_id": INT, "from_name": STR, "note": nullable(STR),
                "due_date": nullable(DATE), "created_at": DATETIME,
                "recipients": {"type": "array", "items": obj({
                    "id": INT, "position_id": INT, "status": STR})}})}})]},
        "LetterInput": obj({
            "sender": {"type": "string", "minLength": 1, "maxLength": 255},
            "sender_number": {"type": "string", "minLength": 1, "maxLength": 128},
            "letter_date": DATE, "received_date": DATE,
            "subject": {"type": "string", "minLength": 1, "maxLength": 500},
            "summary": {"type": "string", "maxLength": 5000},
            "classification_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "security": {"type": "string", "enum": list(SECURITY_LEVELS), "default": "B"},
            "speed": {"type": "string", "enum": list(SPEED_LEVELS), "default": "biasa"},
            "physical_attachments": {"type": "integer", "minimum": 0, "maximum": 10000},
            "to_positions": {"type": "array", "items": {"type": "integer", "minimum": 1,
                                                        "maximum": MAX_ID}},
            "cc_positions": {"type": "array", "items": {"type": "integer", "minimum": 1,
                                                        "maximum": MAX_ID}},
            "files": {"type": "array", "maxItems": 20, "items": obj({
                "filename": {"type": "string", "maxLength": 255},
                "content_base64": {"type": "string", "format": "byte"}})},
            "confirm_duplicate": {"type": "boolean", "default": False},
        }, required=["sender", "sender_number", "letter_date", "received_date", "subject",
                     "to_positions"]),
        "DispositionInput": obj({
            "to_positions": {"type": "array", "items": {"type": "integer", "minimum": 1,
                                                        "maximum": MAX_ID}},
            "instruction_ids": {"type": "array", "items": {"type": "integer", "minimum": 1,
                                                           "maximum": MAX_ID}},
            "note": {"type": "string", "maxLength": 5000}, "due_date": DATE},
            required=["to_positions"]),
        "DispositionCreated": obj({"id": INT, "letter_id": INT,
                                   "recipients": {"type": "array", "items": INT}}),
        "ReportInput": obj({"report": {"type": "string", "minLength": 1, "maxLength": 10000},
                            "done": {"type": "boolean", "default": True}},
                           required=["report"]),
        "Disposition": obj({
            "id": INT, "status": {"type": "string", "enum": ["unread", "read", "in_progress",
                                                             "done", "cancelled"]},
            "position_id": INT, "read_at": nullable(DATETIME), "done_at": nullable(DATETIME),
            "report": nullable(STR), "return_note": nullable(STR), "overdue": BOOL,
            "disposition": obj({"id": INT, "from_position_id": INT, "from_name": STR,
                                "note": nullable(STR), "due_date": nullable(DATE),
                                "instructions": {"type": "array", "items": STR}}),
            "letter": obj({"id": INT, "agenda_number": STR, "subject": STR, "security": STR,
                           "speed": STR, "sender": STR})}),
        "Outgoing": obj({
            "id": INT, "letter_type": STR, "number": nullable(STR), "subject": STR,
            "status": STR, "security": STR, "speed": STR,
            "classification": nullable(classification), "signed_date": nullable(DATE),
            "drafter": STR, "signer_position": obj({"id": INT, "name": STR}),
            "recipients": {"type": "array", "items": obj({
                "id": INT, "kind": STR, "position_id": nullable(INT), "label": STR,
                "peer_id": nullable(INT), "dispatch_method": nullable(STR),
                "dispatched_on": nullable(DATE)})},
            "pdf_sha256": nullable(STR), "updated_at": DATETIME}),
        "OutgoingDetail": {"allOf": [ref("Outgoing"), obj({
            "body_html": STR, "signatory": nullable({"type": "object"}),
            "pdf_url": nullable(STR),
            "deliveries": {"type": "array", "items": ref("Delivery")}})]},
        "Delivery": obj({
            "id": INT, "peer_id": INT, "peer_name": STR,
            "status": {"type": "string", "enum": ["pending", "delivered", "accepted",
                                                  "rejected", "failed"]},
            "attempts": INT, "last_error": nullable(STR), "reason": nullable(STR),
            "remote_agenda_number": nullable(STR), "next_attempt_at": nullable(DATETIME)}),
        "Staff": obj({
            "id": INT, "nip": nullable(STR), "pppk_number": nullable(STR), "name": STR,
            "front_title": nullable(STR), "back_title": nullable(STR), "full_name": STR,
            "gender": {"type": "string", "enum": ["L", "P"]}, "birth_place": nullable(STR),
            "birth_date": nullable(DATE),
            "employment_type": {"type": "string", "enum": ["pns", "pppk", "non_asn"]},
            "golongan_code": nullable(STR), "jabatan_type": nullable(STR),
            "jabatan_name": nullable(STR),
            "unit": nullable(obj({"id": INT, "code": STR, "name": STR})),
            "position": nullable(obj({"id": INT, "name": STR})),
            "phone": nullable(STR), "email": nullable(STR),
            "status": {"type": "string", "enum": ["aktif", "pensiun", "pindah"]}}),
        "ImportReport": obj({
            "format": {"type": "string", "enum": ["ours", "siasn"]},
            "mode": {"type": "string", "enum": ["all", "valid"]}, "total": INT,
            "valid_rows": INT, "rejected_rows": INT, "created": INT, "committed": BOOL,
            "row_errors": {"type": "array", "items": obj({
                "row": INT, "column": STR, "value": STR, "message": STR})}}),
        "ImportFailed": {"allOf": [ref("ImportReport"), ref("Error")]},
        "LetterPage": keyset_page_of("Letter"),
        "OutgoingPage": keyset_page_of("Outgoing"),
        "DispositionPage": keyset_page_of("Disposition"),
        "StaffPage": page_of("Staff"),
        "UnitPage": page_of("Unit"),
        "PositionPage": page_of("Position"),
        "ClassificationPage": page_of("Classification"),
    }


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def error(description: str) -> dict:
    return {"description": description, "content": json_content(ref("Error"))}


STANDARD = {"401": error("No token, or a wrong, revoked or expired one (invalid_token); "
                         "or the personal token's user is deactivated or locked "
                         "(account_unavailable)."),
            "403": error("The token's user or scopes may not do this.")}
NOT_FOUND = {"404": error("It does not exist, or this token may not see it.")}
BAD_REQUEST = {"400": error("A parameter or field has the wrong type or value "
                            "(errors names each field).")}
NOT_MODIFIED = {"304": {"description": "Unchanged since the ETag sent in If-None-Match."}}


def ok(schema_name: str, description: str = "OK") -> dict:
    return {"200": {"description": description, "content": json_content(ref(schema_name)),
                    "headers": {"ETag": {"schema": STR}}}}


def query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def paging() -> list[dict]:
    limit = current_app.config["API_MAX_PER_PAGE"]
    return [query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                  "Page number (from 1)."),
            query("per_page", {"type": "integer", "minimum": 1, "maximum": limit},
                  f"Rows per page (1 to {limit}).")]


def keyset_paging() -> list[dict]:
    limit = current_app.config["API_MAX_PER_PAGE"]
    return [query("cursor", {"type": "string", "maxLength": 512},
                  "Where the page starts: next_cursor (or links.next) of the page before; "
                  "leave out for the first page."),
            query("per_page", {"type": "integer", "minimum": 1, "maximum": limit},
                  f"Rows per page (1 to {limit}).")]


def text_query(name: str, description: str, max_length: int = 100) -> dict:
    # No control characters (eoffice/inputs.py): a query argument with one is a 400.
    return query(name, {"type": "string", "maxLength": max_length,
                        "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"}, description)


def enum_query(name: str, values, description: str) -> dict:
    return query(name, {"type": "string", "enum": list(values)}, description)


def json_body(schema_name: str) -> dict:
    return {"required": True, "content": json_content(ref(schema_name))}


def paths() -> dict:
    from eoffice.org.models import JABATAN_TYPES
    from eoffice.outgoing.services import QUEUES as OUTGOING_QUEUES
    from eoffice.staff.models import EMPLOYMENT_TYPES, STATUSES

    letter_filters = [
        text_query("q", "Words in the subject, sender, numbers or summary."),
        query("date_from", DATE, "Received on or after."),
        query("date_to", DATE, "Received on or before."),
        query("classification_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
              "A classification code and the codes under it."),
        enum_query("security", SECURITY_LEVELS, "Security level."),
        enum_query("speed", SPEED_LEVELS, "Speed level."),
        enum_query("status", ("registered", "filed", "cancelled"), "Status."),
        text_query("sender", "Part of the sender's name."),
        enum_query("queue", ("to_read", "copies", "registered_by_me"),
                   "The same queues as the incoming letters page."),
    ]
    return {
        "/health": {"get": {
            "operationId": "health", "tags": ["system"], "security": [],
            "summary": "Is the app up and its database reachable?",
            "responses": {**ok("Health"), **NOT_MODIFIED,
                          "503": {"description": "The database cannot be reached.",
                                  "content": json_content(ref("Health"))}}}},
        "/me": {"get": {
            "operationId": "me", "tags": ["system"], "summary": "The token and what it may do.",
            "responses": {**ok("Me"), **NOT_MODIFIED, **STANDARD}}},
        "/letters": {
            "get": {"operationId": "listLetters", "tags": ["incoming letters"],
                    "summary": "Incoming letters the token may see (the access rule of the "
                               "incoming letters page).",
                    "parameters": letter_filters + keyset_paging(),
                    "responses": {**ok("LetterPage"), **NOT_MODIFIED, **BAD_REQUEST,
                                  **STANDARD}},
            "post": {"operationId": "registerLetter", "tags": ["incoming letters"],
                     "summary": "Register an incoming letter: it gets its agenda number.",
                     "requestBody": json_body("LetterInput"),
                     "responses": {
                         "201": {"description": "Registered.",
                                 "content": json_content(ref("LetterDetail"))},
                         **BAD_REQUEST, **STANDARD,
                         "409": error("Same sender and number already registered this year: "
                                      "send confirm_duplicate=true to register it again."),
                         "422": error("A rule refused it (errors names each field).")}}},
        "/letters/{letter_id}": {"get": {
            "operationId": "getLetter", "tags": ["incoming letters"],
            "summary": "One incoming letter with its attachments and dispositions.",
            "parameters": [path_id("letter_id")],
            "responses": {**ok("LetterDetail"), **NOT_MODIFIED, **STANDARD, **NOT_FOUND}}},
        "/letters/{letter_id}/attachments/{attachment_id}": {"get": {
            "operationId": "getLetterAttachment", "tags": ["incoming letters"],
            "summary": "Download a scanned file of the letter.",
            "parameters": [path_id("letter_id"), path_id("attachment_id")],
            "responses": {"200": {"description": "The file (PDF, PNG or JPEG).", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                **NOT_MODIFIED, **STANDARD, **NOT_FOUND}}},
        "/letters/{letter_id}/dispositions": {"post": {
            "operationId": "disposeLetter", "tags": ["dispositions"],
            "summary": "Write a disposition on the letter (holder of an addressee position only).",
            "parameters": [path_id("letter_id")], "requestBody": json_body("DispositionInput"),
            "responses": {"201": {"description": "Disposition sent.",
                                  "content": json_content(ref("DispositionCreated"))},
                          **BAD_REQUEST, **STANDARD, **NOT_FOUND,
                          "422": error("A rule refused it.")}}},
        "/dispositions": {"get": {
            "operationId": "listDispositions", "tags": ["dispositions"],
            "summary": "Dispositions addressed to the token user's position (or sent by it).",
            "parameters": [enum_query("queue", ("open", "overdue", "done", "sent"),
                                      "Which dispositions (default open).")]
            + keyset_paging(),
            "responses": {**ok("DispositionPage"), **NOT_MODIFIED, **BAD_REQUEST,
                          **STANDARD}}},
        "/dispositions/{recipient_id}/report": {"post": {
            "operationId": "reportDisposition", "tags": ["dispositions"],
            "summary": "Report what was done (laporan tindak lanjut); done=true closes it.",
            "parameters": [path_id("recipient_id")], "requestBody": json_body("ReportInput"),
            "responses": {**ok("Disposition"), **BAD_REQUEST, **STANDARD, **NOT_FOUND,
                          "422": error("A rule refused it (e.g. already closed).")}}},
        "/dispositions/{recipient_id}/forward": {"post": {
            "operationId": "forwardDisposition", "tags": ["dispositions"],
            "summary": "Forward a disposition to positions below (re-disposisi).",
            "parameters": [path_id("recipient_id")],
            "requestBody": json_body("DispositionInput"),
            "responses": {"201": {"description": "Disposition sent.",
                                  "content": json_content(ref("DispositionCreated"))},
                          **BAD_REQUEST, **STANDARD, **NOT_FOUND,
                          "422": error("A rule refused it.")}}},
        "/outgoing": {"get": {
            "operationId": "listOutgoing", "tags": ["outgoing letters"],
            "summary": "Outgoing letters the token may see (the access rule of the outgoing "
                       "letters page).",
            "parameters": [enum_query("queue", OUTGOING_QUEUES,
                                      "The same queues as the outgoing letters page.")]
            + keyset_paging(),
            "responses": {**ok("OutgoingPage"), **NOT_MODIFIED, **BAD_REQUEST, **STANDARD}}},
        "/outgoing/{letter_id}": {"get": {
            "operationId": "getOutgoing", "tags": ["outgoing letters"],
            "summary": "One outgoing letter, with its deliveries to other regions.",
            "parameters": [path_id("letter_id")],
            "responses": {**ok("OutgoingDetail"), **NOT_MODIFIED, **STANDARD, **NOT_FOUND}}},
        "/outgoing/{letter_id}/pdf": {"get": {
            "operationId": "getOutgoingPdf", "tags": ["outgoing letters"],
            "summary": "The signed PDF.", "parameters": [path_id("letter_id")],
            "responses": {"200": {"description": "The signed PDF.", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                **NOT_MODIFIED, **STANDARD, **NOT_FOUND}}},
        "/staff": {"get": {
            "operationId": "listStaff", "tags": ["staff"],
            "summary": "Staff records the token may see (the staff page's scope).",
            "parameters": [
                text_query("q", "Name, jabatan, or the start of a NIP/PPPK number."),
                query("unit_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                      "A unit and the units under it."),
                enum_query("employment_type", EMPLOYMENT_TYPES, "PNS, PPPK or non-ASN."),
                text_query("golongan_code", "Golongan, e.g. III/a.", 8),
                enum_query("jabatan_type", JABATAN_TYPES, "Jabatan type."),
                enum_query("status", STATUSES, "Status."),
            ] + paging(),
            "responses": {**ok("StaffPage"), **NOT_MODIFIED, **BAD_REQUEST, **STANDARD}}},
        "/staff/{staff_id}": {"get": {
            "operationId": "getStaff", "tags": ["staff"], "summary": "One staff record.",
            "parameters": [path_id("staff_id")],
            "responses": {**ok("Staff"), **NOT_MODIFIED, **STANDARD, **NOT_FOUND}}},
        "/staff/import": {"post": {
            "operationId": "importStaff", "tags": ["staff"],
            "summary": "Import staff from CSV/XLSX, in our columns or a SIASN export, with a "
                       "report of every rejected row.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": obj({
                    "file": {"type": "string", "format": "binary"},
                    "format": {"type": "string", "enum": ["ours", "siasn"],
                               "default": "ours"},
                    "mode": {"type": "string", "enum": ["all", "valid"], "default": "all",
                             "description": "all: nothing is saved when a row is wrong; "
                                            "valid: the valid rows are saved."}},
                    required=["file"])}}},
            "responses": {**ok("ImportReport", "Imported (see the report)."), **BAD_REQUEST,
                          **STANDARD,
                          "422": {"description": "Nothing imported: the file or some rows "
                                                 "are wrong.",
                                  "content": json_content(
                                      {"oneOf": [ref("ImportFailed"), ref("Error")]})}}}},
        "/org/units": {"get": {
            "operationId": "listUnits", "tags": ["organisation"],
            "summary": "Units of the organisation (parent_id gives the tree).",
            "parameters": paging(),
            "responses": {**ok("UnitPage"), **NOT_MODIFIED, **BAD_REQUEST, **STANDARD}}},
        "/org/positions": {"get": {
            "operationId": "listPositions", "tags": ["organisation"],
            "summary": "Positions (jabatan) and their holders.",
            "parameters": [query("unit_id", {"type": "integer", "minimum": 1,
                                             "maximum": MAX_ID}, "Only this unit.")]
            + paging(),
            "responses": {**ok("PositionPage"), **NOT_MODIFIED, **BAD_REQUEST, **STANDARD}}},
        "/classifications": {"get": {
            "operationId": "listClassifications", "tags": ["organisation"],
            "summary": "Classification codes (Permendagri 83/2022) with their retention.",
            "parameters": [text_query("q", "Start of a code or part of a name."),
                           enum_query("active", ("true", "false"), "Only (in)active codes.")]
            + paging(),
            "responses": {**ok("ClassificationPage"), **NOT_MODIFIED, **BAD_REQUEST,
                          **STANDARD}}},
    }


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"E-office API · {current_app.config['REGION_NAME']}",
            "version": __version__,
            "description": (
                "Every endpoint applies exactly the access rules of the web pages. "
                "Authenticate with `Authorization: Bearer <token>`: a personal token acts as "
                "its user; a system token holds scopes (" + ", ".join(SCOPES) + ") and never "
                "sees R or SR letters. Lists are paginated: letters, dispositions and "
                "outgoing letters by cursor (follow links.next), the others by page "
                "(page, per_page); lists and "
                "details, carry an ETag: send it back in If-None-Match to get 304 when "
                "nothing changed. Errors are JSON: {error, message, errors: {field: "
                "message}}."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "eo_... token from the "
                                                              "account or admin page."}},
            "schemas": schemas(),
        },
    }
