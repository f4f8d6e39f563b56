"""How personal numbers look on screens, in the API and in exports unless revealed."""


def mask_id_number(value: str) -> str:
    """330723********1234: region and last four, which workers use to tell people apart."""
    if not value:
        return ""
    if len(value) < 15:  # passports and permits: region-and-last-four would show (nearly) all of it
        return value[:1] + "*" * (len(value) - 2) + value[-1:] if len(value) > 2 else "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    if len(value) < 11:  # a local landline: first-three-and-last-four would show (nearly) all of it
        return "*" * (len(value) - 4) + value[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*伟 for exports to people outside the registry (not used in the registry itself)."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
