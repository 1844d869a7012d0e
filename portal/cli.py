"""flask commands: seeding, the first admin of a production install, deploy checks."""
import click
from flask import Flask, current_app
from sqlalchemy import func, select

from portal.config import check_deploy
from portal.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-district")
    def seed_district_command():
        """Create the 10 街镇, 49 社区 and 529 网格 of the notice (once)."""
        from portal.org.rules import district_seeded, seed_district

        if district_seeded():
            click.echo("组织架构已存在，跳过。")
            return
        seed_district()
        db.session.commit()
        click.echo("已按青府办发〔2017〕72号建立 10 个街镇、49 个社区、529 个网格。")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Seed the district and its demo people (demo mode only; once)."""
        from portal.auth.models import Account
        from portal.demo import seed_demo_day, seed_demo_people
        from portal.org.rules import district_seeded, seed_district

        if not current_app.config.get("DEMO_MODE"):
            raise click.ClickException("只有演示模式（PORTAL_CONFIG=demo）才能生成演示人员。")
        if not district_seeded():
            seed_district()
        if db.session.scalar(select(func.count()).select_from(Account)) == 0:
            count = seed_demo_people()
            db.session.commit()
            click.echo(f"已生成演示人员 {count} 名，密码 demo-pass-2026。")
        else:
            db.session.commit()
            click.echo("已有账号，跳过演示人员。")
        events = seed_demo_day()
        db.session.commit()
        if events:
            click.echo(f"已生成今天的去向记录 {events} 条。")

    @app.cli.command("create-admin")
    @click.option("--username", prompt="用户名")
    @click.option("--name", prompt="姓名")
    @click.password_option("--password", prompt="密码")
    def create_admin_command(username, name, password):
        """Create an administrator account (how a production install gets its first one)."""
        from portal.people import rules as people_rules

        try:
            people_rules.create_admin(username, name, password)
        except people_rules.PersonError as error:
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in error.errors.items())) from None
        click.echo(f"已创建管理员 {username}。")

    @app.cli.command("check-deploy")
    def check_deploy_command():
        """List configuration problems for production (exit 1 if any)."""
        problems = check_deploy(current_app.config)
        for problem in problems:
            click.echo(f"- {problem}")
        if problems:
            raise SystemExit(1)
        click.echo("生产配置检查通过。")
