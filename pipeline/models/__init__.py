from pipeline.models.pipeline_data import PipelineData
from pipeline.models.progress import STEP_NAMES, ProgressCallback, ProgressEvent, StepName, StepResult
from pipeline.models.research import ArxivPaper, Fact, ScrapingMetadata, Source
from pipeline.models.template_type import TemplateType
from pipeline.models.verification import Verification, VerificationCheck

__all__ = [
    "STEP_NAMES",
    "ArxivPaper",
    "Fact",
    "PipelineData",
    "ProgressCallback",
    "ProgressEvent",
    "ScrapingMetadata",
    "Source",
    "StepName",
    "StepResult",
    "TemplateType",
    "Verification",
    "VerificationCheck",
]
