"""The workbench's forms (Flask-WTF: each carries a CSRF token checked on submit)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from scanner.inventory.schema import STATUSES
from scanner.inventory.web_schema import ROLES
from scanner.subject import KINDS


class LoginForm(FlaskForm):
    name = StringField("User", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in")


class ReviewForm(FlaskForm):
    """One decision for one finding or (bulk) for the checked ones; ``open`` reopens."""

    status = SelectField("Decision", choices=[SelectChoice(s, s) for s in STATUSES])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record decision")


class SubjectForm(FlaskForm):
    value = PasswordField("Value", validators=[DataRequired(), Length(max=512)],
                          description="e-mail, phone in any format, name, IBAN, ID")
    kind = SelectField("Kind", choices=[SelectChoice("", "any kind")] + [SelectChoice(k, k) for k in KINDS])
    include_resolved = BooleanField("Include false positives and resolved findings")
    live = BooleanField("Query classified database columns live", default=True)
    submit = SubmitField("Look up")


class RopaForm(FlaskForm):
    purposes = TextAreaField("Purposes of the processing", validators=[Length(max=4000)])
    data_subjects = TextAreaField("Categories of data subjects", validators=[Length(max=4000)])
    recipients = TextAreaField("Categories of recipients", validators=[Length(max=4000)])
    transfers = TextAreaField("Transfers to third countries or international organisations "
                              "(and safeguards)", validators=[Length(max=4000)])
    retention = TextAreaField("Time limits for erasure", validators=[Length(max=4000)])
    security = TextAreaField("Technical and organisational security measures",
                             validators=[Length(max=4000)])
    submit = SubmitField("Save")


class UserForm(FlaskForm):
    name = StringField("User", validators=[DataRequired(), Length(max=64)])
    role = SelectField("Role", choices=[SelectChoice(r, r) for r in ROLES])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=1024)])
    submit = SubmitField("Add user")


class ActionForm(FlaskForm):
    """A button that changes something (remove a user, activate a pack): CSRF only."""

    submit = SubmitField("Confirm")


class ImportForm(FlaskForm):
    pack_id = StringField("Pack ID", validators=[DataRequired(), Length(max=64)])
    title = StringField("Title", validators=[Optional(), Length(max=200)])
    text = TextAreaField("Policy text", validators=[Optional(), Length(max=1_000_000)])
    file = FileField("or a text file")
    submit = SubmitField("Draft a pack")


class DraftForm(FlaskForm):
    yaml_text = TextAreaField("Draft pack (YAML)", validators=[DataRequired(),
                                                               Length(max=1_000_000)])
    activate = BooleanField("Activate it", default=True)
    submit = SubmitField("Save pack")


class PackSelectForm(FlaskForm):
    submit = SubmitField("Use the checked packs")
