from pipeline.steps.arxiv_helper.step import ArxivHelperStep

__all__ = ["ArxivHelperStep"]
