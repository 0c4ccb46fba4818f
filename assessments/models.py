"""
Data for the Key Actions for Innovation checklist.

Two halves:

* **Content** (`ChecklistVersion`, `Area`, `Question`, `Quote`, `AnswerOption`): the leaflet's
  text, shipped as fixtures with natural keys and edited by admins. Everything a report shows
  hangs off one checklist version, so a submitted assessment keeps the wording it was answered
  against. A version that has answers is never edited in place: admins copy it as a new draft,
  edit that and publish it (see `assessments.versioning`).
* **People and answers** (`Council`, `User`, `Assessment`, `Answer`).
* **Email** (`Email`): one row per message the service means to send, and its state.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager
from modeltranslation.utils import build_localized_fieldname

NOTE_MAX_LENGTH = 2000


# --- Content -------------------------------------------------------------------------------


# The content's managers are modeltranslation's (assessments/translation.py), as it would patch
# them to be: reading a translated field in a query reads the active language's column.
class ChecklistVersionManager(MultilingualManager["ChecklistVersion"]):
    def get_by_natural_key(self, number):
        return self.get(number=number)

    def published(self) -> "ChecklistVersion":
        """The version new assessments are started on."""
        return self.get(status=ChecklistVersion.Status.PUBLISHED)


class ChecklistVersion(models.Model):
    """One edition of the checklist, with its site texts and answer scale."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    number = models.PositiveIntegerField(unique=True, help_text="Stable, never reused.")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    introduction = models.TextField(
        blank=True, help_text="Shown on the start page. Blank lines separate paragraphs."
    )
    innovation_definition = models.TextField(
        help_text="The definition of innovation in local government. Lines starting “- ” are a list."
    )
    key_findings = models.TextField(
        help_text="The research's key findings. Lines starting “- ” are a list."
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The admin who published it.",
    )

    objects = ChecklistVersionManager()
    # Every edit of the content, with who made it and when (django-simple-history), registered
    # with its English and Welsh columns in assessments/translation.py.
    history: ClassVar[Any]

    class Meta:
        ordering = ["-number"]
        constraints = [
            # Exactly one edition is live at a time; publishing retires the previous one.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="one_published_checklist_version",
            ),
        ]

    def __str__(self):
        return f"Version {self.number}: {self.title} ({self.get_status_display().lower()})"

    def natural_key(self):
        return (self.number,)

    def has_answers(self) -> bool:
        return Answer.objects.filter(assessment__checklist=self).exists()

    def is_editable(self) -> bool:
        """A version is edited in place only while nobody has answered it."""
        return not self.has_answers()


class AreaManager(MultilingualManager):
    def get_by_natural_key(self, checklist_number, code):
        return self.get(checklist__number=checklist_number, code=code)


class Area(models.Model):
    """One of the four key-action areas."""

    checklist = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="areas")
    code = models.SlugField(max_length=60, help_text="Stable code; never changes once answered.")
    order = models.PositiveSmallIntegerField()
    # One name per area everywhere (the leaflet's summary wording); the leaflet's own section
    # headings ("Creating the climate ...") are not used, so an area is never named two ways.
    title = models.CharField(max_length=200, help_text="As in the leaflet's summary.")
    introduction = models.TextField(blank=True, help_text="Shown above the area's questions.")

    objects = AreaManager()
    history: ClassVar[Any]  # assessments/translation.py

    class Meta:
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="unique_area_code"),
            models.UniqueConstraint(fields=["checklist", "order"], name="unique_area_order"),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.checklist.natural_key(), self.code)

    natural_key.dependencies = ["assessments.checklistversion"]  # type: ignore[attr-defined]  # Django reads it


