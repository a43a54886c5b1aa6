"""OCSF script-execution workbench: schema explorer, conformance checker, vendor comparison."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from .catalog import Catalog, SourceError, parse_sources
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
    # A missing or broken schema source raises SourceError here, at start-up.
    sources = parse_sources(app.config["SCHEMA_SOURCES"])
    app.extensions["catalog"] = Catalog(app.config["SCHEMA_VERSION"] or None, sources)
    logging.getLogger(__name__).info("default OCSF schema %s; versions: %s",
                                     app.extensions["catalog"].default_version,
                                     ", ".join(app.extensions["catalog"].versions))

    from .views import api, compare, explorer, formats, openapi, share, validate
    from .views.rendering import install_template_helpers
    from .errors import install_error_handlers
    from .security import install_security_headers

    app.register_blueprint(explorer.bp)
    app.register_blueprint(validate.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(formats.bp)
    app.register_blueprint(openapi.bp)
    install_template_helpers(app)
    install_error_handlers(app)
    _install_source_error_handler(app)
    install_security_headers(app)
    install_request_logging(app)
    return app


def _install_source_error_handler(app: Flask) -> None:
    """Show a page naming the failing file when a local checkout stops compiling.

    The status is 503: the version is unavailable until its files compile again,
    while every other version keeps working.
    """
    from .errors import error_response

    @app.errorhandler(SourceError)
    def source_error(error: SourceError):
        logging.getLogger(__name__).error("schema source failed: %s", error)
        return error_response(503, "schema source error", str(error))
