from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from eoffice.forms import Form


class VerifyUploadForm(Form):
    """A PDF to check, on the public verification pages."""

    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose the PDF file to "
                                                                 "check."))])


class TrustRootForm(Form):
    certificate = FileField(_l("CA certificate (PEM or DER: .pem, .crt, .cer)"),
                            validators=[FileRequired(_l("Choose a certificate file (.pem, "
                                                        ".crt or .cer)."))])
