from pipeline.steps.email_composer.output import ComposedValues, PlaceholderValue
from pipeline.steps.email_composer.step import EmailComposerStep, composer_agent

__all__ = ["ComposedValues", "EmailComposerStep", "PlaceholderValue", "composer_agent"]
