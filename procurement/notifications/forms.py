from django import forms

from procurement.notifications.kinds import Channel, kind_choices, kind_values


class InboxFilterForm(forms.Form):
    show = forms.ChoiceField(label="Show", required=False,
                             choices=[("", "All notifications"), ("unread", "Unread only")])
    kind = forms.ChoiceField(label="About", required=False, choices=lambda: [("", "Anything"), *kind_choices()])


class PreferencesForm(forms.Form):
    """A checkbox per kind × channel, named `<kind>__<channel>`."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in rows:
            names = {}
            for channel in Channel:
                name = f"{row['kind']}__{channel.value}"
                self.fields[name] = forms.BooleanField(
                    label=f"{channel.label} — {row['label']}", required=False, initial=row[channel.value])
                names[channel.value] = name
            self.rows.append({"label": row["label"], "names": names})

    def choices(self) -> dict[str, dict[str, bool]]:
        result: dict[str, dict[str, bool]] = {}
        for kind in kind_values():
            result[kind] = {channel: bool(self.cleaned_data.get(f"{kind}__{channel}")) for channel in Channel.values}
        return result

    def bound_rows(self) -> list[dict]:
        return [{"label": row["label"], "fields": [self[row["names"][c]] for c in Channel.values]} for row in self.rows]