class QuestionQuerySet(models.QuerySet):
    """
    Creating questions through the ORM fills in `checklist` from `area` when it is not given,
    and refuses a `checklist` that is not the area's.

    `Question.checklist` repeats `area.checklist` so that the database can keep codes unique in
    a version (a constraint cannot reach through a join). The other paths that create questions
    set it themselves: the fixture lists it, and the admin's question form copies it from the
    area it saves.
    """

    def create(self, **kwargs):
        area = kwargs.get("area")
        if area is not None:
            checklist = kwargs.pop("checklist", None)
            checklist_id = kwargs.pop("checklist_id", None) or getattr(checklist, "pk", None)
            if checklist_id not in (None, area.checklist_id):
                raise ValueError("A question's checklist must be its area's checklist.")
            kwargs["checklist_id"] = area.checklist_id
        return super().create(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for question in objs:
            if question.checklist_id is None:
                question.checklist_id = question.area.checklist_id
            elif question.checklist_id != question.area.checklist_id:
                raise ValueError("A question's checklist must be its area's checklist.")
        return super().bulk_create(objs, *args, **kwargs)


_QuestionManagerBase = MultilingualManager.from_queryset(QuestionQuerySet)


class QuestionManager(_QuestionManagerBase):
    def get_by_natural_key(self, checklist_number, code):
        return self.get(checklist__number=checklist_number, code=code)


class Question(models.Model):
    """A key action, asked as the leaflet's own “Do you …?” question."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="questions")
    # Always `area.checklist` (see QuestionQuerySet): here so that the database itself keeps
    # question codes unique in a version, which the natural key and answer matching rely on.
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="questions", editable=False
    )
    code = models.SlugField(
        max_length=80,
        help_text="Stable code, unique in the checklist; used to compare answers across versions.",
    )
    order = models.PositiveSmallIntegerField()
    summary = models.CharField(
        max_length=200, help_text="The key action, e.g. “Encourage creativity”."
    )
    text = models.CharField(
        _("the question"),
        max_length=300,
        help_text="The question, e.g. “Do you encourage creativity?”",
    )
    guidance = models.TextField(
        _("what good looks like"),
        blank=True,
        help_text=(
            "What good looks like: two or three plain sentences, shown under the question and "
            "beside the gap in the report."
        ),
    )
    discussion_prompts = models.TextField(
        _("facilitator prompts"),
        blank=True,
        help_text=(
            "Two or three questions a facilitator can ask a group about this key action, one "
            "per line. Shown to officers beside the group's agenda."
        ),
    )
    # The one leaflet quote that speaks to this key action, shown beside it wherever it appears.
    # Chosen by hand (fixtures, admin): a key action no quote speaks to has none.
    quote = models.ForeignKey(
        "Quote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="key_actions",
        help_text="The leaflet quote that speaks to this key action, from the same version.",
    )
    is_research_priority = models.BooleanField(
        default=False, help_text="One of the research's most important areas for further action."
    )
    research_finding = models.CharField(
        max_length=300, blank=True, help_text="The finding's own wording, for research priorities."
    )

    objects = QuestionManager()
    history: ClassVar[Any]  # assessments/translation.py

    class Meta:
        # What admins and the leaflet call it ("Question" is how it is asked).
        verbose_name = _("key action")
        verbose_name_plural = _("key actions")
        ordering = ["area__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "code"], name="unique_question_code_in_checklist"
            ),
            models.UniqueConstraint(fields=["area", "order"], name="unique_question_order"),
            models.CheckConstraint(
                # On the English column: the Welsh may be empty while drafting.
                condition=Q(is_research_priority=False)
                | (Q(research_finding_en_gb__isnull=False) & ~Q(research_finding_en_gb="")),
                name="research_priority_has_finding",
            ),
        ]

    def __str__(self):
        return self.summary

    @property
    def wording(self) -> tuple[tuple[str, str], ...]:
        """How the key action is asked in each language, English first: (summary, question)
        pairs, "" where a language has none (`scoring.wording_differs`)."""
        return tuple(
            (
                getattr(self, build_localized_fieldname("summary", language)) or "",
                getattr(self, build_localized_fieldname("text", language)) or "",
            )
            for language in settings.MODELTRANSLATION_LANGUAGES
        )

    def natural_key(self):
        return (self.area.checklist.number, self.code)

    natural_key.dependencies = ["assessments.area", "assessments.quote"]  # type: ignore[attr-defined]  # Django reads it

    def clean(self):
        super().clean()
        if (
            self.quote_id
            and self.area_id
            and self.quote.area.checklist_id != self.area.checklist_id
        ):
            raise ValidationError(
                {"quote": "Choose a quote from this checklist version's own areas."}
            )


class QuoteManager(MultilingualManager):
    def get_by_natural_key(self, checklist_number, area_code, order):
        return self.get(area__checklist__number=checklist_number, area__code=area_code, order=order)


class Quote(models.Model):
    """A leading politician's words from the leaflet, shown as inspiration beside an area."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="quotes")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()

    objects = QuoteManager()
    history: ClassVar[Any]  # assessments/translation.py

    class Meta:
        ordering = ["area__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["area", "order"], name="unique_quote_order"),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 60 else f"{self.text[:59]}…"

    def natural_key(self):
        return (*self.area.natural_key(), self.order)

    natural_key.dependencies = ["assessments.area"]  # type: ignore[attr-defined]  # Django reads it


class AnswerOptionManager(MultilingualManager):
    def get_by_natural_key(self, checklist_number, code):
        return self.get(checklist__number=checklist_number, code=code)


class AnswerOption(models.Model):
    """A point on the answer scale. `points` is empty for answers left out of the score."""

    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="answer_options"
    )
    code = models.SlugField(max_length=30)
    label = models.CharField(max_length=50)
    hint = models.CharField(max_length=200, blank=True)
    points = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty for “Not sure”: not scored."
    )
    order = models.PositiveSmallIntegerField()

    objects = AnswerOptionManager()
    history: ClassVar[Any]  # assessments/translation.py

    class Meta:
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="unique_answer_option_code"),
            models.UniqueConstraint(
                fields=["checklist", "order"], name="unique_answer_option_order"
            ),
        ]

    def __str__(self):
        return self.label

    def natural_key(self):
        return (*self.checklist.natural_key(), self.code)

    natural_key.dependencies = ["assessments.checklistversion"]  # type: ignore[attr-defined]  # Django reads it

    @property
    def is_scored(self) -> bool:
        return self.points is not None


