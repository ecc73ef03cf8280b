"""Roster: a very common name. A dozen arXiv authors are called Wei Wang, two of them in speech
processing like the recipient, one with a chemistry department page; the recipient's own papers are
tied to her pages by their listing and by the group members they name."""

from __future__ import annotations

from services.emulator.roster import Person, listing, page, paper, person

# --- A very common name -----------------------------------------------------------------------------
_WANG = (
    paper(
        "Noise-Robust Speech Recognition with Multichannel Self-Supervision",
        2024,
        "Self-supervised pretraining on multichannel recordings makes speech recognition robust to "
        "reverberation and babble noise.",
        ("Lina Hoffmann", "Wei Wang"),
        ("eess.AS", "cs.SD"),
    ),
    paper(
        "Far-Field Keyword Spotting under Factory Noise",
        2023,
        "Keyword spotting for far-field microphones in factories with machine noise above 85 dB.",
        ("Wei Wang", "Raj Iyer"),
        ("cs.SD", "eess.AS"),
    ),
    paper(
        "Speech Enhancement Front-Ends for In-Car Assistants",
        2025,
        "A low-latency speech enhancement front-end improves recognition for voice assistants in cars.",
        ("Chen Yu", "W. Wang", "Lina Hoffmann"),
        ("eess.AS",),
    ),
)
WEI_WANG = person(
    "Wei Wang",
    key="wei-wang-speech",
    affiliation="Coralline University",
    field="speech processing",
    interest="speech recognition in noisy environments",
    papers=_WANG,
    facts=(
        "She leads the Hearing Machines Group, which builds speech recognizers that keep working in noisy "
        "rooms, cars and factories.",
        "She received the Coralline Early Career Award in 2022.",
    ),
    pages=(
        page(
            "https://cs.coralline.example.edu/faculty/wei-wang",
            "Wei Wang | Computer Science | Coralline University",
            "Wei Wang is an Associate Professor of Computer Science at Coralline University.\n"
            "She leads the Hearing Machines Group, which builds speech recognizers that keep working in "
            "noisy rooms, cars and factories.\n"
            "Group website: hearing-machines.example.org\n"
            "She received the Coralline Early Career Award in 2022.",
        ),
        page(
            "https://hearing-machines.example.org/",
            "Hearing Machines Group",
            "Hearing Machines Group, led by Wei Wang at Coralline University.\n"
            "Members: Lina Hoffmann (postdoc), Raj Iyer (PhD student), Chen Yu (PhD student).\n"
            "Publications:\n" + listing(_WANG[:2]),
        ),
    ),
)


def _namesake(
    key: str, affiliation: str, field: str, *papers: tuple[str, int, str, tuple[str, ...], str]
) -> Person:
    return person(
        "Wei Wang",
        key=key,
        kind="bystander",
        affiliation=affiliation,
        field=field,
        interest=field,
        papers=tuple(paper(t, y, s, a, (c,)) for t, y, s, a, c in papers),
    )


OTHER_WEI_WANGS: tuple[Person, ...] = (
    _namesake(
        "wei-wang-streaming",
        "unknown",
        "speech recognition",
        (
            "Streaming Speech Recognition with Chunked Attention",
            2025,
            "Chunked attention lets transformer speech recognizers stream with low latency.",
            ("Wei Wang", "Zhao Lei", "Kim Soo-ah"),
            "eess.AS",
        ),
        (
            "Dysarthric Speech Recognition with Data Augmentation",
            2024,
            "Tempo and pitch augmentation improve recognition of dysarthric speech.",
            ("Hu Jun", "Wei Wang"),
            "eess.AS",
        ),
    ),
    _namesake(
        "wei-wang-emotion",
        "unknown",
        "affective computing",
        (
            "Robust Speech Emotion Recognition in Noisy Call Centers",
            2024,
            "Emotion recognition from call-center speech with background noise and compression artefacts.",
            ("Wei Wang", "Tang Rui"),
            "eess.AS",
        ),
    ),
    person(
        "Wei Wang",
        key="wei-wang-chemistry",
        kind="bystander",
        affiliation="Brightwater University",
        field="chemistry",
        interest="graphene plasmonics",
        pages=(
            page(
                "https://chem.brightwater.example.edu/people/wei-wang",
                "Wei Wang | Chemistry | Brightwater University",
                "Wei Wang is a Professor of Chemistry at Brightwater University.\n"
                "His group studies plasmons in graphene and other two-dimensional materials.",
            ),
        ),
        papers=(
            paper(
                "Graphene Plasmonics in the Terahertz Range",
                2025,
                "Terahertz plasmons in gated graphene ribbons, measured by near-field microscopy.",
                ("Wei Wang", "Li Na", "Zhou Bin"),
                ("cond-mat.mes-hall",),
            ),
        ),
    ),
    _namesake(
        "wei-wang-hep",
        "unknown",
        "particle physics",
        (
            "Top Quark Pair Production at Next-to-Next-to-Leading Order",
            2024,
            "NNLO predictions for top quark pair production at the LHC.",
            ("Wei Wang", "Gao Feng"),
            "hep-ph",
        ),
    ),
    _namesake(
        "wei-wang-genomics",
        "unknown",
        "genomics",
        (
            "Single-Cell Atlas of the Zebrafish Heart",
            2025,
            "A single-cell atlas of the regenerating zebrafish heart.",
            ("Liu Fang", "Wei Wang"),
            "q-bio.GN",
        ),
    ),
    _namesake(
        "wei-wang-pde",
        "unknown",
        "analysis",
        (
            "Regularity of Solutions to Nonlocal Parabolic Equations",
            2023,
            "Holder regularity for nonlocal parabolic equations with rough kernels.",
            ("Wei Wang",),
            "math.AP",
        ),
    ),
    _namesake(
        "wei-wang-econ",
        "unknown",
        "economics",
        (
            "Monetary Policy Shocks and Housing Credit",
            2024,
            "Identified monetary policy shocks move housing credit more than business credit.",
            ("Wei Wang", "Xu Ming"),
            "econ.GN",
        ),
    ),
    _namesake(
        "wei-wang-vision",
        "unknown",
        "computer vision",
        (
            "Open-Vocabulary Object Detection with Region Prompts",
            2025,
            "Region prompts align detector features with text embeddings for open-vocabulary detection.",
            ("Wei Wang", "Sun Hao", "Ma Lin"),
            "cs.CV",
        ),
    ),
    _namesake(
        "wei-wang-databases",
        "unknown",
        "databases",
        (
            "Learned Index Structures for Time-Series Databases",
            2024,
            "Learned indexes cut lookup latency in time-series databases.",
            ("Wei Wang", "Deng Yi"),
            "cs.DB",
        ),
    ),
    _namesake(
        "wei-wang-astro",
        "unknown",
        "astrophysics",
        (
            "Star Formation Quenching in Group Galaxies",
            2023,
            "Environmental quenching of star formation in galaxy groups.",
            ("W. Wang", "Peng Li"),
            "astro-ph.GA",
        ),
    ),
)


COMMON_NAME: tuple[Person, ...] = (WEI_WANG, *OTHER_WEI_WANGS)
