"""Shared form behaviour: text the portal can store (every form), Bootstrap classes on every
widget (so templates stay plain; small ones on the filters above a list), and a form's errors
in words for a message after a redirect."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from portal.validators import unstorable_in


class StorableTextMixin:
    """Refuses, next to the field, any cleaned value holding text that cannot be stored (NUL and
    other control characters, lone surrogates; see :mod:`portal.validators`), however deep in a
    list or a parsed JSON document, and whichever way the field was added."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form = cast(forms.BaseForm, self)
        cleaned = getattr(form, "cleaned_data", None)
        if cleaned is None:  # unbound, or refused as a whole
            return
        for name, value in list(cleaned.items()):
            found = unstorable_in(value)
            if found is not None:
                where, problem = found
                message = f"{problem} (at {where})" if where else problem
                form.add_error(name if name in form.fields else None, message)


class PortalFormMixin(StorableTextMixin):
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class SmallControls(forms.Form):
    """A form of filters above a list: Bootstrap's small controls, selects for choices and
    inputs for the rest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            is_choice = isinstance(form_field, forms.ChoiceField)
            css = "form-select form-select-sm" if is_choice else "form-control form-control-sm"
            form_field.widget.attrs.setdefault("class", css)


def errors_in_words(form: forms.BaseForm) -> str:
    """Every error of a form in one line, for a message shown after a redirect."""
    found = [str(message) for messages in form.errors.values() for message in messages]
    return " ".join(dict.fromkeys(found))  # once each, in order