# --- People --------------------------------------------------------------------------------


class CouncilManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Council(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # Never below the service-wide `GROUP_MIN_RESPONSES`: a constraint cannot read settings, so
    # the admin form refuses a lower figure and `group_reports.group_minimum` clamps where read.
    group_min_responses = models.PositiveSmallIntegerField(
        "minimum submissions before group figures show",
        null=True,
        blank=True,
        help_text="Leave empty to use the service-wide minimum. A council may only raise it.",
    )
    # A council in Wales offers its services in Welsh first (the Welsh Language Standards): an
    # email to one of its people whose language is not yet known is in both languages, Welsh first.
    welsh_first = models.BooleanField(
        "Welsh council",
        default=False,
        help_text=(
            "Emails to people whose language is not yet known, such as invitations, are in Welsh "
            "and English: tick to put the Welsh first."
        ),
    )

    # Officers of such a council are sent to set up two-factor after signing in until they have
    # it (assessments.two_factor); admins always need it for Django admin, councillors never.
    require_two_factor_for_officers = models.BooleanField(
        "require two-factor for officers",
        default=False,
        help_text=(
            "Officers must set up an authenticator app and give a code each time they sign in. "
            "Applies from their next sign-in."
        ),
    )

    objects = CouncilManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class EmailUserManager(UserManager):
    """Accounts are known by email address; there is no separate username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A councillor, an officer, or (with `is_staff`) an admin of the service."""

    class Role(models.TextChoices):
        COUNCILLOR = "councillor", _("Councillor")
        OFFICER = "officer", _("Officer")

    # No user names, first or last names: these remove AbstractUser's fields, which
    # django-stubs types as always present.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    # `unique=True` as Django's auth requires of USERNAME_FIELD; the constraint below is the rule
    # that matters, as addresses are not case-sensitive to the people typing them.
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.COUNCILLOR)
    # The person's own choice (the "Email reminders" page): off, no reminder is queued for them,
    # and one queued before they turned it off is not sent (`assessments.reminders`).
    reminders_enabled = models.BooleanField(
        _("Email reminders"),
        default=True,
        help_text=_("Reminders to complete an assessment and of next steps coming due."),
    )

    # The language the person last used the service in ("en-gb" or "cy"), and so the language of
    # every email sent to them; empty until they first use it, and then emails are in both.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            # Every form stores addresses lower-cased; this refuses a second account for the
            # same address in another case, which would make signing in ambiguous.
            models.UniqueConstraint(
                Lower("email"),
                name="unique_email_ignoring_case",
                violation_error_message="An account with this email address already exists.",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_councillor(self) -> bool:
        return self.role == self.Role.COUNCILLOR

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.OFFICER


class CouncilSignIn(models.Model):
    """
    A council's OpenID Connect provider (Microsoft Entra ID, or any standard one), for "Sign in
    with your council account" (`assessments.sso`). The client secret is never stored here: it
    comes from the environment (`OIDC_CLIENT_SECRET_<SLUG>`, settings.OIDC_CLIENT_SECRETS), so a
    database copy or an admin account cannot leak it and rotating it is a deploy.
    """

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="sign_in")
    enabled = models.BooleanField(
        "on", default=False, help_text="Offer “Sign in with your council account”."
    )
    issuer = models.URLField(
        max_length=300,
        help_text="For Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0",
    )
    client_id = models.CharField("client (application) id", max_length=200)
    allowed_email_domains = models.CharField(
        max_length=500,
        help_text="Comma-separated, e.g. example.gov.uk, cyngor.example.gov.uk",
    )

    class Meta:
        verbose_name = "council sign-in"

    def __str__(self):
        return f"Sign-in for {self.council}"

    @property
    def email_domains(self) -> list[str]:
        return [
            domain.strip().lower().lstrip("@")
            for domain in self.allowed_email_domains.split(",")
            if domain.strip()
        ]


