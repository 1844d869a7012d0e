"""flask commands: seeding, the first admin of a production install, deploy checks."""
import click
from flask import Flask, current_app

from portal.config import check_deploy
from portal.errors import FieldErrors
from portal.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-district")
    def seed_district_command():
        """The organisation of the notice, leave types and the work calendar (once)."""
        from portal.seed import seed_reference_data

        done = seed_reference_data()
        db.session.commit()
        click.echo("\n".join(done) or "基础数据已存在，跳过。")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Seed the district and its demo people, today's board and some leave (demo mode only)."""
        from portal.seed import seed_demo

        if not current_app.config.get("DEMO_MODE"):
            raise click.ClickException("只有演示模式（PORTAL_CONFIG=demo）才能生成演示人员。")
        done = seed_demo()
        db.session.commit()
        click.echo("\n".join(done) or "演示数据已存在，跳过。")

    @app.cli.command("notices-sweep")
    def notices_sweep_command():
        """消息 that only time brings (逾期未销假, 整改 due or overdue, 超时未归); cron, e.g. every 10 min."""
        from portal.notifications import rules

        written = rules.sweep()
        db.session.commit()
        click.echo(f"新消息 {written} 条。")

    @app.cli.command("notices-digest")
    def notices_digest_command():
        """The daily e-mail digest of unread 消息 (needs SMTP_HOST); cron, once a day."""
        from portal.notifications import digest

        sent = digest.send_digests(current_app.config)
        db.session.commit()
        click.echo(f"已发送汇总邮件 {sent} 封。")

    @app.cli.command("create-admin")
    @click.option("--username", prompt="用户名")
    @click.option("--name", prompt="姓名")
    @click.password_option("--password", prompt="密码")
    def create_admin_command(username, name, password):
        """Create an administrator account (how a production install gets its first one)."""
        from portal.admin import people as people_rules

        try:
            people_rules.create_admin(username, name, password)
        except FieldErrors as error:
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in error.errors.items())) from None
        click.echo(f"已创建管理员 {username}。")

    @app.cli.command("close-days")
    @click.option("--until", default=None, help="最后一天（年-月-日），默认昨天")
    def close_days_command(until):
        """The day-close (cron, a few minutes after midnight): every community's days
        up to yesterday judged and final. Running it again changes nothing."""
        from portal import clock
        from portal.attendance import days

        day = clock.parse_date(until) if until else None
        if until and day is None:
            raise click.ClickException("日期应为“年-月-日”，如 2026-12-01。")
        written = days.close_days(until=day)
        db.session.commit()
        click.echo(f"已结算考勤 {written} 人日。")

    @app.cli.command("erase-matter-phones")
    def erase_matter_phones_command():
        """Daily (cron): residents' phones on matters closed longer ago than the
        retention period (事项设置) are erased."""
        from portal.matters import rules as matter_rules

        erased = matter_rules.erase_phones()
        db.session.commit()
        click.echo(f"已删除 {erased} 件事项中的居民电话。")

    @app.cli.command("check-deploy")
    def check_deploy_command():
        """List configuration problems for production (exit 1 if any)."""
        problems = check_deploy(current_app.config)
        for problem in problems:
            click.echo(f"- {problem}")
        if problems:
            raise SystemExit(1)
        click.echo("生产配置检查通过。")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Online backup of the database to PATH (SQLite backup API; pg_dump on PostgreSQL)."""
        from portal import backup

        try:
            done = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
        except FieldErrors as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"已备份到 {done}。")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="不再询问，直接覆盖。")
    def restore_command(path, yes):
        """Replace all data in the database with the backup at PATH (stop the server first)."""
        from portal import backup

        if not yes:
            click.confirm("恢复会用备份覆盖当前数据库中的全部数据，确定继续吗？", abort=True)
        db.engine.dispose()  # our own pooled connections would hold locks the restore waits for
        try:
            backup.restore(path, current_app.config["SQLALCHEMY_DATABASE_URI"])
        except FieldErrors as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"已从 {path} 恢复。")
