"""The daily e-mail digest: each person with an address and unread notices not yet
e-mailed gets one message listing them, through the office's SMTP relay
(SMTP_HOST, SMTP_PORT, SMTP_FROM; `flask notices-digest` from cron). A notice is
e-mailed once; a relay that refuses leaves them for the next run."""
import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.notifications.models import Notice, NoticePrefs


def compose(name: str, notices: list[Notice], sender: str, to: str, base_url: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"青山区社区网格工作门户：您有 {len(notices)} 条未读消息"
    message["From"], message["To"] = sender, to
    lines = [f"{name}，您好：", "", "以下消息尚未阅读："]
    lines += [f"· {n.title}（{n.kind.label}，{clock.format_datetime(n.created_at)}）" for n in notices]
    lines += ["", f"请登录门户查看：{base_url.rstrip('/')}/notices/", "", "（本邮件由系统每日自动发送，请勿回复。）"]
    message.set_content("\n".join(lines))
    return message


def send_digests(config, now=None) -> int:
    """Messages sent (caller commits the notices' `emailed_at`)."""
    host = config.get("SMTP_HOST")
    if not host:
        return 0
    now = now or clock.now()
    sent = 0
    prefs = db.session.scalars(select(NoticePrefs).where(NoticePrefs.email.is_not(None))).all()
    with smtplib.SMTP(host, int(config.get("SMTP_PORT") or 25), timeout=30) as smtp:
        for pref in prefs:
            notices = list(db.session.scalars(select(Notice).where(
                Notice.person_id == pref.person_id, Notice.read_at.is_(None), Notice.emailed_at.is_(None))
                .order_by(Notice.id)))
            if not notices:
                continue
            name = notices[0].person.name
            smtp.send_message(compose(name, notices, config.get("SMTP_FROM") or "portal@localhost", pref.email,
                                      config.get("PORTAL_BASE_URL") or ""))
            for notice in notices:
                notice.emailed_at = now
            sent += 1
    return sent
