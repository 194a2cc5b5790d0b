"""The default reminder cadence and its texts (a company edits its own copy)."""

from __future__ import annotations

from django.template import Context, Engine, Template, TemplateSyntaxError

# Plain-text email: nothing is HTML-escaped (a customer named "Smith & Co" stays so).
ENGINE = Engine(autoescape=False, libraries={}, builtins=["django.template.defaultfilters"])

ITEMS = (
    "Open items as of {{ as_of|date:'Y-m-d' }} ({{ currency }}):\n"
    "{% for item in items %}  {{ item.number }}  due {{ item.due_on|date:'Y-m-d' }}"
    "  {{ item.amount }}"
    "{% if item.days_past_due > 0 %}  ({{ item.days_past_due }} days overdue){% endif %}"
    "{% if item.disputed %}  [in dispute: not due until resolved]{% endif %}\n"
    "{% endfor %}Total open: {{ total }}\n\n"
    "{% if attachment %}Your statement is attached. {% endif %}"
    "If you have already paid, thank you: please ignore this message.\n\n"
    "{{ company.name }}\n"
)

DEFAULT_STAGES = (
    (
        -3,
        "3 days before due",
        "{{ company.name }}: invoices due soon",
        "Dear {{ customer.name }},\n\nA friendly reminder that the invoices below fall due "
        "in the next few days.\n\n",
    ),
    (
        1,
        "1 day overdue",
        "{{ company.name }}: payment overdue",
        "Dear {{ customer.name }},\n\nOur records show the invoices below are now past due. "
        "We would be grateful for your payment.\n\n",
    ),
    (
        15,
        "15 days overdue",
        "{{ company.name }}: second reminder, payment 15 days overdue",
        "Dear {{ customer.name }},\n\nWe have not yet received payment of the invoices below, "
        "now over two weeks past due. Please arrange payment or tell us of any problem.\n\n",
    ),
    (
        30,
        "30 days overdue",
        "{{ company.name }}: payment 30 days overdue",
        "Dear {{ customer.name }},\n\nThe invoices below are now 30 days past due. Please pay "
        "them within 7 days or contact us to agree a payment date.\n\n",
    ),
    (
        60,
        "60 days overdue",
        "{{ company.name }}: final reminder before escalation",
        "Dear {{ customer.name }},\n\nDespite our reminders the invoices below remain unpaid "
        "60 days after their due date. Unless we receive payment within 7 days we will have "
        "to put your account on hold.\n\n",
    ),
)


def compile_template(text: str) -> Template:
    """The stage text as a template; TemplateSyntaxError says what is wrong in it."""
    return ENGINE.from_string(text)


def render_text(text: str, context: dict) -> str:
    # Context's own autoescape (True by default) is what rendering reads, not the engine's.
    return compile_template(text).render(Context(context, autoescape=False))


def check_template(text: str) -> str | None:
    """None when `text` is a valid template, else the error message."""
    try:
        compile_template(text)
    except TemplateSyntaxError as exc:
        return str(exc)
    return None
