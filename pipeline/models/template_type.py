import enum


class TemplateType(enum.StrEnum):
    RESEARCH = "research"
    BOOK = "book"
    GENERAL = "general"