class SignInIdentity(models.Model):
    """An account's link to its council provider's stable subject id (`iss` + `sub`), made at
    its first council sign-in (matched then by verified email) and used from then on."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sign_in_identity")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_subject"),
        ]

    def __str__(self):
        return f"{self.user.email} at {self.issuer}"


# --- Answers -------------------------------------------------------------------------------


class Assessment(models.Model):
    """One councillor's run through one checklist version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assessments")
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The submitted assessment this one was pre-filled from.",
    )
    group = models.ForeignKey(
        "CouncillorGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
        help_text="The group whose discussion this assessment was answered for, if any.",
    )
    shared_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the author shared this report with their council's officers; empty if not shared.",
    )
    # Bumped by every save of answers; a page posted with an older revision is stale.
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(status="draft"), name="one_draft_per_owner"
            ),
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(submitted_at__isnull=True))
                | (Q(status="submitted") & Q(submitted_at__isnull=False)),
                name="submitted_at_matches_status",
            ),
        ]

    def __str__(self):
        return f"{self.owner}: {self.get_status_display()} assessment of {self.created_at:%d %B %Y}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Answer(models.Model):
    """One answer to one question. Pre-filled answers wait for the councillor to confirm them."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        AnswerOption, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    confirmed = models.BooleanField(
        default=True, help_text="False while an answer pre-filled from last time is unconfirmed."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question__area__order", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), NOTE_MAX_LENGTH),
                name="note_within_limit",
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.option or 'not answered'}"


class ActionStep(models.Model):
    """
    The councillor's next step on one gap: what, who leads, by when, and where it is reported.

    Up to `FOCUS_LIMIT` steps of an assessment are its focus actions, "Your action plan" at the
    top of the report (`assessments.action_plan` keeps the limit, under a lock on the
    assessment). A step carried over from the last assessment's plan points to the step it
    came from.
    """

    FOCUS_LIMIT = 5

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="action_step")
    is_focus = models.BooleanField(
        "One of the focus actions", default=False, help_text="Shown first, in “Your action plan”."
    )
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_into",
        help_text="The step of an earlier assessment this one continues.",
    )
    what = models.TextField("What will be done", max_length=1000)
    lead = models.CharField("Who leads it", max_length=200, blank=True)
    due_date = models.DateField("By when", null=True, blank=True)
    reported_to = models.CharField("Where progress will be reported", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["answer__question__area__order", "answer__question__order"]

    def __str__(self):
        return f"Next step on {self.answer.question}"


class StepReview(models.Model):
    """
    How a step planned in the person's last assessment went, recorded in their new one.

    The rows are made when the new assessment starts, one per step of the last submitted
    assessment, with no outcome; the person records an outcome for each before submitting.
    """

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        PARTLY_DONE = "partly", _("Partly done")
        NOT_DONE = "not-done", _("Not done")
        NO_LONGER_RELEVANT = "not-relevant", _("No longer relevant")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="step_reviews"
    )
    step = models.ForeignKey(ActionStep, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(max_length=20, choices=Outcome, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["step__answer__question__area__order", "step__answer__question__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "step"], name="one_review_per_step"),
        ]

    def __str__(self):
        return f"Review of {self.step}: {self.get_outcome_display() or 'not yet reviewed'}"

    @property
    def is_unfinished(self) -> bool:
        """Partly done or not done: a step the new plan may carry on."""
        return self.outcome in {self.Outcome.PARTLY_DONE, self.Outcome.NOT_DONE}


class Invitation(models.Model):
    """
    An officer's or admin's invitation to a councillor.

    The account exists from the moment of invitation (inactive, with no usable password); the
    emailed link lets the invitee choose a password. Only a hash of the link's token is stored,
    and a link works once, until `expires_at`, unless revoked.

    The email carrying the link is an `Email` row of its own (`emails`), with its state. A failed
    email never undoes the invitation; the officer sends it again, which makes a new invitation.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Only the latest link works: a new invitation revokes the live one first.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_live_invitation_per_person",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.user.email}"


