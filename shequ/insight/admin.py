from django.contrib import admin

from .models import CommunityFigures


@admin.register(CommunityFigures)
class CommunityFiguresAdmin(admin.ModelAdmin):
    list_display = [
        "community",
        "day",
        "refreshed_at",
        "residents",
        "households",
        "cases_open",
        "cases_overdue",
    ]
    list_filter = ["day"]
    search_fields = ["community__name", "area_path"]
    raw_id_fields = ["community"]
