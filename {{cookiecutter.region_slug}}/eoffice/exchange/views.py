from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eoffice import files
from eoffice.exchange import bp, endpoint_bp, keys, services
from eoffice.exchange.forms import AcceptForm, PeerForm, RejectForm
from eoffice.exchange.models import Delivery, InboundLetter, Peer
from eoffice.extensions import csrf, db
from eoffice.inputs import page_arg
from eoffice.numbering import locks_itself
from eoffice.org.services import position_choices
from eoffice.security import can_receive_exchange, permission_required
from eoffice.ui import rows_per_page

ID = "int(min=1, max=2147483647)"


# --- The endpoint other regions' apps call ---------------------------------------------------

csrf.exempt(endpoint_bp)  # authenticated by the Ed25519 signature of each request


@endpoint_bp.post("/messages")
@locks_itself  # the lock only once the signature and the message are checked (services)
def receive():
    outcome = services.receive(request.get_data(cache=False), request.headers)
    return jsonify(outcome.body), outcome.status


@endpoint_bp.get("/identity")
def identity():
    """This app's public identity; a peer still checks the key out of band."""
    from eoffice.exchange import protocol

    raw = keys.raw_public(keys.private_key())
    return jsonify({**protocol.identity(), "public_key": keys.public_key_text(),
                    "fingerprint": keys.fingerprint(raw), "protocol_version": protocol.VERSION})


# --- Inbox: letters received from other regions ----------------------------------------------

def _require_receiver() -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not can_receive_exchange(current_user):
        abort(403)


@bp.route("/")
@permission_required("letters.register")
def inbox():
    _require_receiver()
    which = "decided" if request.args.get("tampil") == "selesai" else "awaiting"
    page = db.paginate(services.inbox_query(which), page=page_arg(), per_page=rows_per_page(),
                       max_per_page=100)
    return render_template("exchange/inbox.html", page=page, which=which)


def _inbound(inbound_id: int) -> InboundLetter:
    _require_receiver()
    inbound = db.session.get(InboundLetter, inbound_id)
    if inbound is None:
        abort(404)
    return inbound


def _accept_form() -> AcceptForm:
    form = AcceptForm()
    choices = position_choices()
    form.to_positions.choices = choices
    form.cc_positions.choices = choices
    return form


@bp.route(f"/masuk/<{ID}:inbound_id>")
@permission_required("letters.register")
def inbound(inbound_id: int):
    item = _inbound(inbound_id)
    return render_template("exchange/inbound.html", item=item, accept_form=_accept_form(),
                           reject_form=RejectForm())


@bp.route(f"/masuk/<{ID}:inbound_id>/terima", methods=["POST"])
@permission_required("letters.register")
def accept(inbound_id: int):
    item = _inbound(inbound_id)
    form = _accept_form()
    reject_form = RejectForm(formdata=None)
    if form.validate_on_submit():
        try:
            services.accept(item, form.to_positions.data or [], form.cc_positions.data or [],
                            actor=current_user)
        except services.ExchangeError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                field = getattr(form, name, form.to_positions)
                field.errors = [*field.errors, message]
        else:
            db.session.commit()
            flash(_("Accepted: agenda number %(n)s. The sender is told.",
                    n=item.letter.agenda_number), "success")
            return redirect(url_for("letters.detail", letter_id=item.letter_id))
    return render_template("exchange/inbound.html", item=item, accept_form=form,
                           reject_form=reject_form), 422


@bp.route(f"/masuk/<{ID}:inbound_id>/tolak", methods=["POST"])
@permission_required("letters.register")
def reject(inbound_id: int):
    item = _inbound(inbound_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(item, form.reason.data, actor=current_user)
        except services.ExchangeError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, *exc.errors.values()]
        else:
            db.session.commit()
            flash(_("Rejected. The sender is told the reason."), "info")
            return redirect(url_for("exchange.inbox"))
    return render_template("exchange/inbound.html", item=item, accept_form=_accept_form(),
                           reject_form=form), 422


@bp.route(f"/masuk/<{ID}:inbound_id>/surat.pdf")
@permission_required("letters.register")
def inbound_pdf(inbound_id: int):
    item = _inbound(inbound_id)
    return files.send_stored(item.pdf_file, (item.details or {}).get("filename") or "surat.pdf",
                             inline=request.args.get("inline") == "1")


# --- Deliveries (sender side) ----------------------------------------------------------------

@bp.route("/kiriman")
@permission_required("outgoing.view")
def deliveries():
    page = db.paginate(services.visible_deliveries(current_user), page=page_arg(),
                       per_page=rows_per_page(), max_per_page=100)
    return render_template("exchange/deliveries.html", page=page)


@bp.route(f"/kiriman/<{ID}:delivery_id>/ulang", methods=["POST"])
@permission_required("exchange.manage")
def retry(delivery_id: int):
    delivery = db.session.get(Delivery, delivery_id) or abort(404)
    try:
        services.retry_now(delivery, actor=current_user)
    except services.ExchangeError as exc:
        db.session.rollback()
        flash(" ".join(exc.errors.values()), "danger")
    else:
        db.session.commit()
        flash(_("Another attempt is being made now."), "info")
    return redirect(request.referrer or url_for("exchange.deliveries"))


# --- Peers -----------------------------------------------------------------------------------

@bp.route("/mitra")
@permission_required("exchange.manage")
def peers():
    from eoffice.exchange import protocol

    raw = keys.raw_public(keys.private_key())
    peers_ = db.session.scalars(sa.select(Peer).order_by(Peer.name)).all()
    return render_template("exchange/peers.html", peers=peers_, own_key=keys.public_key_text(),
                           fingerprint=keys.fingerprint(raw), key_id=keys.key_id_of(raw),
                           endpoint=protocol.ENDPOINT_PATH, key_mode_ok=keys.file_mode_ok())


@bp.route("/mitra/baru", methods=["GET", "POST"])
@bp.route(f"/mitra/<{ID}:peer_id>/ubah", methods=["GET", "POST"])
@permission_required("exchange.manage")
def edit_peer(peer_id: int | None = None):
    peer = db.session.get(Peer, peer_id) if peer_id else None
    if peer_id and peer is None:
        abort(404)
    form = PeerForm(obj=peer)
    if peer is not None and request.method == "GET":
        form.public_key.data = keys.PREFIX + peer.public_key
    if form.validate_on_submit():
        try:
            services.save_peer(peer, name=form.name.data, base_url=form.base_url.data,
                               public_key=form.public_key.data, agency=form.agency.data or "",
                               region_code=form.region_code.data or "",
                               active=form.active.data, notes=form.notes.data or "",
                               actor=current_user)
        except services.ExchangeError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                field = getattr(form, name, form.name)
                field.errors = [*field.errors, message]
        else:
            db.session.commit()
            flash(_("Peer %(n)s saved.", n=form.name.data), "success")
            return redirect(url_for("exchange.peers"))
    return render_template("exchange/peer_form.html", form=form, peer=peer)


@bp.app_template_global("exchange_deliveries")
def deliveries_of(letter) -> list[Delivery]:
    """Used by the outgoing letter page to show each delivery's status."""
    return services.deliveries_of(letter)
