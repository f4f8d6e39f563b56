from django.contrib import admin

from .models import Code


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["table", "code", "name", "edition", "active"]
    list_filter = ["table", "active"]
    search_fields = ["code", "name"]
