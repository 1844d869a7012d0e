"""The status form is posted by quick buttons, so it is read field by field
(portal.board.rules validates); only the display-link form is a WTForm."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class DisplayLinkForm(FlaskForm):
    label = StringField("显示屏名称", validators=[Length(max=40, message="名称不能超过 40 个字。")])
