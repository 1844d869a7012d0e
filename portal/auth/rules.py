"""Login, throttling, login sessions and passwords — no request objects here."""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from portal import clock, memo, versions
from portal.audit import log as audit
from portal.auth.models import Account, LoginAttempt, LoginSession
from portal.auth.watch import LOGINS
from portal.extensions import db
from portal.people.models import Person
from portal.text import clean, has_control

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - accepted only when DEMO_MODE is on
MIN_PASSWORD_LENGTH = 10
# A hash to check against when the username is unknown, so that a wrong username
# and a wrong password take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def clean_username(raw: str | None) -> str:
    """Usernames are short ASCII-ish identifiers; anything else is cut and stripped
    of control characters before it is looked up or stored."""
    return clean(raw).lower()[:64]


@dataclass
class LoginResult:
    account: Account | None = None
    error: str | None = None
    session_id: str | None = None


def _recent_failures(since, **columns) -> int:
    """Wrong passwords (not throttled attempts) since `since` for these column values."""
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(*(getattr(LoginAttempt, name) == value for name, value in columns.items()),
               LoginAttempt.at >= since, LoginAttempt.success.is_(False), LoginAttempt.throttled.is_(False))
    )


def throttled(username: str, address: str, config) -> str | None:
    """A Chinese message if this login may not even be checked now.

    - A username with too many wrong passwords lately is paused (whoever tries).
    - An address that has sprayed many wrong passwords gets one more guess per
      username in the window, not more: a colleague behind the same address who has
      not failed from it logs in with the right password all the same.
    Attempts refused here are recorded as throttled and never count as failures,
    so a lockout runs out on time however often it is knocked on."""
    window = config["LOGIN_WINDOW_MINUTES"]
    since = clock.now() - timedelta(minutes=window)
    if username and _recent_failures(since, username=username) >= config["LOGIN_MAX_FAILURES_PER_USERNAME"]:
        return f"该账号登录失败次数过多，已暂停登录，请 {window} 分钟后再试或联系管理员。"
    if _recent_failures(since, address=address) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"] \
            and (not username or _recent_failures(since, address=address, username=username) > 0):
        return f"本机登录失败次数过多，已暂停登录，请 {window} 分钟后再试。"
    return None


def password_accepted(account: Account | None, password: str, demo_mode: bool) -> bool:
    if account is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    if password == DEMO_PASSWORD and not demo_mode:
        return False
    return check_password_hash(account.password_hash, password)


def attempt_login(raw_username: str, password: str, address: str, config) -> LoginResult:
    """Check a login and, on success, open a server-side login session. The
    attempt is recorded either way; nothing else is written on failure."""
    username = clean_username(raw_username)
    address = (address or "unknown")[:64]
    password = (password or "")[:1024]
    message = throttled(username, address, config)
    if message:
        db.session.add(LoginAttempt(username=username, address=address, success=False, throttled=True))
        db.session.commit()
        return LoginResult(error=message)

    account = db.session.scalar(select(Account).where(Account.username == username)) if username else None
    ok = password_accepted(account, password, config.get("DEMO_MODE", False))
    if ok and not account.is_active:
        ok = False
        error = "该账号已停用，请联系管理员。"
    elif ok and account.must_change_password and account.temporary_until is not None \
            and account.temporary_until <= clock.now():
        ok = False
        error = "临时密码已过期，请联系管理员重新设置。"
    else:
        error = None if ok else "用户名或密码不正确。"
    db.session.add(LoginAttempt(username=username, address=address, success=ok))
    if not ok:
        db.session.commit()
        return LoginResult(error=error)

    now = clock.now()
    login = LoginSession(
        id=secrets.token_urlsafe(32), account_id=account.id, created_at=now,
        expires_at=now + timedelta(hours=config["LOGIN_SESSION_HOURS"]), address=address,
    )
    db.session.add(login)
    account.last_login_at = now
    audit.record(account, "auth.login", account, after={"address": address})
    db.session.commit()
    return LoginResult(account=account, session_id=login.id)


# One statement for the frame of every page: the navigation reads the person's
# community and street.
_LOGIN_LOAD = [joinedload(LoginSession.account).joinedload(Account.person)
               .options(joinedload(Person.community), joinedload(Person.street))]


