"""CSRF-carrying forms; the values are read and checked by the rules (one refusal path)."""
from flask_wtf import FlaskForm


class PostForm(FlaskForm):
    """Every POST of this feature: the token only; fields are the rules' to judge."""
