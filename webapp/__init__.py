"""OCSF script-execution workbench: schema explorer, conformance checker, vendor comparison."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from .catalog import Catalog
from .config import Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides settings from the environment."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.update(Config.from_environment())
    app.config.update(config or {})

    from .weblog import configure_logging, install_request_logging

    configure_logging(app)
    app.extensions["catalog"] = Catalog(app.config["SCHEMA_VERSION"] or None)
    logging.getLogger(__name__).info("default OCSF schema %s; packaged releases: %s",
                                     app.extensions["catalog"].default_version,
                                     ", ".join(app.extensions["catalog"].versions))

    from .views import api, compare, explorer, validate
    from .views.rendering import install_template_helpers
    from .errors import install_error_handlers
    from .security import install_security_headers

    app.register_blueprint(explorer.bp)
    app.register_blueprint(validate.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(api.bp)
    install_template_helpers(app)
    install_error_handlers(app)
    install_security_headers(app)
    install_request_logging(app)
    return app