class SignInLink(models.Model):
    """
    A councillor's emailed one-time sign-in link (`assessments.sign_in_links`). Like an
    invitation, only the SHA-256 hash of the link's token is stored; the link works once, until
    `expires_at`.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Sign-in link for {self.user.email}"


class AccessEvent(models.Model):
    """
    One change to someone's access, for the audit trail (`assessments.access_log`): who did it
    (`actor`, empty for the service itself or a deleted account), to whom, in which council or
    group, and what changed (`details`: field names and plain old/new values, never answers,
    notes or tokens). Rows are only ever added.
    """

    class Action(models.TextChoices):
        ROLE_CHANGED = "role_changed", "Role changed"
        ACTIVATION_CHANGED = "activation_changed", "Activated or deactivated"
        STAFF_CHANGED = "staff_changed", "Admin status changed"
        COUNCIL_CHANGED = "council_changed", "Moved to another council"
        ACCOUNT_CREATED = "account_created", "Account created in admin"
        COUNCIL_SETTINGS_CHANGED = "council_settings_changed", "Council settings changed"
        INVITATION_SENT = "invitation_sent", "Invitation sent"
        INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        REPORT_SHARED = "report_shared", "Report shared with officers"
        REPORT_WITHDRAWN = "report_withdrawn", "Report withdrawn from officers"
        GROUP_MEMBER_ADDED = "group_member_added", "Added to a group"
        GROUP_MEMBER_REMOVED = "group_member_removed", "Removed from a group"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset by email"
        SIGN_IN_LINK_USED = "sign_in_link_used", "Signed in with an emailed link"
        SSO_LINKED = "sso_linked", "Linked to a council sign-in account"
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor reset"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_events_made"
    )
    # A deleted person's events go with them, as their email log does (their right to erasure);
    # the events they made for others stay, without their name (`actor` is set null).
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="access_events"
    )
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_events"
    )
    group = models.ForeignKey(
        "CouncillorGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_events",
    )
    action = models.CharField(max_length=30, choices=Action)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "created_at"], name="access_event_action")]

    def __str__(self):
        return f"{self.get_action_display()}: {self.subject or '-'}"


# --- Email ---------------------------------------------------------------------------------


class Email(models.Model):
    """
    One message the service means to send, and what became of it (`assessments.emails`).

    Never the message itself: subject, body and links are built by the task at the moment of
    sending, from the rows named here, so the log holds no content, no link and no token. The
    `key` makes a message once-only (e.g. "invitation:<pk>"): the database refuses a second row
    with the same key, so two requests (or a task run twice) cannot queue it twice.

    queued → sending → sent; a mail-server error in between → retrying (with `next_attempt_at`)
    → sending ..., or gave up after the last retry or a permanent refusal; cancelled when it was
    no longer needed by the time it was due (an invitation revoked, reminders turned off).
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        PASSWORD_RESET = "password_reset", _("Password reset")
        COMPLETION_REMINDER = "completion_reminder", _("Reminder to complete an assessment")
        STEP_REMINDER = "step_reminder", _("Reminder of a next step")
        GROUP_ADDED = "group_added", _("Added to a group")
        GROUP_REMINDER = "group_reminder", _("Reminder of a group's answers deadline")
        SIGN_IN_LINK = "sign_in_link", _("Sign-in link")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Could not be sent, trying again")
        GAVE_UP = "gave_up", _("Gave up")
        CANCELLED = "cancelled", _("Cancelled: no longer needed")

    class Delivery(models.TextChoices):
        """What GOV.UK Notify last said about the message after sending it."""

        UNKNOWN = "", _("Not known")
        DELIVERED = "delivered", _("Delivered")
        PERMANENT_FAILURE = (
            "permanent_failure",
            _("The address does not exist or cannot receive email"),
        )
        TEMPORARY_FAILURE = "temporary_failure", _("The inbox was full or unavailable")
        TECHNICAL_FAILURE = "technical_failure", _("A technical problem at GOV.UK Notify")

    purpose = models.CharField(max_length=30, choices=Purpose)
    # A deleted person's email log goes with them; so does an invitation's or a step's.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="emails")
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    action_step = models.ForeignKey(
        ActionStep, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    group = models.ForeignKey(
        "CouncillorGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    sign_in_link = models.ForeignKey(
        "SignInLink", null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    key = models.CharField(
        max_length=200, unique=True, help_text="Once-only: one email per key, ever."
    )
    state = models.CharField(max_length=20, choices=State, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times sending began.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The exception's class and the server's reply code only: never an address or any content.
    last_error = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(
        max_length=100, blank=True, help_text="GOV.UK Notify's id for the message."
    )
    delivery = models.CharField(max_length=30, choices=Delivery, blank=True, default="")
    delivery_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "purpose"], name="email_state_purpose")]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__gte=0), name="email_attempts_not_negative"
            ),
            # Sent, and only sent, says when.
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False)
                | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="email_sent_has_sent_at",
            ),
            # A retry is always for a time; a retry or a give-up always says what went wrong.
            models.CheckConstraint(
                condition=~Q(state="retrying") | Q(next_attempt_at__isnull=False),
                name="email_retrying_has_next_attempt",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["retrying", "gave_up"]) | ~Q(last_error=""),
                name="email_failure_has_error",
            ),
            # Only a message that went can have been delivered (or not).
            models.CheckConstraint(
                condition=Q(delivery="") | Q(state="sent"), name="email_delivery_only_when_sent"
            ),
            models.CheckConstraint(
                condition=~Q(purpose="invitation") | Q(invitation__isnull=False),
                name="email_invitation_has_invitation",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="step_reminder") | Q(action_step__isnull=False),
                name="email_step_reminder_has_step",
            ),
            models.CheckConstraint(
                condition=~Q(purpose__in=["group_added", "group_reminder"])
                | Q(group__isnull=False),
                name="email_group_email_has_group",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="sign_in_link") | Q(sign_in_link__isnull=False),
                name="email_sign_in_link_has_link",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} email {self.key}: {self.get_state_display()}"


