"""青山区社区网格工作门户 — the application factory."""
import os

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from portal import clock
from portal.config import CONFIGS, INSTANCE_PATH, PROJECT_ROOT, check_deploy
from portal.extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(PROJECT_ROOT / "portal" / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str((test_config or {}).get("INSTANCE_PATH") or INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config_name = (test_config or {}).get("CONFIG_NAME") or os.environ.get("PORTAL_CONFIG", "production")
    if config_name not in CONFIGS:
        raise RuntimeError(f"unknown PORTAL_CONFIG {config_name!r}; one of {', '.join(CONFIGS)}")
    app.config.from_object(CONFIGS[config_name])
    if test_config:
        app.config.update(test_config)
    if config_name == "production":
        problems = check_deploy(app.config)
        if problems:
            raise RuntimeError("生产配置不安全: " + "; ".join(problems))
    os.makedirs(app.instance_path, exist_ok=True)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A file never drops a pooled connection: no "ping" before every request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}

    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # see README: phones change address often

    _register_models()
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    _register_blueprints(app)
    _register_templates(app)
    _register_errors(app)

    from portal.security import KeptCookieSessions, set_security_headers

    app.session_interface = KeptCookieSessions()
    app.after_request(set_security_headers)

    from portal.cli import register_cli

    register_cli(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """<int:…> in a URL names a row: a number beyond a database integer names none,
    so it is "not found" instead of an overflow inside the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def _register_models() -> None:
    from portal.activity import models as _activity  # noqa: F401
    from portal.admin import models as _admin  # noqa: F401
    from portal.assessment import models as _assessment  # noqa: F401
    from portal.attendance import models as _attendance  # noqa: F401
    from portal.audit import models as _audit  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.board import models as _board  # noqa: F401
    from portal.comptime import models as _comptime  # noqa: F401
    from portal.guide import models as _guide  # noqa: F401
    from portal.inspections import models as _inspections  # noqa: F401
    from portal.leave import models as _leave  # noqa: F401
    from portal.matters import models as _matters  # noqa: F401
    from portal.notifications import models as _notifications  # noqa: F401
    from portal.org import models as _org  # noqa: F401
    from portal.people import models as _people  # noqa: F401
    from portal.responsibility import models as _responsibility  # noqa: F401
    from portal.workdays import models as _workdays  # noqa: F401

    _register_watchers()


def _register_watchers() -> None:
    """Session hooks that keep derived data in step with every write, whatever rule
    made it: person and unit edits bump the boards they touch; writes to the 考勤表's
    inputs bump its data versions and rewrite the stored days they change. Loaded
    here, not by the models they watch, so that no model module imports the rules
    above it."""
    from portal.assessment import watch as _assessment_watch  # noqa: F401
    from portal.attendance import days as _days  # noqa: F401
    from portal.attendance import freshness as _freshness  # noqa: F401
    from portal.auth import watch as _auth_watch  # noqa: F401
    from portal.board import watch as _watch  # noqa: F401
    from portal.notifications import watch as _notices_watch  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from portal.admin.views import bp as admin_bp
    from portal.assessment.views import bp as assessment_bp
    from portal.attendance.views import bp as attendance_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.board.views import bp as board_bp
    from portal.board.views import hall_bp
    from portal.comptime.views import bp as comptime_bp
    from portal.dashboards.views import bp as dashboards_bp
    from portal.guide.views import bp as guide_bp
    from portal.home.views import bp as home_bp
    from portal.inspections.views import bp as inspections_bp
    from portal.leave.views import bp as leave_bp
    from portal.matters.views import bp as matters_bp
    from portal.notifications.views import bp as notices_bp
    from portal.org.views import bp as org_bp
    from portal.pwa.views import bp as pwa_bp
    from portal.responsibility.views import bp as responsibility_bp
    from portal.responsibility.views import hall_bp as hall_publicity_bp
    from portal.workdays.views import bp as workdays_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(hall_bp)
    app.register_blueprint(workdays_bp)
    app.register_blueprint(leave_bp)
    app.register_blueprint(comptime_bp)
    app.register_blueprint(matters_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(inspections_bp)
    app.register_blueprint(assessment_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(guide_bp)
    app.register_blueprint(responsibility_bp)
    app.register_blueprint(hall_publicity_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(pwa_bp)


def _register_templates(app: Flask) -> None:
    from flask_login import current_user

    from portal.auth.policy import Action, can
    from portal.nav import current_entry, navigation, page_top, phone_bar, queue_count

    app.jinja_env.filters["date_cn"] = clock.format_date
    app.jinja_env.filters["datetime_cn"] = clock.format_datetime
    app.jinja_env.filters["weekday_cn"] = clock.format_weekday
    app.jinja_env.filters["time_cn"] = clock.format_time

    @app.context_processor
    def inject():
        # Fragments render through here too and show no navigation: it is built
        # only when base.html asks for it.
        user = current_user._get_current_object()
        return {
            "can": lambda action, target=None: can(user, action, target),
            "Action": Action,
            "nav_items": lambda: navigation(user),
            "nav_current": current_entry,
            "nav_phone_bar": phone_bar,
            "queue_count": lambda: queue_count(user),
            "page_top": lambda: page_top(user),
            "today": clock.today(),
        }


def _register_errors(app: Flask) -> None:
    messages = {
        400: ("请求无效", "提交的内容无法处理，请返回重试。"),
        403: ("无权访问", "您的岗位没有此项权限。如有疑问请联系社区书记或管理员。"),
        404: ("页面不存在", "您要找的页面不存在或已被移除。"),
        405: ("请求方式不允许", "请通过页面上的按钮操作。"),
        413: ("文件过大", "上传的文件超过了大小限制。"),
        500: ("系统出错", "服务器处理时出错，已记录。请稍后重试。"),
    }

    def handler(code):
        def handle(error):
            title, text = messages[code]
            # A Chinese description given with abort(400 or 403, description=…) says what exactly was wrong.
            described = getattr(error, "description", None)
            if code in (400, 403) and described and any("\u4e00" <= ch <= "\u9fff" for ch in described):
                text = described
            return render_template("error.html", code=code, title=title, text=text), code
        return handle

    for code in messages:
        app.register_error_handler(code, handler(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "error.html", code=400, title="页面已过期",
            text="表单的安全校验未通过（页面可能已过期）。请刷新页面后重新提交。",
        ), 400