def load_session(session_id: str | None, account_id: str | None, max_age: float = 0.0) -> Account | None:
    """The account behind a live login session, or None (expired, revoked, deactivated).
    Asked on every request, so that a logout, revocation or deactivation made through
    any worker is honoured by the next request (within `max_age`): the account with
    the page frame's person, community and street is read in one statement and kept by
    this worker under the LOGINS version, which every such write and every edit of
    those rows changes; each request gets its own copy (merged without a load)."""
    if not _plausible(session_id, account_id):
        return None
    (version,) = versions.read(db.session, [LOGINS], max_age)
    found = memo.kept("auth.accounts", (session_id, version), lambda: _detached_account(session_id),
                      dirty=versions.uncommitted(db.session), size=4096).data
    if found is None:
        return None
    account, expires_at = found
    if account.id != int(account_id) or expires_at <= clock.now():
        return None
    return db.session.merge(account, load=False)


def _detached_account(session_id: str) -> tuple[Account, object] | None:
    """(the account graph, detached from this session, and the session's expiry)
    for a standing session, else None."""
    login = db.session.get(LoginSession, session_id, options=_LOGIN_LOAD)
    if login is None or login.revoked_at is not None or not login.account.is_active:
        return None
    account, person = login.account, login.account.person
    for obj in (login, account, person, person.community if person else None, person.street if person else None):
        if obj is not None:
            db.session.expunge(obj)
    return account, login.expires_at


_SESSION_FACTS = (
    select(LoginSession.account_id, LoginSession.expires_at).join(Account, Account.id == LoginSession.account_id)
    .join(Person, Person.id == Account.person_id)
    .where(LoginSession.id == bindparam("sid"), LoginSession.revoked_at.is_(None),
           Account.active.is_(True), Person.active.is_(True))
)


def session_alive(session_id: str | None, account_id: str | None, max_age: float = 0.0) -> bool:
    """Whether a cookie's login session still stands, without loading the account into
    the request (the board poll's unchanged answer needs no more): the same facts as
    `load_session`, kept by this worker under the LOGINS version (portal.auth.watch),
    which every logout, revocation and deactivation changes. Expiry is a time, so it
    is compared on each call."""
    if not _plausible(session_id, account_id):
        return False
    (version,) = versions.read(db.session, [LOGINS], max_age)

    def facts():
        found = db.session.execute(_SESSION_FACTS, {"sid": session_id}).first()
        return tuple(found) if found is not None else None

    found = memo.kept("auth.sessions", (session_id, version), facts, dirty=versions.uncommitted(db.session),
                      size=4096).data
    return found is not None and found[0] == int(account_id) and found[1] > clock.now()


def _plausible(session_id, account_id) -> bool:
    return bool(session_id) and bool(account_id) and str(account_id).isascii() and str(account_id).isdigit()


def revoke_session(session_id: str | None, actor: Account | None) -> None:
    if not session_id:
        return
    db.session.execute(
        update(LoginSession).where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    if actor is not None:
        audit.record(actor, "auth.logout", actor)
    db.session.commit()


def revoke_all_sessions(account: Account) -> None:
    """Every browser of this account is logged out (caller commits)."""
    db.session.execute(
        update(LoginSession).where(LoginSession.account_id == account.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。"
    if len(password) > 128:
        return "密码不能超过 128 个字符。"
    if password == DEMO_PASSWORD:
        return "不能使用演示密码。"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名。"
    if has_control(password, strict=True):
        return "密码不能包含控制字符。"
    return None


TEMPORARY_PASSWORD_HOURS = 72


def make_temporary(account: Account) -> None:
    """The password was set by someone else: to be changed at the next login, and
    refused after TEMPORARY_PASSWORD_HOURS (config) if it never was."""
    hours = current_app.config.get("TEMPORARY_PASSWORD_HOURS", TEMPORARY_PASSWORD_HOURS) if has_app_context() \
        else TEMPORARY_PASSWORD_HOURS
    account.must_change_password = True
    account.temporary_until = clock.now() + timedelta(hours=hours)


def set_password(account: Account, password: str, actor: Account, action: str) -> None:
    """Set a new password, log every browser out, audit (caller commits). Set by the
    owner it is theirs; set by anyone else it is temporary."""
    account.password_hash = generate_password_hash(password)
    if actor is not None and actor.id == account.id:
        account.must_change_password, account.temporary_until = False, None
    else:
        make_temporary(account)
    revoke_all_sessions(account)
    audit.record(actor, action, account)


def temporary_password() -> str:
    return secrets.token_urlsafe(9)


# A generated temporary password is 72 random bits: no guessing gets near it, so key
# stretching buys nothing, and the default scrypt (~0.2 s) would hold a roster import of
# hundreds of people for minutes. This costs ~3 ms; the password must be replaced at the
# first login (make_temporary), where the new one gets the default hash.
GENERATED_PASSWORD_HASH = "scrypt:1024:8:1"


def hash_generated_password(password: str) -> str:
    return generate_password_hash(password, method=GENERATED_PASSWORD_HASH)
