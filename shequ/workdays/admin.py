from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from shequ.accounts.typing import acting_user
from shequ.core.models import CalendarDay

from . import services


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Writes go through the services, so the admin is audited and reloads the calendar too;
    the page at /calendar/ is where county admins normally edit it."""

    list_display = ["date", "kind", "name", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        if change and "date" in form.changed_data:
            services.clear_calendar_day(date=form.initial["date"], by=acting_user(request))
        saved = services.set_calendar_day(
            date=obj.date, kind=obj.kind, name=obj.name, by=acting_user(request)
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.clear_calendar_day(date=obj.date, by=acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in queryset:
            services.clear_calendar_day(date=day.date, by=acting_user(request))
