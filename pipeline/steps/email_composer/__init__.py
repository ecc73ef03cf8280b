from pipeline.steps.email_composer.output import ComposedEmail
from pipeline.steps.email_composer.step import EmailComposerStep, composer_agent

__all__ = ["ComposedEmail", "EmailComposerStep", "composer_agent"]
