from pipeline.models.pipeline_data import PipelineData
from pipeline.models.progress import STEP_NAMES, ProgressCallback, ProgressEvent, StepName, StepResult
from pipeline.models.research import (
    ArxivPaper,
    Fact,
    FetchedPage,
    PaperScreening,
    ScrapingMetadata,
    ScreenedPaper,
    Source,
    SourceJudgement,
    SourceVerdict,
)
from pipeline.models.template_type import TemplateType
from pipeline.models.verification import FilledValue, Verification, VerificationCheck

__all__ = [
    "STEP_NAMES",
    "ArxivPaper",
    "Fact",
    "FetchedPage",
    "FilledValue",
    "PaperScreening",
    "PipelineData",
    "ProgressCallback",
    "ProgressEvent",
    "ScrapingMetadata",
    "ScreenedPaper",
    "Source",
    "SourceJudgement",
    "SourceVerdict",
    "StepName",
    "StepResult",
    "TemplateType",
    "Verification",
    "VerificationCheck",
]
