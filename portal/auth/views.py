from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from portal.auth import rules
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.extensions import db, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(account_id):
    return rules.load_session(session.get("sid"), account_id, current_app.config["VERSIONS_MAX_AGE"])


def safe_next(target: str | None) -> str | None:
    """Only a local absolute path is followed after login (no //host, \\host,
    scheme or control characters)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return render_template("auth/login.html", form=LoginForm(), next=safe_next(request.args.get("next")))


@bp.post("/login")
def login_POST():
    form = LoginForm()
    next_url = safe_next(request.form.get("next") or request.args.get("next"))
    if not form.validate():
        return render_template("auth/login.html", form=form, next=next_url), 400
    result = rules.attempt_login(form.username.data, form.password.data, request.remote_addr, current_app.config)
    if result.error:
        form.password.errors = [result.error]
        return render_template("auth/login.html", form=form, next=next_url), 400
    # A fresh session at login: nothing a visitor planted before survives it.
    session.clear()
    session.permanent = True
    session["sid"] = result.session_id
    login_user(result.account)
    return redirect(next_url or url_for("home.index"))


@bp.post("/logout")
@login_required
def logout_POST():
    rules.revoke_session(session.get("sid"), current_user._get_current_object())
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


# What someone with a temporary password may do before replacing it.
UNTIL_CHANGED = {"auth.change_password", "auth.change_password_POST", "auth.logout_POST", "auth.login",
                 "auth.login_POST", "static", "board.poll", "hall.hall"}


@bp.before_app_request
def temporary_password_first():
    """A password an administrator set is replaced before anything else is done."""
    if request.endpoint in UNTIL_CHANGED or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        if request.method == "GET":
            flash("您正在使用管理员设置的临时密码，请先修改密码。", "info")
        return redirect(url_for("auth.change_password"), 303)
    return None


@bp.get("/account/password")
@login_required
def change_password():
    return render_template("auth/password.html", form=ChangePasswordForm())


@bp.post("/account/password")
@login_required
def change_password_POST():
    form = ChangePasswordForm()
    account = current_user._get_current_object()
    if form.validate():
        if not check_password_hash(account.password_hash, form.current.data):
            form.current.errors.append("当前密码不正确。")
        elif problem := rules.password_problem(form.new.data, account.username):
            form.new.errors.append(problem)
        else:
            rules.set_password(account, form.new.data, account, "account.password_changed")
            db.session.commit()
            logout_user()
            session.clear()
            flash("密码已修改，请用新密码重新登录。", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form), 400
