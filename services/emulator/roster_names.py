"""Roster: names that are hard to look up.

Diacritics that arXiv and the web drop or keep (Łukasz Wróbel, Lukasz Wrobel, L. Wróbel, and a
physicist L. Wróbel), a middle name the student leaves out (Maria Luisa Santos, M. L. Santos), and a
mathematician with papers but no web pages whose initial he shares with a neuroscientist. A very
common name is in roster_common_name.py.
"""

from __future__ import annotations

from services.emulator.roster import Person, listing, page, paper, person

# --- Diacritics: the web keeps them, arXiv sometimes drops them -------------------------------------
_WROBEL = (
    paper(
        "Stability of Vietoris-Rips Filtrations under Sampling Noise",
        2024,
        "We prove that Vietoris-Rips persistence diagrams are stable under sampling noise, a key step for "
        "topological data analysis of point clouds.",
        ("Łukasz Wróbel", "Hannah Cole"),
        ("math.AT", "cs.CG"),
    ),
    paper(
        "Persistent Homology of Protein Conformation Ensembles",
        2023,
        "Persistent homology summarises the shapes in molecular dynamics ensembles of proteins.",
        ("Lukasz Wrobel", "Oskar Nilsson"),
        ("q-bio.BM", "math.AT"),
    ),
    paper(
        "Topological Summaries for Sensor Network Coverage",
        2022,
        "Topological data analysis certifies coverage of sensor networks without coordinates.",
        ("L. Wróbel",),
        ("cs.CG",),
    ),
)
LUKASZ_WROBEL = person(
    "Łukasz Wróbel",
    key="lukasz-wrobel",
    aliases=("Lukasz Wrobel",),
    affiliation="University of Eastmarch",
    field="applied topology",
    interest="topological data analysis",
    papers=_WROBEL,
    facts=(
        "Łukasz Wróbel uses persistent homology to study the shape of data, from protein conformations to "
        "sensor networks.",
        "He co-organises the Eastmarch Applied Topology Seminar.",
    ),
    pages=(
        page(
            "https://math.eastmarch.example.edu/staff/lukasz-wrobel",
            "Łukasz Wróbel - School of Mathematics - University of Eastmarch",
            "Dr Łukasz Wróbel\nAssistant Professor in Applied Topology, School of Mathematics, University of "
            "Eastmarch\n"
            "Łukasz Wróbel uses persistent homology to study the shape of data, from protein conformations "
            "to sensor networks.\n"
            "He co-organises the Eastmarch Applied Topology Seminar.\n"
            "Recent work with Hannah Cole on the stability of Vietoris-Rips filtrations.",
        ),
        page(
            "https://lwrobel.example.com/",
            "Łukasz Wróbel",
            "Hi, I am Łukasz. I am an assistant professor at the University of Eastmarch.\n"
            "I like topology, bouldering and Polish poetry.\nPapers:\n" + listing(_WROBEL[:2]),
        ),
    ),
)
LESZEK_WROBEL = person(
    "Leszek Wróbel",
    key="leszek-wrobel",
    kind="bystander",
    affiliation="unknown",
    field="optics",
    interest="laser ablation",
    papers=(
        paper(
            "Ultrafast Laser Ablation of Silicon Carbide",
            2024,
            "Femtosecond laser ablation thresholds of silicon carbide at three wavelengths.",
            ("L. Wróbel", "Piotr Nowak"),
            ("physics.optics",),
        ),
    ),
)

# --- A middle name the student leaves out ----------------------------------------------------------
_SANTOS = (
    paper(
        "Contact Networks in Secondary Schools and Influenza Transmission",
        2024,
        "Wearable-sensor contact networks from four secondary schools drive an influenza transmission model.",
        ("Maria L. Santos", "Tunde Adeyemi"),
        ("q-bio.PE", "physics.soc-ph"),
    ),
    paper(
        "Nowcasting Hospital Admissions from Wastewater Signals",
        2023,
        "Wastewater viral loads nowcast respiratory hospital admissions one week ahead.",
        ("Tunde Adeyemi", "M. L. Santos", "Priya Kaur"),
        ("q-bio.PE", "stat.AP"),
    ),
    paper(
        "Agent-Based Models of Workplace Transmission",
        2022,
        "An agent-based model of infection transmission in open-plan offices and factories.",
        ("Maria Santos",),
        ("q-bio.PE",),
    ),
)
MARIA_LUISA_SANTOS = person(
    "Maria Luisa Santos",
    key="maria-luisa-santos",
    request_name="Dr. Maria Santos",
    aliases=("Maria Santos", "Maria L. Santos"),
    affiliation="Fernhill College",
    field="epidemiology",
    interest="infectious disease transmission models",
    papers=_SANTOS,
    facts=(
        "She builds mathematical models of how respiratory infections spread through schools and workplaces.",
        "During 2020-2022 she advised the Fernhill County health department on reopening schools.",
    ),
    pages=(
        page(
            "https://publichealth.fernhill.example.edu/faculty/maria-luisa-santos",
            "Maria Luisa Santos, PhD | Fernhill College School of Public Health",
            "Maria Luisa Santos is an Associate Professor of Epidemiology at Fernhill College.\n"
            "She builds mathematical models of how respiratory infections spread through schools and "
            "workplaces.\n"
            "During 2020-2022 she advised the Fernhill County health department on reopening schools.\n"
            "Lab website: outbreak-modelling.example.org",
        ),
        page(
            "https://outbreak-modelling.example.org/papers",
            "Papers | Outbreak Modelling Lab",
            "Outbreak Modelling Lab (Maria L. Santos)\n" + listing(_SANTOS[:2]),
        ),
    ),
)
MARCOS_SANTOS = person(
    "Marcos Santos",
    key="marcos-santos",
    kind="bystander",
    affiliation="unknown",
    field="particle physics",
    interest="long-lived particles",
    papers=(
        paper(
            "Search for Long-Lived Particles in Displaced Vertices",
            2024,
            "A search for long-lived particles decaying to displaced vertices in proton collisions.",
            ("M. Santos", "Julia Weber", "Anders Holm"),
            ("hep-ex",),
        ),
    ),
)

# --- Papers, no pages ----------------------------------------------------------------------------------
TOBIAS_ENGEL = person(
    "Tobias Engel",
    key="tobias-engel",
    kind="arxiv_only",
    affiliation="unknown",
    field="probability",
    interest="random matrix theory",
    papers=(
        paper(
            "Edge Universality for Sparse Random Matrices",
            2024,
            "We prove Tracy-Widom edge universality for sparse random matrices down to logarithmic degree.",
            ("Tobias Engel", "Mira Vogt"),
            ("math.PR",),
        ),
        paper(
            "Local Laws for Random Band Matrices",
            2022,
            "Local semicircle laws for random band matrices with band width above the square root.",
            ("Tobias Engel",),
            ("math.PR", "math-ph"),
        ),
    ),
)
THOMAS_ENGEL = person(
    "Thomas Engel",
    key="thomas-engel",
    kind="bystander",
    affiliation="unknown",
    field="neuroscience",
    interest="spike sorting",
    papers=(
        paper(
            "Spike Sorting for High-Density Probes with Template Matching",
            2023,
            "Template matching sorts spikes from high-density silicon probes in real time.",
            ("T. Engel", "Rosa Lindner"),
            ("q-bio.NC",),
        ),
    ),
)

HARD_NAMES: tuple[Person, ...] = (
    LUKASZ_WROBEL,
    LESZEK_WROBEL,
    MARIA_LUISA_SANTOS,
    MARCOS_SANTOS,
    TOBIAS_ENGEL,
    THOMAS_ENGEL,
)
