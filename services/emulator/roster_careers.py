"""Roster: careers that leave unusual traces.

A statistician whose papers sit in five arXiv archives (stat.ME, stat.ML, cs.LG, q-bio.GN, q-bio.QM);
a historian with pages and a book but no arXiv papers, whose initial an astrophysicist shares; an
emeritus whose only papers carry old-style arXiv ids from 1998-2005 and whose pages are a shared
emeritus listing and a homepage last updated in 2009; and a professor who moved universities, with
both departments' pages still online.
"""

from __future__ import annotations

from services.emulator.roster import Person, listing, page, paper, person

# --- Own papers across several arXiv archives -------------------------------------------------------
_DESHPANDE = (
    paper(
        "Hierarchical Priors for Sparse Single-Cell Count Data",
        2024,
        "Hierarchical priors share strength across cell types in sparse single-cell RNA count data.",
        ("Priyanka Deshpande", "Camille Moreau"),
        ("stat.ME", "q-bio.GN"),
    ),
    paper(
        "Amortized Variational Inference for Cell Type Deconvolution",
        2024,
        "An amortized variational autoencoder deconvolves bulk expression into cell type proportions.",
        ("Camille Moreau", "Priyanka Deshpande", "Yusuf Demir"),
        ("cs.LG", "q-bio.GN"),
    ),
    paper(
        "Spatial Transcriptomics Denoising with Gaussian Processes",
        2025,
        "Gaussian process priors over tissue coordinates denoise spatial transcriptomics measurements.",
        ("Nia Okoro", "Priyanka Deshpande"),
        ("q-bio.QM", "stat.AP"),
    ),
    paper(
        "Calibrated Uncertainty for Single-Cell Clustering",
        2023,
        "Posterior predictive checks calibrate the uncertainty of cell clusters found in single-cell data.",
        ("Priyanka Deshpande", "Yusuf Demir"),
        ("stat.ML",),
    ),
    paper(
        "A Poisson Factor Model for Gene Expression Counts",
        2021,
        "A Poisson factor model with sparsity priors for gene expression counts.",
        ("P. Deshpande",),
        ("stat.ME",),
    ),
)
PRIYANKA_DESHPANDE = person(
    "Priyanka Deshpande",
    key="priyanka-deshpande",
    affiliation="Aldermoor University",
    field="statistics",
    interest="probabilistic models of single-cell gene expression",
    papers=_DESHPANDE,
    facts=(
        "Her research develops probabilistic models and scalable inference for single-cell genomics.",
        "She runs the Cell Inference Lab with postdoc Camille Moreau.",
    ),
    pages=(
        page(
            "https://stat.aldermoor.example.edu/people/deshpande",
            "Priyanka Deshpande | Department of Statistics | Aldermoor University",
            "Priyanka Deshpande is an Assistant Professor of Statistics at Aldermoor University.\n"
            "Her research develops probabilistic models and scalable inference for single-cell genomics.\n"
            "She runs the Cell Inference Lab with postdoc Camille Moreau.",
            links=("https://cell-inference.example.org/publications",),
        ),
        page(
            "https://cell-inference.example.org/publications",
            "Publications - Cell Inference Lab",
            "Cell Inference Lab publications (Priyanka Deshpande, Aldermoor University)\n"
            + listing((_DESHPANDE[0], _DESHPANDE[1], _DESHPANDE[2])),
        ),
    ),
)

# --- Pages and a book, no arXiv papers; an astrophysicist shares the initial ------------------------
ELEANOR_WHITCOMBE = person(
    "Eleanor Whitcombe",
    key="eleanor-whitcombe",
    affiliation="Brightwater University",
    field="medieval history",
    interest="medieval trade networks in the Baltic",
    books=("Ledgers of the North Sea",),
    facts=(
        "She studies how Hanseatic merchants built trust across the Baltic, using customs ledgers and "
        "letters.",
        'Her book "Ledgers of the North Sea" appeared in 2021.',
        "She is writing a history of the herring trade of fifteenth-century Bergen.",
    ),
    pages=(
        page(
            "https://history.brightwater.example.edu/people/eleanor-whitcombe",
            "Eleanor Whitcombe | History | Brightwater University",
            "Eleanor Whitcombe is a Senior Lecturer in Medieval History at Brightwater University.\n"
            "She studies how Hanseatic merchants built trust across the Baltic, using customs ledgers and "
            "letters.\n"
            'Her book "Ledgers of the North Sea" appeared in 2021.\n'
            "She is writing a history of the herring trade of fifteenth-century Bergen.",
        ),
        page(
            "https://news.brightwater.example.edu/2023/05/history-book-prize",
            "Historian wins Brightwater book prize",
            "Dr Eleanor Whitcombe has won the 2023 Brightwater Prize for Historical Writing for her book "
            '"Ledgers of the North Sea".\n'
            "The judges praised its use of customs ledgers from Lübeck that no one had read before.",
            published="2023-05-11",
        ),
    ),
)
EMMA_WHITCOMBE = person(
    "Emma Whitcombe",
    key="emma-whitcombe",
    kind="bystander",
    affiliation="unknown",
    field="astrophysics",
    interest="galaxy dynamics",
    papers=(
        paper(
            "Dust Lanes in Edge-On Spiral Galaxies",
            2024,
            "Radiative transfer models of dust lanes in edge-on spiral galaxies.",
            ("E. Whitcombe", "Jonah Price"),
            ("astro-ph.GA",),
        ),
        paper(
            "Bar-Driven Gas Inflow in Barred Spirals",
            2022,
            "Simulations of gas inflow driven by stellar bars.",
            ("Emma Whitcombe",),
            ("astro-ph.GA",),
        ),
    ),
)

