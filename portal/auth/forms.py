from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。")],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码。"), Length(max=128, message="密码不能超过 128 个字符。")],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("再次输入新密码", validators=[DataRequired("请再次输入新密码。"),
                                                      EqualTo("new", message="两次输入的新密码不一致。")],
                            render_kw={"autocomplete": "new-password"})
