"""The hub's Laptops page: pair a laptop (a one-time code, also as a QR code), see when
each last synced and what it sent, cut one off, and see what sync kept apart."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from sync import SyncError, hub

from .context import get_store, get_workspace
from .auth import signed_in
from .coordinator import ConfirmForm
from .netinfo import qr_svg

bp = Blueprint("devices", __name__, url_prefix="/coordinator/laptops")


def init_app(app):
    app.register_blueprint(bp)


class AddDeviceForm(FlaskForm):
    name = StringField(_l("Laptop's name"), validators=[DataRequired(), Length(max=60)])


@bp.before_request
def only_on_a_hub():
    if not get_workspace().is_hub:
        abort(404, _("This collector is not a hub: laptops are paired on the office's hub."))


@bp.get("")
@signed_in
def devices():
    return _page(AddDeviceForm())


@bp.post("")
@signed_in
def add():
    form = AddDeviceForm()
    if not form.validate_on_submit():
        return _page(form), 400
    try:
        code, expires = hub.add_device(get_store(), form.name.data, request.host_url)
    except SyncError as exc:
        form.name.errors = [str(exc)]
        return _page(form), 400
    get_store().record_audit("pairing code made", "coordinator", {"name": form.name.data, "expires": expires})
    return _page(AddDeviceForm(formdata=None), pairing={"name": form.name.data, "code": code, "expires": expires, "qr": qr_svg(code)})


@bp.get("/<name>/revoke")
@signed_in
def confirm_revoke(name):
    device = get_store().device_named(name)
    if device is None or device["revoked_at"]:
        abort(404, _("There is no laptop with that name."))
    return render_template("coordinator/revoke.html", device=device, confirm=ConfirmForm())


@bp.post("/<name>/revoke")
@signed_in
def revoke(name):
    ConfirmForm().validate_on_submit() or abort(400)
    if get_store().device_named(name) is None:
        abort(404, _("There is no laptop with that name."))
    if get_store().revoke_device(name):
        get_store().record_audit("laptop revoked", "coordinator", {"name": name})
    flash(_("%(name)s can no longer sync with this hub. What it sent before is kept.", name=name), "ok")
    return redirect(url_for("devices.devices"))


def _page(form, pairing=None):
    store = get_store()
    return render_template("coordinator/devices.html", form=form, devices=store.devices(),
                           conflicts=store.conflicts(), pairing=pairing, confirm=ConfirmForm())