# --- An emeritus: old-style arXiv ids, a shared listing page, a homepage frozen in 2009 ---------------
_FINCH_MORROW = (
    paper(
        "Moduli Stabilisation on Calabi-Yau Orientifolds",
        1998,
        "Fluxes stabilise the complex structure moduli of Calabi-Yau orientifold compactifications.",
        ("Harold Finch-Morrow",),
        ("hep-th",),
        arxiv_id="hep-th/9803112",
    ),
    paper(
        "Warped Throats and Brane Inflation",
        2001,
        "Inflation driven by branes moving down warped throats of string compactifications.",
        ("H. Finch-Morrow", "Samuel Adebayo"),
        ("hep-th",),
        arxiv_id="hep-th/0106045",
    ),
    paper(
        "Counting Flux Vacua in Type IIB Compactifications",
        2005,
        "We estimate the number of flux vacua of type IIB string compactifications.",
        ("Harold Finch-Morrow", "Samuel Adebayo", "Rina Okabe"),
        ("hep-th", "math.AG"),
        arxiv_id="hep-th/0512201",
    ),
)
HAROLD_FINCH_MORROW = person(
    "Harold Finch-Morrow",
    key="harold-finch-morrow",
    request_name="Prof. Harold Finch-Morrow",
    affiliation="Kessler Polytechnic",
    field="string theory",
    interest="string compactifications",
    papers=_FINCH_MORROW,
    facts=(
        "Harold Finch-Morrow, Professor Emeritus, worked on the geometry of extra dimensions in string "
        "theory and retired in 2012.",
    ),
    pages=(
        page(
            "https://physics.kessler.example.edu/people/emeriti",
            "Emeritus Faculty | Department of Physics | Kessler Polytechnic",
            "Emeritus faculty of the Department of Physics.\n"
            "Harold Finch-Morrow, Professor Emeritus, worked on the geometry of extra dimensions in string "
            "theory and retired in 2012.\n"
            "Margaret Oyelaran, Professor Emerita, worked on neutron star interiors and retired in 2015.",
        ),
        page(
            "https://homepages.kessler.example.edu/~hfm/",
            "Harold Finch-Morrow's home page",
            "Harold Finch-Morrow\nDepartment of Physics, Kessler Polytechnic\n"
            "My research is on string compactifications: how the shape of six extra dimensions fixes the "
            "particles and forces we see.\nPreprints:\n"
            + listing(_FINCH_MORROW)
            + "\nLast updated: March 2009",
            published="2009-03-02",
        ),
    ),
)

# --- A professor who moved: both departments' pages are still online --------------------------------
_RAO = (
    paper(
        "Ion-Selective Membranes for Lithium Extraction from Brine",
        2024,
        "Polymer membranes with crown-ether channels pull lithium from geothermal brine.",
        ("Sunita Rao", "Felix Braun"),
        ("cond-mat.mtrl-sci", "physics.chem-ph"),
    ),
    paper(
        "Graphene Oxide Laminates for Desalination",
        2020,
        "Graphene oxide laminates with tuned interlayer spacing reject salt in forward osmosis.",
        ("S. Rao", "Felix Braun"),
        ("cond-mat.mtrl-sci",),
    ),
)
SUNITA_RAO = person(
    "Sunita Rao",
    key="sunita-rao",
    affiliation="Halden University",
    field="chemical engineering",
    interest="membranes for lithium extraction",
    papers=_RAO,
    facts=(
        "She designs membranes that pull lithium out of geothermal brine, with her long-time collaborator "
        "Felix Braun.",
    ),
    pages=(
        page(
            "https://chemeng.halden.example.edu/people/sunita-rao",
            "Sunita Rao | Chemical Engineering | Halden University",
            "Sunita Rao joined Halden University in 2023 as Associate Professor of Chemical Engineering, "
            "after four years at Kessler Polytechnic.\n"
            "She designs membranes that pull lithium out of geothermal brine, with her long-time "
            "collaborator Felix Braun.",
        ),
        page(
            "https://chem.kessler.example.edu/faculty/srao",
            "Sunita Rao - Kessler Polytechnic",
            "Sunita Rao is an Assistant Professor of Chemical Engineering at Kessler Polytechnic.\n"
            "Her group makes graphene oxide laminates for desalination.",
            published="2019-08-30",
        ),
    ),
)
SANJAY_RAO = person(
    "Sanjay Rao",
    key="sanjay-rao",
    kind="bystander",
    affiliation="unknown",
    field="algorithms",
    interest="graph algorithms",
    papers=(
        paper(
            "Faster Approximate Minimum Cuts in Dynamic Graphs",
            2024,
            "A dynamic algorithm maintains approximate minimum cuts under edge updates.",
            ("S. Rao", "Lena Fischer"),
            ("cs.DS",),
        ),
    ),
)

CAREERS: tuple[Person, ...] = (
    PRIYANKA_DESHPANDE,
    ELEANOR_WHITCOMBE,
    EMMA_WHITCOMBE,
    HAROLD_FINCH_MORROW,
    SUNITA_RAO,
    SANJAY_RAO,
)
