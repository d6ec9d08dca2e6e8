"""Extension instances, created unbound and bound to an app in ``create_app``."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from eoffice.db import Base
from eoffice.events import EventSession

# EventSession dispatches domain events after each commit (eoffice/events.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": EventSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
compress = Compress()
