from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Optional

from eoffice.forms import Form


class EnrolForm(Form):
    """An official's PKCS#12 and the signing passphrase that will protect its key. The
    checks are the service's (``sertifikat.enrol``), which names the field at fault."""

    p12 = FileField(_l("Certificate file (.p12 or .pfx)"))
    p12_password = PasswordField(_l("Password of the certificate file"),
                                 validators=[Optional(), Length(max=256)])
    passphrase = PasswordField(_l("New signing passphrase"),
                               validators=[Optional(), Length(max=256)],
                               description=_l("At least 8 characters. Typed each time a letter "
                                              "is signed; never stored, so nobody can recover "
                                              "it: a forgotten passphrase means enrolling "
                                              "the certificate again."))
    confirm = PasswordField(_l("Repeat the signing passphrase"),
                            validators=[Optional(), Length(max=256)])


class RevokeForm(Form):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class VerifyUploadForm(Form):
    """A PDF to check, on the public verification pages."""

    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose the PDF file to "
                                                                 "check."))])


class TrustRootForm(Form):
    certificate = FileField(_l("CA certificate (PEM or DER: .pem, .crt, .cer)"),
                            validators=[FileRequired(_l("Choose a certificate file (.pem, "
                                                        ".crt or .cer)."))])
