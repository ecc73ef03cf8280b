from pipeline.steps.web_scraper.output import ResearchNotes
from pipeline.steps.web_scraper.step import WebScraperStep, summarizer_agent

__all__ = ["ResearchNotes", "WebScraperStep", "summarizer_agent"]
