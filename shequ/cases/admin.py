from django.contrib import admin

from .models import CaseCategory, EscalationRule, HandlerUnit, Open311Client, UnitMember


class UnitMemberInline(admin.TabularInline):
    model = UnitMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(HandlerUnit)
class HandlerUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    inlines = [UnitMemberInline]


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "parent",
        "accept_hours",
        "dispatch_hours",
        "handle_hours",
        "verify_hours",
    ]
    list_filter = ["active", "public"]
    search_fields = ["code", "name", "name_en"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["stage", "overdue_hours", "action", "active"]


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "active", "last_used_at"]
    readonly_fields = ["key_prefix", "key_digest"]