class ReminderRound(models.Model):
    """
    An officer's "Remind councillors" for their council: when, by whom, and to how many.

    The emails themselves are `Email` rows (one per person, keyed by person and day); this is
    the council's record of the round, so the next officer sees when reminders last went.
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="reminder_rounds")
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipients = models.PositiveIntegerField(help_text=_("How many reminders were queued."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["council", "-created_at"], name="reminder_round_latest")]

    def __str__(self):
        return f"Reminders to {self.recipients} of {self.council} on {self.created_at:%d %B %Y}"


# --- Groups --------------------------------------------------------------------------------


class CouncillorGroup(models.Model):
    """
    Councillors answering "as a group" (a cabinet, a scrutiny committee, a party group).

    Each member answers privately in an ordinary assessment linked to the group; the group's
    report shows only aggregate figures, and only once enough members have submitted.
    """

    class Status(models.TextChoices):
        """Collecting answers before the meeting, discussing them at it, agreed after it."""

        OPEN = "open", _("Collecting answers")
        DISCUSSION = "discussion", _("Discussing")
        CLOSED = "closed", _("Agreed (closed)")

    AGENDA_SIZE_DEFAULT = 5
    AGENDA_SIZE_MAX = 20

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    checklist = models.ForeignKey(
        ChecklistVersion,
        on_delete=models.PROTECT,
        related_name="groups",
        help_text="The version the group's report is laid out on; answers match by question code.",
    )
    facilitator = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_groups",
        help_text="The officer who runs the group's discussion.",
    )
    members = models.ManyToManyField(User, through="GroupMembership", related_name="member_of")
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    meeting_date = models.DateField(
        _("Meeting date"), null=True, blank=True, help_text=_("When the group meets to discuss.")
    )
    answers_due = models.DateField(
        _("Answers due"),
        null=True,
        blank=True,
        help_text=_("The deadline for members' answers, before the meeting."),
    )
    agenda_size = models.PositiveSmallIntegerField(
        _("Agenda items"),
        default=AGENDA_SIZE_DEFAULT,
        help_text=_("How many key actions the meeting's agenda lists."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            # "Cabinet" and "cabinet" in one council would be two groups nobody can tell apart.
            models.UniqueConstraint(
                Lower("name"), "council", name="unique_group_name_in_council_ignoring_case"
            ),
            models.CheckConstraint(
                condition=Q(agenda_size__gte=1) & Q(agenda_size__lte=20),
                name="group_agenda_size_1_to_20",
            ),
            # Answers are due before (or on) the day of the meeting they are for.
            models.CheckConstraint(
                condition=Q(answers_due__isnull=True)
                | Q(meeting_date__isnull=True)
                | Q(answers_due__lte=models.F("meeting_date")),
                name="group_answers_due_by_the_meeting",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.council})"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class GroupMembership(models.Model):
    """A councillor's place in a group. Removing it leaves their assessments untouched."""

    group = models.ForeignKey(CouncillorGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group"),
        ]

    def __str__(self):
        return f"{self.user} in {self.group.name}"


