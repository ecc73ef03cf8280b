from pipeline.steps.template_parser.output import ParsedTemplate
from pipeline.steps.template_parser.step import TemplateParserStep, parser_agent

__all__ = ["ParsedTemplate", "TemplateParserStep", "parser_agent"]
