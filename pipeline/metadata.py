"""build_email_metadata: what `emails.metadata` records about how an email was written (SPEC §5)."""

from __future__ import annotations

from typing import Any

from pipeline.models import STEP_NAMES, PipelineData
from pipeline.models.usage import Usage


def build_email_metadata(data: PipelineData) -> dict[str, Any]:
    """A JSON-serialisable summary of the run: searches, sources, papers, timings, models, usage, checks."""
    usage = {step: data.usage[step].model_dump() for step in STEP_NAMES if step in data.usage}
    total = sum(data.usage.values(), Usage())
    verification = data.verification
    return {
        "search_terms": list(data.search_queries),
        "template_type": str(data.template_type),
        "scraped_urls": [source.url for source in data.sources],
        "sources": [{"url": source.url, "title": source.title} for source in data.sources],
        "arxiv_papers": [
            {"title": paper.title, "arxiv_url": paper.url, "year": paper.year, "arxiv_id": paper.arxiv_id}
            for paper in data.arxiv_papers
        ],
        "paper_screening": data.paper_screening.model_dump(),
        "facts": [fact.model_dump() for fact in data.facts],
        "used_source_urls": list(data.used_source_urls),
        "used_paper_ids": list(data.used_paper_ids),
        "step_timings": {step: data.step_timings.get(step, 0.0) for step in STEP_NAMES},
        "step_notes": dict(data.step_notes),
        "model": dict(data.models),
        "usage": {**usage, "total": total.model_dump()},
        "verification": {
            "checks": [check.model_dump() for check in verification.checks],
            "failed": [check.name for check in verification.failed],
            "retried": verification.retried,
            "values": [value.model_dump() for value in verification.values],
            "seams": list(verification.seams),
            "is_confident": data.is_confident,
        },
        "scraping_metadata": {
            "queries": dict(data.scraping.queries),
            "result_counts": dict(data.scraping.result_counts),
            "fetched_pages": [page.model_dump() for page in data.scraping.fetched_pages],
            "warnings": list(data.scraping.warnings),
        },
        "warnings": list(data.warnings),
    }