class GroupRound(models.Model):
    """
    The figures a group's report shows, recorded once: when the group first moves on from
    collecting answers (to discussion, or straight to closed) with enough submissions.

    The counts are stored, not worked out again: no later change (a member removed or added, an
    assessment linked elsewhere, resubmitted or deleted with its account) can move them, so no
    two versions of the report can differ by one person's answers. One round per group, ever:
    the database refuses a second.
    """

    group = models.OneToOneField(CouncillorGroup, on_delete=models.CASCADE, related_name="round")
    responses = models.PositiveIntegerField(help_text="How many members' assessments it counts.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.group.name}: figures of {self.responses} members"


class GroupRoundCount(models.Model):
    """How many of a round's counted assessments gave one answer to one key action, by code."""

    round = models.ForeignKey(GroupRound, on_delete=models.CASCADE, related_name="counts")
    question_code = models.SlugField(max_length=80)
    option_code = models.SlugField(max_length=30)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "question_code", "option_code"], name="one_count_per_answer"
            ),
        ]

    def __str__(self):
        return f"{self.question_code}: {self.option_code} × {self.count}"


class GroupAgreement(models.Model):
    """What a group agreed about one key action after its discussion, recorded by its officer."""

    group = models.ForeignKey(CouncillorGroup, on_delete=models.CASCADE, related_name="agreements")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(
        AnswerOption, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    action_what = models.TextField("What will be done", blank=True, max_length=1000)
    action_lead = models.CharField("Who leads it", max_length=200, blank=True)
    action_due_date = models.DateField("By when", null=True, blank=True)
    action_reported_to = models.CharField(
        "Where progress will be reported", max_length=200, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["question__area__order", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "question"], name="one_agreement_per_question"
            ),
        ]

    def __str__(self):
        return f"{self.group.name}: {self.question}"


# --- The national overview's counts --------------------------------------------------------


class CouncilSubmissions(models.Model):
    """
    How many of a council's people have submitted an assessment, and how many submitted
    assessments they hold between them: what the national overview needs to decide whether a
    council is above its minimum, kept up to date by `assessments.overview_counts` in the
    transaction of every change (and rebuilt by `manage.py rebuild_overview_counts`).
    """

    council = models.OneToOneField(
        Council, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Positive fields: the database refuses a count taken below zero, so a bug fails loudly
    # instead of hiding a council.
    people = models.PositiveIntegerField(default=0)
    assessments = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "council submissions"

    def __str__(self):
        return f"{self.council_id}: {self.people} people, {self.assessments} assessments"


class CouncilAnswerCount(models.Model):
    """
    How many submitted assessments of one council's people gave one answer to one question:
    the national overview's figures, kept as `CouncilSubmissions` is.

    Questions and answer options are kept by the answers themselves (`PROTECT`), so a row can
    only go with one of them when its count is already zero.
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(AnswerOption, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["council", "question", "option"], name="one_count_per_council_answer"
            ),
        ]

    def __str__(self):
        return f"{self.council_id}: {self.question_id} answered {self.option_id} × {self.count}"
